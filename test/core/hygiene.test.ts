import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { Agent, STRONG_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { activeSessionCount, expectError, newUser, nextIp, whoAmI, withUserApp, type NewUser } from './support.js';

/** No stack trace, SQL, library message, file path or internal id in an error body. */
function expectCleanError(res: LightMyRequestResponse): void {
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  const body = res.json<{ error: { code: string; message: string; fields?: Record<string, string> } }>();
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error).filter((k) => k !== 'fields').sort()).toEqual(['code', 'message']);
  expect(body.error.code).toMatch(/^[a-z_]+$/);
  for (const leak of [/\bat .+:\d+:\d+/, /node_modules/, /\/work\//, /\bselect\b.*\bfrom\b/i, /\binsert into\b/i, /sqlite/i, /SQLITE_/, /FST_/, /ajv/i, /stack/i, /Error:/, /must NOT have/i, /\bundefined\b/]) {
    expect(res.body, `error body leaks ${String(leak)}`).not.toMatch(leak);
  }
}

describe('request bodies', () => {
  let t: TestApp;
  let user: NewUser;
  withUserApp((app, u) => {
    t = app;
    user = u;
  });

  async function userCount(): Promise<number> {
    const r = await t.db.kysely.selectFrom('users').select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  const badRegisterBodies: [string, unknown][] = [
    ['unknown field', { email: 'x1@example.test', password: STRONG_PASSWORD, name: 'X', role: 'admin' }],
    ['unknown field emailVerified', { email: 'x2@example.test', password: STRONG_PASSWORD, name: 'X', emailVerified: true }],
    ['null email', { email: null, password: STRONG_PASSWORD, name: 'X' }],
    ['null organizationName', { email: 'x3@example.test', password: STRONG_PASSWORD, name: 'X', organizationName: null }],
    ['number email', { email: 42, password: STRONG_PASSWORD, name: 'X' }],
    ['array password', { email: 'x4@example.test', password: [STRONG_PASSWORD], name: 'X' }],
    ['object name', { email: 'x5@example.test', password: STRONG_PASSWORD, name: { first: 'X' } }],
    ['boolean name', { email: 'x6@example.test', password: STRONG_PASSWORD, name: true }],
    ['missing name', { email: 'x7@example.test', password: STRONG_PASSWORD }],
    ['empty object', {}],
    ['array body', [{ email: 'x8@example.test', password: STRONG_PASSWORD, name: 'X' }]],
    ['bad email format', { email: 'not-an-email', password: STRONG_PASSWORD, name: 'X' }],
    ['email with spaces inside', { email: 'a b@example.test', password: STRONG_PASSWORD, name: 'X' }],
    ['blank name', { email: 'x9@example.test', password: STRONG_PASSWORD, name: '   ' }],
  ];
  for (const [label, body] of badRegisterBodies) {
    it(`register with ${label} → 400 invalid_request, no user created`, async () => {
      const before = await userCount();
      const res = await new Agent(t, nextIp()).post('/api/auth/register', body);
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
      expect(res.cookies).toHaveLength(0);
      expect(await userCount()).toBe(before);
    });
  }

  it('login refuses unknown fields, null and wrong types (400) and no session is created', async () => {
    const before = await activeSessionCount(t, user.id);
    for (const body of [
      { email: user.email, password: user.password, remember: true },
      { email: user.email, password: null },
      { email: [user.email], password: user.password },
      { email: user.email, password: 12345678 },
      { email: user.email },
    ]) {
      const res = await new Agent(t).post('/api/auth/login', body);
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
    }
    expect(await activeSessionCount(t, user.id)).toBe(before);
  });

  it('change-password refuses unknown fields and wrong types, password unchanged', async () => {
    for (const body of [
      { currentPassword: user.password, newPassword: 'another good passphrase', userId: 'x' },
      { currentPassword: user.password, newPassword: null },
      { currentPassword: user.password },
    ]) {
      const res = await user.agent.post('/api/auth/change-password', body);
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
    }
    expect((await user.agent.get('/api/auth/me')).statusCode).toBe(200);
    expect((await new Agent(t).post('/api/auth/login', { email: user.email, password: user.password })).statusCode).toBe(200);
  });

  it('PATCH-style partial input: null, wrong types and unknown fields → 400 and nothing changed; {} changes nothing', async () => {
    const before = (await user.agent.get('/api/auth/me')).json<{ user: Record<string, unknown> }>().user;
    for (const body of [{ name: null }, { name: 42 }, { name: 'Ok', role: 'admin' }, { email: ['x@example.test'] }, { disabled: false }, { name: 'Ok', emailVerified: true }]) {
      const res = await user.agent.patch('/api/profile', body);
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
    }
    expect((await user.agent.patch('/api/profile', {})).statusCode).toBe(200);
    const after = (await user.agent.get('/api/auth/me')).json<{ user: Record<string, unknown> }>().user;
    expect(after).toEqual(before);
  });

  it('malformed JSON → 400 invalid_request without echoing the parser', async () => {
    for (const payload of ['{"email": ', '{email: "a"}', "{'a':1}", '{"a":1}}', '\u0000', '"hello"', 'null', '42', '[]', 'true']) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload });
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
    }
  });

  it('bodies over 16 KiB → 413 payload_too_large, nothing created', async () => {
    const before = await userCount();
    const big = { email: 'big@example.test', password: STRONG_PASSWORD, name: 'X'.repeat(17 * 1024) };
    const res = await new Agent(t, nextIp()).post('/api/auth/register', big);
    expectError(res, 413, 'payload_too_large');
    expectCleanError(res);
    expect(await userCount()).toBe(before);
    const padded = `{"email":"a@example.test","password":"${'p'.repeat(16 * 1024)}"}`;
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: padded });
    expectError(login, 413, 'payload_too_large');
    // Authenticated route too, and the session is untouched.
    const cp = await user.agent.post('/api/auth/change-password', { currentPassword: user.password, newPassword: 'n'.repeat(20 * 1024) });
    expectError(cp, 413, 'payload_too_large');
    expect((await user.agent.get('/api/auth/me')).statusCode).toBe(200);
  });

  it('a body just under 16 KiB is parsed (the limit is not lower than the contract)', async () => {
    const body = JSON.stringify({ email: 'under@example.test', password: 'x'.repeat(15 * 1024) });
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: body });
    expect(res.statusCode).not.toBe(413);
    expect(res.statusCode).not.toBe(415);
  });

  it('non-JSON bodies → 415 unsupported_media_type, nothing created', async () => {
    const before = await userCount();
    const cases: [string, string][] = [
      ['text/plain', JSON.stringify({ email: 'p@example.test', password: STRONG_PASSWORD, name: 'X' })],
      ['application/x-www-form-urlencoded', 'email=p%40example.test&password=correct+horse+battery+staple&name=X'],
      ['multipart/form-data; boundary=abc', '--abc\r\nContent-Disposition: form-data; name="email"\r\n\r\np@example.test\r\n--abc--'],
      ['application/xml', '<a/>'],
      ['text/json', '{}'],
    ];
    for (const [type, payload] of cases) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', headers: { 'content-type': type }, payload, remoteAddress: nextIp() });
      expectError(res, 415, 'unsupported_media_type');
      expectCleanError(res);
    }
    const noType = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: Buffer.from('{"email":"a@example.test","password":"x"}') });
    expect([400, 415]).toContain(noType.statusCode);
    expect(await userCount()).toBe(before);
    // An authenticated write with a form body: refused before anything happens.
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/sessions/revoke-others',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-csrf-token': user.agent.csrfCookie ?? '' },
      cookies: Object.fromEntries(user.agent.jar),
      payload: 'a=1',
    });
    expectError(form, 415, 'unsupported_media_type');
  });

  it('application/json with a charset parameter is accepted', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(res.statusCode).toBe(200);
  });

  it('prototype-pollution keys → 400, and Object.prototype stays clean', async () => {
    const payloads = [
      '{"email":"pp@example.test","password":"correct horse battery staple","name":"X","__proto__":{"polluted":"yes"}}',
      '{"email":"pp@example.test","password":"correct horse battery staple","name":"X","constructor":{"prototype":{"polluted":"yes"}}}',
      '{"email":"pp@example.test","password":"correct horse battery staple","name":{"__proto__":{"polluted":"yes"}}}',
    ];
    for (const payload of payloads) {
      const res = await t.app.inject({ method: 'POST', url: '/api/auth/register', headers: { 'content-type': 'application/json' }, payload, remoteAddress: nextIp() });
      expectError(res, 400, 'invalid_request');
      expectCleanError(res);
    }
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: `{"email":"${user.email}","password":"${user.password}","__proto__":{"isAdmin":true}}`,
    });
    expectError(login, 400, 'invalid_request');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
    expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', 'pp@example.test').executeTakeFirst()).toBeUndefined();
  });

  it('unknown routes → 404 not_found JSON; wrong methods never change state', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    expectError(res, 404, 'not_found');
    expectCleanError(res);
    const before = (await whoAmI(user.agent)).sessionId;
    for (const method of ['GET', 'HEAD', 'OPTIONS'] as const) {
      await user.agent.request(method, '/api/auth/logout');
      await user.agent.request(method, '/api/sessions/revoke-others');
    }
    expect((await whoAmI(user.agent)).sessionId).toBe(before);
  });

  it('error bodies for odd input never contain stacks, SQL or library text', async () => {
    const weird = [
      { email: `${'a'.repeat(400)}@example.test`, password: STRONG_PASSWORD },
      { email: "' OR 1=1 --@example.test", password: STRONG_PASSWORD },
      { email: 'a@example.test', password: '' },
      { email: '\u0000@example.test', password: STRONG_PASSWORD },
      { email: 'a@example.test', password: 'x'.repeat(2000) },
    ];
    for (const body of weird) {
      const res = await new Agent(t).post('/api/auth/login', body);
      expectCleanError(res);
      expect([400, 401]).toContain(res.statusCode);
    }
    const ids = ["'; DROP TABLE sessions; --", '../../etc/passwd', 'x'.repeat(64), '%00'];
    for (const id of ids) {
      const res = await user.agent.delete(`/api/sessions/${encodeURIComponent(id)}`);
      expectCleanError(res);
      expect([400, 404]).toContain(res.statusCode);
    }
    expect((await user.agent.get('/api/auth/me')).statusCode).toBe(200);
  });
});

