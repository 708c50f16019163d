import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { enrollTotp, loginWithTotp } from '../mfa/support.js';
import { relyingParty, signInWith } from './support.js';

let t: TestApp;
beforeEach(async () => {
  t = await buildTestApp({ clock: createTestClock(Date.now()) });
});
afterEach(async () => {
  await t.close();
});

describe('OpenID Connect provider: how the user signed in reaches the app (amr)', () => {
  it('a Gatehouse session made with a password and an authenticator code gives an ID token with amr pwd + otp + mfa', async () => {
    const user = await registerUser(t, { name: 'Mia' });
    const { secret } = await enrollTotp(t, user);
    const agent = await loginWithTotp(t, user.email, user.password, secret);
    const rp = await relyingParty(t, { firstParty: true });
    const claims = (await signInWith(agent, rp)).claims();
    expect(claims?.sub).toBe(user.id);
    expect([...((claims?.amr as string[] | undefined) ?? [])].sort()).toEqual(['mfa', 'otp', 'pwd']);
  });

  it('a password-only session gives amr pwd alone (no mfa claim for the app to trust)', async () => {
    const user = await registerUser(t, { name: 'Pat' });
    const rp = await relyingParty(t, { firstParty: true });
    const claims = (await signInWith(user.agent, rp)).claims();
    expect(claims?.amr).toEqual(['pwd']);
  });
});
