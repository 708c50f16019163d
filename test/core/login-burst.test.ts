import { describe, expect, it } from 'vitest';
import { Agent, buildTestApp, registerUser, STRONG_PASSWORD } from '../helpers/app.js';

describe('a burst of correct logins from one address', () => {
  it('is never refused by the failure limit, and still leaves at most MAX_SESSIONS active', async () => {
    const t = await buildTestApp();
    try {
      const { email, id } = await registerUser(t);
      const agents = Array.from({ length: 20 }, () => new Agent(t, '192.0.2.10'));
      const results = await Promise.all(agents.map((a) => a.post('/api/auth/login', { email, password: STRONG_PASSWORD })));
      expect(results.map((r) => r.statusCode)).toEqual(Array.from({ length: 20 }, () => 200));
      const active = await t.db.kysely
        .selectFrom('sessions')
        .select('id')
        .where('user_id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
      expect(active.length).toBeLessThanOrEqual(t.config.maxSessions);
      // The failure counter was never left behind by the successes.
      const wrong = await new Agent(t, '192.0.2.10').post('/api/auth/login', { email, password: 'not the password at all' });
      expect(wrong.statusCode).toBe(401);
    } finally {
      await t.close();
    }
  });
});
