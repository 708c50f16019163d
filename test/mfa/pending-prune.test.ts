import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENDING_TTL_MS, prunePendingLogins } from '../../src/mfa/pending.js';
import { buildTestApp, registerUser, type TestApp } from '../helpers/app.js';
import { enrollTotp, freshCode, ok, pendingLogin } from './support.js';

/** Pending logins are pruned by the server's timer (logins no longer delete them), so the table stays bounded. */
describe('prunePendingLogins', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function pendingIds(userId: string): Promise<string[]> {
    const rows = await t.db.kysely.selectFrom('mfa_pending').select('id').where('user_id', '=', userId).orderBy('created_at').execute();
    return rows.map((r) => r.id);
  }

  it('deletes only pending logins expired longer ago than their lifetime, and a live one still completes', async () => {
    const user = await registerUser(t);
    const { secret } = await enrollTotp(t, user);
    await pendingLogin(t, user.email, user.password);
    t.clock.advance(PENDING_TTL_MS + 1000);
    // Expired, but not for long: kept for now.
    await pendingLogin(t, user.email, user.password);
    t.clock.advance(PENDING_TTL_MS + 1000);
    const live = await pendingLogin(t, user.email, user.password);
    const [oldest, recent, current] = await pendingIds(user.id);
    expect([oldest, recent, current].every((id) => id !== undefined)).toBe(true);

    expect(await prunePendingLogins(t.db.kysely, t.clock.now())).toBe(1);
    expect(await pendingIds(user.id)).toEqual([recent, current]);
    expect(await prunePendingLogins(t.db.kysely, t.clock.now())).toBe(0);

    ok(await live.agent.post('/api/auth/login/mfa', { code: freshCode(t, secret) }));
    expect(live.agent.sessionCookie).toBeDefined();
  });
});
