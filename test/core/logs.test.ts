import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Agent, buildTestApp, login, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { eventTypes, expectError, newUser, nextIp, whoAmI } from './support.js';

function canary(label: string): string {
  return `Canary-${label}-${randomBytes(9).toString('base64url')}`;
}

/** Every value that must never reach a log line. */
class Secrets {
  readonly values = new Map<string, string>();
  add(label: string, value: string | undefined): void {
    if (value === undefined || value === '') throw new Error(`no value for ${label}`);
    this.values.set(`${label}#${String(this.values.size)}`, value);
  }
  addJar(label: string, agent: Agent): void {
    this.add(`${label} session cookie`, agent.sessionCookie);
    this.add(`${label} csrf cookie`, agent.csrfCookie);
  }
}

function expectNoSecretsIn(text: string, secrets: Secrets, where: string): void {
  for (const [label, value] of secrets.values) {
    expect(text.includes(value), `${label} appears in ${where}`).toBe(false);
    // A JWT's signature alone is enough to be worried about.
    const tail = value.split('.').at(-1) ?? '';
    if (tail.length >= 20) expect(text.includes(tail), `${label} (signature) appears in ${where}`).toBe(false);
  }
}

describe('logs are free of secrets', () => {
  for (const level of ['info', 'trace']) {
    it(`register, login, change-password, logout, forgot/reset-password and error paths with canaries (LOG_LEVEL=${level})`, async () => {
      const secret = canary('session-secret-0123456789abcdef');
      const t: TestApp = await buildTestApp({ env: { LOG_LEVEL: level, SESSION_SECRET: secret } });
      try {
        const secrets = new Secrets();
        secrets.add('SESSION_SECRET', secret);
        const email = uniqueEmail('canary');
        const pw1 = canary('pw1');
        const pw2 = canary('pw2');
        const pw3 = canary('pw3');
        const wrong = canary('wrongpw');
        for (const [k, v] of [['pw1', pw1], ['pw2', pw2], ['pw3', pw3], ['wrong', wrong]] as const) secrets.add(k, v);

        const a = new Agent(t, nextIp());
        const responses: string[] = [];
        const record = (body: string): void => {
          responses.push(body);
        };
        let res = await a.post('/api/auth/register', { email, password: pw1, name: 'Canary' });
        expect(res.statusCode).toBe(201);
        record(res.body);
        secrets.addJar('register', a);
        secrets.add('verify token', await tokenFromEmail(t, email, '/verify-email'));

        res = await new Agent(t).post('/api/auth/login', { email, password: wrong });
        expectError(res, 401, 'invalid_credentials');
        const b = await login(t, email, pw1);
        secrets.addJar('login', b);
        record((await b.get('/api/auth/me')).body);
        record((await b.get('/api/sessions')).body);

        res = await b.post('/api/auth/change-password', { currentPassword: wrong, newPassword: pw2 });
        expectError(res, 401, 'invalid_credentials');
        res = await b.post('/api/auth/change-password', { currentPassword: pw1, newPassword: pw2 });
        expect(res.statusCode).toBe(200);
        record(res.body);
        secrets.addJar('change-password', b);

        // Old (now dead) cookies replayed: the 401 path must not log them either.
        expectError(await a.get('/api/auth/me'), 401, 'unauthenticated');
        res = await b.post('/api/auth/logout');
        expect(res.statusCode).toBe(204);

        res = await new Agent(t).post('/api/auth/forgot-password', { email });
        expect(res.statusCode).toBe(202);
        record(res.body);
        const resetToken = await tokenFromEmail(t, email, '/reset-password');
        secrets.add('reset token', resetToken);
        res = await new Agent(t).post('/api/auth/reset-password', { token: resetToken, password: pw3 });
        expect(res.statusCode).toBe(200);
        record(res.body);
        const c = await login(t, email, pw3);
        secrets.addJar('after reset', c);

        // Error paths that carry secrets in the request.
        const raw = (payload: string, type = 'application/json'): Promise<unknown> =>
          t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': type }, payload });
        await raw(`{"email":"${email}","password":"${pw3}"`);
        await raw(`{"email":"${email}","password":"${pw3}","extra":"${pw3}"}`);
        await raw(`email=${email}&password=${pw3}`, 'application/x-www-form-urlencoded');
        await raw(`{"email":"${email}","password":"${pw3}${'x'.repeat(17_000)}"}`);
        await raw(`{"email":"${email}","password":"${pw3}","__proto__":{"a":1}}`);
        await t.app.inject({ method: 'POST', url: '/api/auth/reset-password', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ token: resetToken, password: 'short' }) });
        await t.app.inject({ method: 'GET', url: `/api/auth/me?token=${resetToken}`, headers: { authorization: `Bearer ${c.sessionCookie ?? ''}` } });
        await c.post('/api/sessions/revoke-others', undefined, { headers: { 'x-csrf-token': canary('bad-csrf') } });
        await c.post('/api/sessions/revoke-others', undefined, { headers: { origin: 'https://evil.example' } });
        await t.app.inject({ method: 'GET', url: `/verify-email?token=${resetToken}` });
        await t.mailer.flush();

        const logs = t.logs.join('\n');
        expect(logs.length).toBeGreaterThan(0);
        expectNoSecretsIn(logs, secrets, 'logs');
        // The session token only ever travels in Set-Cookie: never in a response body.
        const sessionOnly = new Secrets();
        for (const [label, value] of secrets.values) if (label.includes('session cookie') || label.includes('SESSION_SECRET') || label.startsWith('pw')) sessionOnly.values.set(label, value);
        expectNoSecretsIn(responses.join('\n'), sessionOnly, 'response bodies');
      } finally {
        await t.close();
      }
    });
  }
});

