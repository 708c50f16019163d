import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRUNE_AFTER_MS, pruneSessions } from '../../src/session/sessions.js';
import { buildTestApp, login, registerUser, type TestApp } from '../helpers/app.js';

/** Expired and revoked sessions are pruned (by the server's timer), so the table cannot grow without bound. */
describe('pruneSessions', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function sessionIds(userId: string): Promise<string[]> {
    const rows = await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', userId).orderBy('id').execute();
    return rows.map((r) => r.id);
  }

  it('deletes rows revoked or expired longer ago than the retention window, and keeps every other row', async () => {
    const { id: userId, email, password } = await registerUser(t);
    for (let i = 0; i < 3; i++) await login(t, email, password);
    const [oldRevoked, oldExpired, recentRevoked, live] = await sessionIds(userId);
    if (oldRevoked === undefined || oldExpired === undefined || recentRevoked === undefined || live === undefined) throw new Error('expected four sessions');
    const now = t.clock.now();
    const set = (id: string, values: { revoked_at?: number; expires_at?: number }): Promise<unknown> => t.db.kysely.updateTable('sessions').set(values).where('id', '=', id).execute();
    await set(oldRevoked, { revoked_at: now - PRUNE_AFTER_MS - 1000 });
    await set(oldExpired, { expires_at: now - PRUNE_AFTER_MS - 1000 });
    await set(recentRevoked, { revoked_at: now - PRUNE_AFTER_MS + 60_000 });

    expect(await pruneSessions(t.db.kysely, now)).toBe(2);
    expect(await sessionIds(userId)).toEqual([recentRevoked, live].sort());
    // Nothing left to prune: a second run deletes nothing.
    expect(await pruneSessions(t.db.kysely, now)).toBe(0);
    // The live session still works.
    expect(await sessionIds(userId)).toContain(live);
  });

  it('keeps the audit trail of a revoked session for the whole retention window', async () => {
    const { id: userId, agent } = await registerUser(t);
    expect((await agent.post('/api/auth/logout')).statusCode).toBe(204);
    const [revoked] = await sessionIds(userId);
    // (Counts include the first test's rows: this one checks its own user's rows.)
    t.clock.advance(PRUNE_AFTER_MS - 60_000);
    await pruneSessions(t.db.kysely, t.clock.now());
    expect(await sessionIds(userId)).toEqual([revoked]);
    t.clock.advance(120_000);
    await pruneSessions(t.db.kysely, t.clock.now());
    expect(await sessionIds(userId)).toEqual([]);
  });
});
