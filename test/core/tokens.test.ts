import { hkdfSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtVerify, decodeProtectedHeader } from 'jose';
import { Agent, TEST_SECRET, buildTestApp, tokenFromEmail, type TestApp } from '../helpers/app.js';
import {
  EMAIL_TYP,
  SESSION_TYP,
  contractKey,
  expectCookiesCleared,
  expectError,
  forge,
  hkdfSha256,
  meWith,
  newUser,
  payloadOf,
  randomValue,
  sessionClaims,
  unsecured,
  whoAmI,
  type SessionFacts,
} from './support.js';

describe('HKDF written out in the test', () => {
  it('matches RFC 5869 test case 3 (empty salt and info) and node:crypto', () => {
    const ikm = Buffer.alloc(22, 0x0b);
    const okm = Buffer.from(hkdfSha256(ikm, new Uint8Array(0), new Uint8Array(0), 42)).toString('hex');
    expect(okm).toBe('8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
    const node = Buffer.from(hkdfSync('sha256', TEST_SECRET, Buffer.alloc(0), 'gatehouse:gatehouse-session', 32));
    expect(Buffer.from(contractKey(TEST_SECRET, 'gatehouse-session')).equals(node)).toBe(true);
  });
});

describe('session tokens', () => {
  let t: TestApp;
  let victim: { agent: Agent; email: string; id: string };
  let facts: SessionFacts;
  const sessionKey = contractKey(TEST_SECRET, 'gatehouse-session');
  const emailKey = contractKey(TEST_SECRET, 'gatehouse-email');

  beforeAll(async () => {
    t = await buildTestApp();
    victim = await newUser(t);
    facts = await whoAmI(victim.agent);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A forged session token for the victim's real session, with our own CSRF value. */
  async function forged(overrides: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: Uint8Array; alg?: 'HS256' | 'HS512' } = {}): Promise<string> {
    const csrf = randomValue();
    return forge({
      key: overrides.key ?? sessionKey,
      alg: overrides.alg ?? 'HS256',
      header: { typ: SESSION_TYP, ...overrides.header },
      claims: { ...sessionClaims(t, facts.userId, facts.sessionId, csrf), ...overrides.claims },
    });
  }

  it('the issued cookie is an HS256 JWT verifiable from SESSION_SECRET alone with the contract derivation', async () => {
    const token = victim.agent.sessionCookie ?? '';
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'HS256' });
    const { payload } = await jwtVerify(token, sessionKey, {
      algorithms: ['HS256'],
      audience: 'gatehouse-session',
      currentDate: new Date(t.clock.now()),
    });
    expect(payload.sub).toBe(facts.userId);
    expect(payload.csrf).toBe(victim.agent.csrfCookie);
    // Times are UTC epoch seconds taken from the injected clock, whatever TZ says.
    expect(payload.iat).toBe(Math.floor(t.clock.now() / 1000));
    // The session id is not a UUID and has at least 128 random bits.
    const sid = String(payload.sid);
    expect(sid).not.toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-/i);
    expect(Buffer.from(sid, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(token).not.toContain(TEST_SECRET);
  });

  it('control: a token forged with the right key, alg, typ and claims is accepted (so the refusals below are meaningful)', async () => {
    const res = await meWith(t, await forged());
    expect(res.statusCode).toBe(200);
    expect(res.json<{ user: { id: string } }>().user.id).toBe(facts.userId);
  });

  it('refuses alg none', async () => {
    const token = unsecured({ typ: SESSION_TYP }, sessionClaims(t, facts.userId, facts.sessionId, randomValue()));
    const res = await meWith(t, token);
    expectError(res, 401, 'unauthenticated');
    expectCookiesCleared(res);
  });

  it('refuses HS512 even with the right key', async () => {
    expectError(await meWith(t, await forged({ alg: 'HS512' })), 401, 'unauthenticated');
  });

  it('refuses a token signed with a foreign key', async () => {
    expectError(await meWith(t, await forged({ key: contractKey('some-other-secret-0123456789-abcdefghijkl', 'gatehouse-session') })), 401, 'unauthenticated');
    // The raw secret (no HKDF) is a foreign key too.
    expectError(await meWith(t, await forged({ key: Buffer.from(TEST_SECRET, 'utf8') })), 401, 'unauthenticated');
  });

  it('refuses a tampered payload', async () => {
    const real = victim.agent.sessionCookie ?? '';
    const other = await newUser(t);
    const [h, p, s] = real.split('.');
    const claims = payloadOf(real);
    const tampered = Buffer.from(JSON.stringify({ ...claims, sub: other.id })).toString('base64url');
    expectError(await meWith(t, `${String(h)}.${tampered}.${String(s)}`), 401, 'unauthenticated');
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 86_400 })).toString('base64url');
    expectError(await meWith(t, `${String(h)}.${longer}.${String(s)}`), 401, 'unauthenticated');
    // Signature bytes flipped.
    expectError(await meWith(t, `${String(h)}.${String(p)}.${String(s).slice(0, -2)}AA`), 401, 'unauthenticated');
    // The real one still works.
    expect((await meWith(t, real)).statusCode).toBe(200);
  });

  it('refuses an expired token (beyond the 5 s leeway) even for a live session row', async () => {
    const now = Math.floor(t.clock.now() / 1000);
    expectError(await meWith(t, await forged({ claims: { iat: now - 3600, exp: now - 6 } })), 401, 'unauthenticated');
    expectError(await meWith(t, await forged({ claims: { iat: now - 7200, exp: now - 3600 } })), 401, 'unauthenticated');
  });

  it('refuses a token without exp', async () => {
    const token = await forge({ key: sessionKey, header: { typ: SESSION_TYP }, claims: { aud: 'gatehouse-session', sub: facts.userId, sid: facts.sessionId, csrf: randomValue(), iat: Math.floor(t.clock.now() / 1000) } });
    expectError(await meWith(t, token), 401, 'unauthenticated');
  });

  it('refuses a token without a csrf claim (401), for reads and writes', async () => {
    const token = await forged({ claims: { csrf: undefined } });
    expect(payloadOf(token).csrf).toBeUndefined();
    expectError(await meWith(t, token), 401, 'unauthenticated');
    const write = await t.app.inject({ method: 'POST', url: '/api/sessions/revoke-others', cookies: { gh_session: token } });
    expect([401, 403]).toContain(write.statusCode);
  });

  it('refuses a wrong typ header and a missing typ', async () => {
    expectError(await meWith(t, await forged({ header: { typ: 'JWT' } })), 401, 'unauthenticated');
    expectError(await meWith(t, await forged({ header: { typ: EMAIL_TYP } })), 401, 'unauthenticated');
    const noTyp = await forge({ key: sessionKey, claims: sessionClaims(t, facts.userId, facts.sessionId, randomValue()) });
    expectError(await meWith(t, noTyp), 401, 'unauthenticated');
  });

  it('refuses a wrong or missing audience', async () => {
    expectError(await meWith(t, await forged({ claims: { aud: 'gatehouse-email' } })), 401, 'unauthenticated');
    expectError(await meWith(t, await forged({ claims: { aud: ['gatehouse-other'] } })), 401, 'unauthenticated');
    expectError(await meWith(t, await forged({ claims: { aud: undefined } })), 401, 'unauthenticated');
  });

  it('refuses a genuine-looking token whose sub is not the session owner', async () => {
    const other = await newUser(t);
    expectError(await meWith(t, await forged({ claims: { sub: other.id } })), 401, 'unauthenticated');
  });

  it('an email token is never a session cookie: a real verification token and a forged one with session claims', async () => {
    const { email, agent } = await newUser(t);
    const real = await tokenFromEmail(t, email, '/verify-email');
    expectError(await meWith(t, real), 401, 'unauthenticated');
    const { userId, sessionId } = await whoAmI(agent);
    // Everything a session token carries, signed with the email key under the email audience/typ.
    const csrf = randomValue();
    const asEmail = await forge({
      key: emailKey,
      header: { typ: EMAIL_TYP },
      claims: { ...sessionClaims(t, userId, sessionId, csrf), aud: 'gatehouse-email', purpose: 'verify_email' },
    });
    expectError(await meWith(t, asEmail), 401, 'unauthenticated');
    // Even with the session audience and typ: the email key cannot mint session tokens.
    const emailKeyed = await forge({ key: emailKey, header: { typ: SESSION_TYP }, claims: sessionClaims(t, userId, sessionId, csrf) });
    expectError(await meWith(t, emailKeyed), 401, 'unauthenticated');
  });

  it('a session token is never an email token (verify-email and reset-password refuse it, nothing changes)', async () => {
    const { email, agent, id } = await newUser(t);
    const realEmailToken = await tokenFromEmail(t, email, '/verify-email');
    const { jti, sub } = payloadOf(realEmailToken);
    const sessionCookie = agent.sessionCookie ?? '';
    const anon = new Agent(t);
    expectError(await anon.post('/api/auth/verify-email', { token: sessionCookie }), 400, 'invalid_token');
    expectError(await anon.post('/api/auth/reset-password', { token: sessionCookie, password: 'a brand new passphrase 42' }), 400, 'invalid_token');
    const now = Math.floor(t.clock.now() / 1000);
    const emailClaims = { aud: 'gatehouse-email', purpose: 'verify_email', jti, sub, iat: now, exp: now + 3600 };
    // Signed with the session key (everything else right): refused.
    const sessionKeyed = await forge({ key: sessionKey, header: { typ: EMAIL_TYP }, claims: emailClaims });
    expectError(await anon.post('/api/auth/verify-email', { token: sessionKeyed }), 400, 'invalid_token');
    // Email key but session audience/typ: refused.
    const wrongAud = await forge({ key: emailKey, header: { typ: SESSION_TYP }, claims: { ...emailClaims, aud: 'gatehouse-session' } });
    expectError(await anon.post('/api/auth/verify-email', { token: wrongAud }), 400, 'invalid_token');
    // Right purpose on the wrong endpoint: refused.
    const rightKey = await forge({ key: emailKey, header: { typ: EMAIL_TYP }, claims: emailClaims });
    expectError(await anon.post('/api/auth/reset-password', { token: rightKey, password: 'a brand new passphrase 42' }), 400, 'invalid_token');
    const row = await t.db.kysely.selectFrom('users').select('email_verified').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.email_verified).toBe(0);
    // Control: the correctly forged email token is accepted, so the refusals above were about key/audience.
    expect((await anon.post('/api/auth/verify-email', { token: rightKey })).statusCode).toBe(200);
  });

  it('refuses oversized and garbage cookies without leaking anything', async () => {
    for (const junk of ['x', 'a.b.c', '....', 'eyJhbGciOiJIUzI1NiJ9', `${'a'.repeat(5000)}.b.c`]) {
      const res = await meWith(t, junk);
      expectError(res, 401, 'unauthenticated');
      expect(res.body).not.toContain(junk.slice(0, 30));
    }
  });

  it('accepts the token only from the cookie, never from a header or query', async () => {
    const token = victim.agent.sessionCookie ?? '';
    const viaHeader = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${token}` } });
    expectError(viaHeader, 401, 'unauthenticated');
    const viaQuery = await t.app.inject({ method: 'GET', url: `/api/auth/me?token=${token}&gh_session=${token}` });
    expectError(viaQuery, 401, 'unauthenticated');
  });
});

describe('SESSION_SECRET_PREVIOUS (key rotation)', () => {
  const OLD = 'old-rotation-secret-0123456789-abcdefghijklmnop';
  const NEW = 'new-rotation-secret-9876543210-zyxwvutsrqponmlk';

  async function oldTokenFor(t: TestApp, facts: SessionFacts, csrf: string): Promise<string> {
    return forge({ key: contractKey(OLD, 'gatehouse-session'), header: { typ: SESSION_TYP }, claims: sessionClaims(t, facts.userId, facts.sessionId, csrf) });
  }

  it('a token signed under the old secret verifies with new + previous = old, and new tokens use the new key', async () => {
    const t = await buildTestApp({ env: { SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: OLD } });
    try {
      const { agent } = await newUser(t);
      const facts = await whoAmI(agent);
      const csrf = randomValue();
      const old = await oldTokenFor(t, facts, csrf);
      expect((await meWith(t, old)).statusCode).toBe(200);
      // Writes with the old token work too (CSRF still bound to the old token's claim).
      const write = await t.app.inject({ method: 'POST', url: '/api/sessions/revoke-others', cookies: { gh_session: old, gh_csrf: csrf }, headers: { 'x-csrf-token': csrf } });
      expect(write.statusCode).toBe(204);
      // The app signs with the new secret only.
      const issued = agent.sessionCookie ?? '';
      await expect(jwtVerify(issued, contractKey(NEW, 'gatehouse-session'), { currentDate: new Date(t.clock.now()) })).resolves.toBeDefined();
      await expect(jwtVerify(issued, contractKey(OLD, 'gatehouse-session'), { currentDate: new Date(t.clock.now()) })).rejects.toThrow();
      // The previous secret's email key cannot mint session tokens either.
      const crossed = await forge({ key: contractKey(OLD, 'gatehouse-email'), header: { typ: SESSION_TYP }, claims: sessionClaims(t, facts.userId, facts.sessionId, csrf) });
      expectError(await meWith(t, crossed), 401, 'unauthenticated');
    } finally {
      await t.close();
    }
  });

  it('the same old token is refused when the app runs without previous', async () => {
    const t = await buildTestApp({ env: { SESSION_SECRET: NEW } });
    try {
      const { agent } = await newUser(t);
      const facts = await whoAmI(agent);
      const old = await oldTokenFor(t, facts, randomValue());
      expectError(await meWith(t, old), 401, 'unauthenticated');
      // Control: the same claims under the new secret pass.
      const fresh = await forge({ key: contractKey(NEW, 'gatehouse-session'), header: { typ: SESSION_TYP }, claims: payloadOf(old) });
      expect((await meWith(t, fresh)).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('email tokens under the old secret keep working during the rotation', async () => {
    const t = await buildTestApp({ env: { SESSION_SECRET: NEW, SESSION_SECRET_PREVIOUS: OLD } });
    try {
      const { email, id } = await newUser(t);
      const real = payloadOf(await tokenFromEmail(t, email, '/verify-email'));
      const old = await forge({ key: contractKey(OLD, 'gatehouse-email'), header: { typ: EMAIL_TYP }, claims: real });
      expect((await new Agent(t).post('/api/auth/verify-email', { token: old })).statusCode).toBe(200);
      const row = await t.db.kysely.selectFrom('users').select('email_verified').where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.email_verified).toBe(1);
    } finally {
      await t.close();
    }
  });
});

describe('time zone independence', () => {
  // Node re-reads TZ when process.env.TZ changes, so each zone here is really in effect.
  for (const zone of ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Asia/Kolkata']) {
    it(`token times, API times and expiry are identical under TZ=${zone}`, async () => {
      const saved = process.env.TZ;
      process.env.TZ = zone;
      const t = await buildTestApp();
      try {
        const { agent } = await newUser(t);
        const claims = payloadOf(agent.sessionCookie ?? '');
        const nowSec = Math.floor(t.clock.now() / 1000);
        expect(claims.iat).toBe(nowSec);
        expect(claims.exp).toBe(nowSec + t.config.sessionTtlMs / 1000);
        const me = (await agent.get('/api/auth/me')).json<{ session: { createdAt: string; expiresAt: string } }>();
        expect(me.session.createdAt).toBe('2026-01-15T12:00:00.000Z');
        expect(Date.parse(me.session.expiresAt)).toBe(t.clock.now() + t.config.sessionTtlMs);
        t.clock.advance(t.config.sessionIdleTtlMs + 120_000);
        expectError(await agent.get('/api/auth/me'), 401, 'unauthenticated');
      } finally {
        await t.close();
        if (saved === undefined) delete process.env.TZ;
        else process.env.TZ = saved;
      }
    });
  }
});