describe('internal errors', () => {
  it('a database failure → 500 internal_error with a clean body, and the cookie never reaches the log', async () => {
    const t = await buildTestApp();
    try {
      const { agent } = await newUser(t);
      await sql`drop table security_events`.execute(t.db.kysely);
      const res = await agent.post('/api/auth/logout');
      expectError(res, 500, 'internal_error');
      expectCleanError(res);
      expect(res.body).not.toMatch(/security_events|no such table|does not exist/i);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const logs = t.logs.join('\n');
      expect(logs).toMatch(/internal|unhandled|error/i);
      expect(logs).not.toContain(agent.sessionCookie ?? '-');
      expect(logs).not.toContain(agent.csrfCookie ?? '-');
    } finally {
      await t.close();
    }
  });
});

describe('router-level errors (over-long path parameter, bad URL encoding)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  // Fastify answers these from its router, before any hook: app.ts installs frameworkErrorHandler.
  it('are answered from the error catalog with the contract headers', async () => {
    for (const url of [`/api/sessions/${'x'.repeat(300)}`, '/api/sessions/%E0%A4%A']) {
      const res = await t.app.inject({ method: 'GET', url });
      expectCleanError(res);
      expect(res.body).not.toContain('xxxxxxxx');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  it('frameworkErrorHandler (what app.ts should install) answers cleanly with the headers', async () => {
    const { default: Fastify } = await import('fastify');
    const { frameworkErrorHandler } = await import('../../src/http/hygiene.js');
    const app = Fastify({ frameworkErrors: frameworkErrorHandler(true), routerOptions: { maxParamLength: 100 } });
    app.get('/api/sessions/:id', () => ({}));
    await app.ready();
    try {
      for (const url of [`/api/sessions/${'x'.repeat(300)}`, '/api/sessions/%E0%A4%A']) {
        const res = await app.inject({ method: 'GET', url });
        expectCleanError(res);
        expect(res.body).not.toContain('xxxxxxxx');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['cache-control']).toBe('no-store');
        expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      }
    } finally {
      await app.close();
    }
  });
});

describe('login does not reveal accounts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('unknown email and wrong password get the same status, body and headers', async () => {
    const { email } = await newUser(t);
    const known = await new Agent(t, nextIp()).post('/api/auth/login', { email, password: 'definitely wrong password' });
    const unknown = await new Agent(t, nextIp()).post('/api/auth/login', { email: 'nobody-here@example.test', password: 'definitely wrong password' });
    const malformed = await new Agent(t, nextIp()).post('/api/auth/login', { email: 'not-an-email', password: 'definitely wrong password' });
    expectError(known, 401, 'invalid_credentials');
    for (const other of [unknown, malformed]) {
      expect(other.statusCode).toBe(known.statusCode);
      expect(other.body).toBe(known.body);
      expect(Object.keys(other.headers).sort()).toEqual(Object.keys(known.headers).sort());
      expect(other.cookies).toHaveLength(0);
    }
  });

  it('unknown emails spend a real password verification (the dummy hash runs)', async () => {
    let verifies = 0;
    const original = t.services.hasher.verifyDummy.bind(t.services.hasher);
    const spy = async (password: string): Promise<void> => {
      verifies += 1;
      await original(password);
    };
    (t.services.hasher as { verifyDummy: typeof spy }).verifyDummy = spy;
    try {
      await new Agent(t, nextIp()).post('/api/auth/login', { email: 'ghost@example.test', password: 'whatever password' });
      expect(verifies).toBe(1);
    } finally {
      (t.services.hasher as { verifyDummy: typeof spy }).verifyDummy = original;
    }
  });
});