describe('security events', () => {
  it('login_succeeded, login_failed, logout, session_revoked, session_evicted and password_changed appear in GET /api/security-events', async () => {
    const t = await buildTestApp({ env: { MAX_SESSIONS: '2' } });
    try {
      const { agent, email, password, id } = await newUser(t);
      expectError(await new Agent(t, '198.51.100.23').post('/api/auth/login', { email, password: 'not the password' }), 401, 'invalid_credentials');
      const b = await login(t, email, password, '198.51.100.24', 'Browser B');
      expect((await b.post('/api/auth/logout')).statusCode).toBe(204);
      const c = await login(t, email, password);
      const cId = (await whoAmI(c)).sessionId;
      expect((await agent.delete(`/api/sessions/${cId}`)).statusCode).toBe(204);
      t.clock.advance(120_000);
      await login(t, email, password);
      t.clock.advance(120_000);
      await login(t, email, password); // evicts `agent` (MAX_SESSIONS=2)
      const d = await login(t, email, password);
      expect((await d.post('/api/auth/change-password', { currentPassword: password, newPassword: 'the next good passphrase' })).statusCode).toBe(200);

      const res = await d.get('/api/security-events');
      expect(res.statusCode).toBe(200);
      const events = res.json<{ events: { id: string; type: string; at: string; ip: string | null; userAgent: string | null; actor: unknown; target: { id: string; email: string } | null }[] }>().events;
      const types = events.map((e) => e.type);
      for (const type of ['login_succeeded', 'login_failed', 'logout', 'session_revoked', 'session_evicted', 'password_changed']) expect(types).toContain(type);
      for (const e of events) {
        expect(Object.keys(e).sort()).toEqual(['actor', 'at', 'id', 'ip', 'target', 'type', 'userAgent']);
        expect(e.at).toMatch(/Z$/);
        if (e.target !== null) expect(e.target).toEqual({ id, email });
      }
      const failed = events.find((e) => e.type === 'login_failed');
      expect(failed?.ip).toBe('198.51.100.23');
      expect(events.some((e) => e.type === 'login_succeeded' && e.userAgent === 'Browser B' && e.ip === '198.51.100.24')).toBe(true);
      // Newest first.
      expect(types[0]).toBe('password_changed');
      expect(res.body).not.toContain(password);
    } finally {
      await t.close();
    }
  });

  it("a user sees only their own events, and only when signed in", async () => {
    const t = await buildTestApp();
    try {
      const alice = await newUser(t);
      const bob = await newUser(t);
      expectError(await new Agent(t).post('/api/auth/login', { email: alice.email, password: 'wrong wrong wrong' }), 401, 'invalid_credentials');
      expect(await eventTypes(alice.agent)).toContain('login_failed');
      expect(await eventTypes(bob.agent)).not.toContain('login_failed');
      expectError(await new Agent(t).get('/api/security-events'), 401, 'unauthenticated');
    } finally {
      await t.close();
    }
  });
});
