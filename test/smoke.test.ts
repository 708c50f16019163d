import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, registerUser, type TestApp } from './helpers/app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers, reads me, logs out', async () => {
    const { agent, email } = await registerUser(t, { email: '  Smoke@Example.COM ' });
    expect(email).toBe('smoke@example.com');
    const me = await agent.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(me.json<{ user: { email: string } }>().user.email).toBe('smoke@example.com');
    const out = await agent.post('/api/auth/logout');
    expect(out.statusCode).toBe(204);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(401);
  });
});