describe('email normalization', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('"  Alice@Example.COM " is stored as alice@example.com, signs in in any case, and cannot register twice', async () => {
    const { email, id } = await newUser(t, { email: '  Alice@Example.COM ' });
    expect(email).toBe('alice@example.com');
    for (const variant of ['alice@example.com', 'ALICE@EXAMPLE.COM', '  Alice@Example.COM ', '\talice@example.com\n']) {
      const res = await new Agent(t).post('/api/auth/login', { email: variant, password: STRONG_PASSWORD });
      expect(res.statusCode).toBe(200);
      expect(res.json<{ user: { id: string; email: string } }>().user).toMatchObject({ id, email: 'alice@example.com' });
    }
    for (const variant of ['alice@example.com', 'ALICE@example.COM', ' alice@EXAMPLE.com']) {
      const res = await new Agent(t, nextIp()).post('/api/auth/register', { email: variant, password: STRONG_PASSWORD, name: 'Dup' });
      expectError(res, 409, 'email_taken');
      expect(res.cookies).toHaveLength(0);
    }
    const rows = await t.db.kysely.selectFrom('users').select('id').where('email', 'like', '%alice@example.com%').execute();
    expect(rows).toHaveLength(1);
  });

  it("a deleted user's address can register again (in any case)", async () => {
    const { agent, email, password } = await newUser(t, { email: 'phoenix@example.test' });
    expect((await agent.delete('/api/profile', { password })).statusCode).toBe(204);
    const res = await new Agent(t, nextIp()).post('/api/auth/register', { email: ' PHOENIX@example.test', password: STRONG_PASSWORD, name: 'Again' });
    expect(res.statusCode).toBe(201);
    expect(res.json<{ user: { email: string } }>().user.email).toBe(email);
  });

  it('NFC: composed and decomposed forms are the same account', async () => {
    const composed = 'zo\u00eb@example.test';
    const decomposed = 'zoe\u0308@example.test';
    const { email } = await newUser(t, { email: decomposed });
    expect(email).toBe(composed);
    expect((await new Agent(t).post('/api/auth/login', { email: composed, password: STRONG_PASSWORD })).statusCode).toBe(200);
    expectError(await new Agent(t, nextIp()).post('/api/auth/register', { email: composed, password: STRONG_PASSWORD, name: 'Z' }), 409, 'email_taken');
  });

  it('concurrent registrations of one address create one user', async () => {
    const results = await Promise.all(
      ['race@example.test', 'RACE@example.test', ' Race@Example.Test '].map((e) => new Agent(t, nextIp()).post('/api/auth/register', { email: e, password: STRONG_PASSWORD, name: 'R' })),
    );
    expect(results.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.statusCode !== 201)) expectError(r, 409, 'email_taken');
  });
});

