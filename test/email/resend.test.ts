import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, TEST_SECRET, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { emailVerifiedOf, expectError, expectNowhere, startRecordingServer, tokenFromText, transportFromEnv, type RecordingServer } from '../helpers/mail.js';

const API_KEY = 're_test_Sup3rSecretResendKey_0123456789';

interface ResendBody {
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
}

describe('Resend transport against a local recording server', () => {
  let server: RecordingServer;
  let t: TestApp;
  beforeAll(async () => {
    server = await startRecordingServer();
    const env = { MAIL_TRANSPORT: 'resend', RESEND_API_KEY: API_KEY, RESEND_BASE_URL: server.url, MAIL_FROM: 'Acme Auth <auth@acme.test>' };
    t = await buildTestApp({ env, transport: transportFromEnv(env) });
  });
  afterEach(() => {
    server.status = 200;
  });
  afterAll(async () => {
    await t.close();
    await server.close();
  });

  it('posts the message to /emails with the key as a bearer header, and the link works', async () => {
    const before = server.requests.length;
    const agent = new Agent(t);
    const email = uniqueEmail('resend');
    const reg = await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Rhea Resend' });
    expect(reg.statusCode).toBe(201);
    await t.mailer.flush();
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    const req = sent[0];
    if (req === undefined) return;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/emails');
    expect(req.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toMatch(/^[A-Za-z0-9_-]{8,}$/);
    const body = JSON.parse(req.body) as ResendBody;
    expect(body.from).toBe('Acme Auth <auth@acme.test>');
    expect(body.to).toEqual([email]);
    expect(body.subject).toBe('Confirm your email address for Gatehouse');
    expect(body.text).toContain('/verify-email?token=');
    expect(body.html).toContain('/verify-email?token=');
    // The key is a header only: never in the body.
    expect(req.body).not.toContain(API_KEY);

    const verify = await new Agent(t).post('/api/auth/verify-email', { token: tokenFromText(body.text, '/verify-email') });
    expect(verify.statusCode).toBe(200);
    const me = await agent.get('/api/auth/me');
    expect(emailVerifiedOf(me)).toBe(true);
    expectNowhere(t, API_KEY, [reg, verify, me]);
  });

  it('retries a failing endpoint, records the failure, and neither fails the request nor loses the change', async () => {
    server.status = 500;
    const before = server.requests.length;
    const agent = new Agent(t);
    const email = uniqueEmail('resend-down');
    const reg = await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Down Time' });
    expect(reg.statusCode).toBe(201);
    const forgot = await new Agent(t).post('/api/auth/forgot-password', { email });
    expect(forgot.statusCode).toBe(202);
    await t.mailer.flush();

    // The test mailer makes 2 attempts per message: both emails were tried twice, with one key each.
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(4);
    const keys = sent.map((r) => r.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(2);
    const failures = await t.db.kysely.selectFrom('mail_failures').selectAll().where('to_address', '=', email).orderBy('failed_at').execute();
    expect(failures.map((f) => ({ subject: f.subject, attempts: f.attempts, error: f.last_error }))).toEqual(
      expect.arrayContaining([
        { subject: 'Confirm your email address for Gatehouse', attempts: 2, error: 'resend HTTP 500' },
        { subject: 'Reset your Gatehouse password', attempts: 2, error: 'resend HTTP 500' },
      ]),
    );
    expect(failures).toHaveLength(2);
    // The account change stands: the user exists and is signed in; the reset token row exists.
    expect((await agent.get('/api/auth/me')).statusCode).toBe(200);
    const resets = await t.db.kysely.selectFrom('email_tokens').select('id').where('email', '=', email).where('purpose', '=', 'reset_password').execute();
    expect(resets).toHaveLength(1);
    // The failing upstream echoed the Authorization header in its body: it reached nothing.
    expect(JSON.stringify(failures)).not.toContain(API_KEY);
    expectNowhere(t, API_KEY, [reg, forgot]);
    expect(t.logs.join('\n')).toContain('email delivery failed');
  });

  it('does not retry a request Resend refuses for good (422)', async () => {
    server.status = 422;
    const before = server.requests.length;
    const email = uniqueEmail('resend-422');
    expect((await new Agent(t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Bad Request' })).statusCode).toBe(201);
    await t.mailer.flush();
    expect(server.requests.length - before).toBe(1);
    const failures = await t.db.kysely.selectFrom('mail_failures').selectAll().where('to_address', '=', email).execute();
    expect(failures.map((f) => [f.attempts, f.last_error])).toEqual([[1, 'resend HTTP 422']]);
  });

  it('records an unreachable endpoint as a network failure, without the key', async () => {
    const env = { MAIL_TRANSPORT: 'resend', RESEND_API_KEY: API_KEY, RESEND_BASE_URL: 'http://127.0.0.1:9' };
    const down = await buildTestApp({ env, transport: transportFromEnv(env) });
    try {
      const email = uniqueEmail('resend-unreachable');
      const reg = await new Agent(down).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'No Route' });
      expect(reg.statusCode).toBe(201);
      await down.mailer.flush();
      const failures = await down.db.kysely.selectFrom('mail_failures').selectAll().execute();
      expect(failures).toHaveLength(1);
      expect(failures[0]?.last_error).toMatch(/^resend TypeError( ECONNREFUSED)?$/);
      expectNowhere(down, API_KEY, [reg]);
    } finally {
      await down.close();
    }
  });
});

describe('the dev outbox route', () => {
  let server: RecordingServer;
  beforeAll(async () => {
    server = await startRecordingServer();
  });
  afterAll(async () => {
    await server.close();
  });

  it('answers 404 in production, exactly like an unknown route, while mail still goes out', async () => {
    const env = { NODE_ENV: 'production', SESSION_SECRET: TEST_SECRET, MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 'fake', RESEND_BASE_URL: server.url };
    const t = await buildTestApp({ env, transport: transportFromEnv(env) });
    try {
      const email = uniqueEmail('prod');
      expect((await new Agent(t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Prod User' })).statusCode).toBe(201);
      await t.mailer.flush();
      const res = await new Agent(t).get('/api/dev/outbox');
      expectError(res, 404, 'not_found');
      expect(res.body).toBe((await new Agent(t).get('/api/no-such-route')).body);
      expect(res.body).not.toContain(email);
      expect(server.requests.some((r) => (JSON.parse(r.body) as ResendBody).to.includes(email))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('answers 404 in development when another transport is configured', async () => {
    const env = { MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 'fake', RESEND_BASE_URL: server.url };
    const t = await buildTestApp({ env, transport: transportFromEnv(env) });
    try {
      expectError(await new Agent(t).get('/api/dev/outbox'), 404, 'not_found');
    } finally {
      await t.close();
    }
  });

  it('lists sent emails, newest first, in development with the outbox', async () => {
    const t = await buildTestApp();
    try {
      const email = uniqueEmail('outbox');
      expect((await new Agent(t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Out Box' })).statusCode).toBe(201);
      expect((await new Agent(t).post('/api/auth/forgot-password', { email })).statusCode).toBe(202);
      await t.mailer.flush();
      const res = await new Agent(t).get('/api/dev/outbox');
      expect(res.statusCode).toBe(200);
      const emails = res.json<{ emails: { to: string; subject: string; text: string; html: string; createdAt: string }[] }>().emails;
      expect(emails.map((e) => [e.to, e.subject])).toEqual([
        [email, 'Reset your Gatehouse password'],
        [email, 'Confirm your email address for Gatehouse'],
      ]);
      expect(emails[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    } finally {
      await t.close();
    }
  });
});