describe('password policy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  async function register(password: string, email = `pw${String(Math.random()).slice(2, 10)}@example.test`): Promise<LightMyRequestResponse> {
    return new Agent(t, nextIp()).post('/api/auth/register', { email, password, name: 'P' });
  }

  it('7 characters are refused, 8 accepted', async () => {
    expectError(await register('abcdefg'), 400, 'invalid_request');
    expect((await register('kq8#zv!m')).statusCode).toBe(201);
  });

  it('counts Unicode code points: 256 accepted (emoji included), 257 refused', async () => {
    const emoji256 = '🔐'.repeat(128) + 'x'.repeat(128);
    expect(Array.from(emoji256)).toHaveLength(256);
    expect(emoji256.length).toBeGreaterThan(256);
    const email = 'emoji@example.test';
    expect((await register(emoji256, email)).statusCode).toBe(201);
    expect((await new Agent(t).post('/api/auth/login', { email, password: emoji256 })).statusCode).toBe(200);
    expectError(await register(`${emoji256}y`), 400, 'invalid_request');
    // 8 emoji are 8 code points (16 UTF-16 units): enough.
    expect((await register('🐙🦀🦊🐢🦉🐝🦋🐬')).statusCode).toBe(201);
    // 4 emoji are 8 UTF-16 units but only 4 code points: too short.
    expectError(await register('🐙🦀🦊🐢'), 400, 'invalid_request');
  });

  it('common passwords are refused, whatever their case', async () => {
    for (const p of ['password123', 'Password123', '12345678', 'qwertyuiop', 'iloveyou']) {
      expectError(await register(p), 400, 'invalid_request');
    }
  });

  it("a password containing the email's local part is refused", async () => {
    const refused = await register('my-jonathan-secret', 'jonathan@example.test');
    expectError(refused, 400, 'invalid_request');
    // The message names the part it is about: "your email address" alone was misread as the whole address.
    expect(refused.json<{ error: { fields?: Record<string, string> } }>().error.fields?.password).toBe('The password must not contain the part of your email address before the @.');
    expectError(await register('xxJONATHANxx!', 'Jonathan@example.test'), 400, 'invalid_request');
    expect(await t.db.kysely.selectFrom('users').select('id').where('email', '=', 'jonathan@example.test').executeTakeFirst()).toBeUndefined();
  });

  it('never truncated: a 200-char password differing only in the last char does not log in', async () => {
    const base = 'L'.repeat(100) + 'q'.repeat(99);
    const email = 'long@example.test';
    expect((await register(`${base}A`, email)).statusCode).toBe(201);
    expectError(await new Agent(t).post('/api/auth/login', { email, password: `${base}B` }), 401, 'invalid_credentials');
    expectError(await new Agent(t).post('/api/auth/login', { email, password: base }), 401, 'invalid_credentials');
    expect((await new Agent(t).post('/api/auth/login', { email, password: `${base}A` })).statusCode).toBe(200);
  });

  it('never case-folded or trimmed', async () => {
    const email = 'casey@example.test';
    expect((await register('Tr0ub4dor&3 Horse', email)).statusCode).toBe(201);
    for (const p of ['tr0ub4dor&3 horse', 'TR0UB4DOR&3 HORSE', ' Tr0ub4dor&3 Horse', 'Tr0ub4dor&3 Horse ']) {
      expectError(await new Agent(t, nextIp()).post('/api/auth/login', { email, password: p }), 401, 'invalid_credentials');
    }
  });

  it('the policy error says what is wrong without echoing the password', async () => {
    const res = await register('password123');
    expect(res.body).not.toContain('password123');
    expect(res.json<{ error: { fields?: Record<string, string> } }>().error.fields?.password).toBeTypeOf('string');
  });
});
