import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, STRONG_PASSWORD, buildTestApp, uniqueEmail, type TestApp } from '../helpers/app.js';
import { parseMail, decodeHeader, emailVerifiedOf, expectError, expectNowhere, startSmtpServer, tokenFromText, transportFromEnv, type TestSmtpServer } from '../helpers/mail.js';
import { smtpOptions } from '../../src/email/transports.js';

const SMTP_USER = 'mailer@example.test';
// Characters that need percent-encoding in the URL: the transport must decode them, not send them raw.
const SMTP_PASS = 'smtp-S3cret/pa:ss@word';

describe('SMTP transport: a real round trip through an in-process SMTP server', () => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  beforeAll(async () => {
    smtp = await startSmtpServer({ user: SMTP_USER, pass: SMTP_PASS });
    const env = {
      MAIL_TRANSPORT: `smtp://${encodeURIComponent(SMTP_USER)}:${encodeURIComponent(SMTP_PASS)}@127.0.0.1:${String(smtp.port)}`,
      MAIL_FROM: 'Gatehouse <no-reply@gatehouse.test>',
      PUBLIC_URL: 'https://auth.example.test',
    };
    t = await buildTestApp({ env, transport: transportFromEnv(env) });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('delivers the verification email over SMTP, and its link verifies the address', async () => {
    const agent = new Agent(t);
    const email = uniqueEmail('smtp');
    const reg = await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Sam Smtp' });
    expect(reg.statusCode).toBe(201);
    expect(reg.json<{ user: { emailVerified: boolean } }>().user.emailVerified).toBe(false);
    await t.mailer.flush();

    // Authenticated with the decoded credentials, envelope from MAIL_FROM to the new user.
    expect(smtp.logins).toContainEqual({ user: SMTP_USER, pass: SMTP_PASS });
    const mail = smtp.received.find((m) => m.to.includes(email));
    expect(mail).toBeDefined();
    if (mail === undefined) return;
    expect(mail.from).toBe('no-reply@gatehouse.test');
    const parsed = parseMail(mail.raw);
    expect(decodeHeader(parsed.headers.get('subject') ?? '')).toBe('Confirm your email address for Gatehouse');
    expect(parsed.headers.get('from')).toContain('no-reply@gatehouse.test');
    expect(parsed.headers.get('to')).toContain(email);
    expect(parsed.headers.get('content-type')).toMatch(/^multipart\/alternative/);

    // Both parts carry the product, what happened, the link (from PUBLIC_URL), the expiry and "not you?".
    for (const body of [parsed.text, parsed.html]) {
      expect(body).toContain('Gatehouse');
      expect(body).toContain('Confirm your email address');
      expect(body).toContain('https://auth.example.test/verify-email?token=');
      expect(body).toContain('expires in 24 hours');
      expect(body).toMatch(/didn(&#39;|')t create a Gatehouse account/);
    }
    expect(parsed.html).toMatch(/^<!doctype html>/);
    const token = tokenFromText(parsed.text, '/verify-email');
    expect(parsed.html).toContain(`/verify-email?token=${encodeURIComponent(token)}`);

    // A different browser (no session) follows the link.
    const verify = await new Agent(t, '10.0.0.9').post('/api/auth/verify-email', { token });
    expect(verify.statusCode).toBe(200);
    const me = await agent.get('/api/auth/me');
    expect(me.statusCode).toBe(200);
    expect(emailVerifiedOf(me)).toBe(true);

    // The link works once.
    expectError(await new Agent(t).post('/api/auth/verify-email', { token }), 400, 'invalid_token');
    expectNowhere(t, SMTP_PASS, [reg, verify, me]);
    expectNowhere(t, encodeURIComponent(SMTP_PASS));
    expect(await t.db.kysely.selectFrom('mail_failures').selectAll().execute()).toEqual([]);
  });

  it('delivers the reset email over SMTP; the link resets the password', async () => {
    const agent = new Agent(t);
    const email = uniqueEmail('smtp-reset');
    expect((await agent.post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Rae Reset' })).statusCode).toBe(201);
    const forgot = await new Agent(t).post('/api/auth/forgot-password', { email });
    expect(forgot.statusCode).toBe(202);
    await t.mailer.flush();
    const mail = smtp.received.filter((m) => m.to.includes(email)).map((m) => parseMail(m.raw)).find((m) => m.text.includes('/reset-password?token='));
    expect(mail).toBeDefined();
    if (mail === undefined) return;
    expect(mail.text).toContain('expires in 15 minutes');
    expect(mail.text).toContain("If you didn't ask to reset your password");
    const reset = await new Agent(t).post('/api/auth/reset-password', { token: tokenFromText(mail.text, '/reset-password'), password: 'a brand new passphrase 42' });
    expect(reset.statusCode).toBe(200);
    expect((await agent.get('/api/auth/me')).statusCode).toBe(401);
    expect((await new Agent(t).post('/api/auth/login', { email, password: 'a brand new passphrase 42' })).statusCode).toBe(200);
  });
});

describe('SMTP transport: refused credentials', () => {
  it('records the failure without retrying a permanent 535, never logging the password, and keeps the account', async () => {
    const smtp = await startSmtpServer({ user: SMTP_USER, pass: 'the-real-password' });
    const wrong = 'wrong-SMTP-password-xyz';
    const env = { MAIL_TRANSPORT: `smtp://${encodeURIComponent(SMTP_USER)}:${wrong}@127.0.0.1:${String(smtp.port)}` };
    const t = await buildTestApp({ env, transport: transportFromEnv(env) });
    try {
      const email = uniqueEmail('smtp-fail');
      const reg = await new Agent(t).post('/api/auth/register', { email, password: STRONG_PASSWORD, name: 'Failing Mail' });
      expect(reg.statusCode).toBe(201);
      await t.mailer.flush();
      expect(smtp.logins).toEqual([{ user: SMTP_USER, pass: wrong }]);
      expect(smtp.received).toEqual([]);
      const failures = await t.db.kysely.selectFrom('mail_failures').selectAll().execute();
      expect(failures).toHaveLength(1);
      expect(failures[0]).toMatchObject({ to_address: email, attempts: 1, last_error: 'smtp EAUTH 535' });
      expect(JSON.stringify(failures)).not.toContain(wrong);
      expectNowhere(t, wrong, [reg]);
      expect(t.logs.join('\n')).toContain('email delivery failed');
      // The registration itself stands.
      expect((await new Agent(t).post('/api/auth/login', { email, password: STRONG_PASSWORD })).statusCode).toBe(200);
    } finally {
      await t.close();
      await smtp.close();
    }
  });
});

describe('SMTP options', () => {
  it('requires TLS before sending credentials to a remote host, not to a loopback relay', () => {
    expect(smtpOptions('smtp://u:p@mail.example.com:587').requireTLS).toBe(true);
    expect(smtpOptions('smtp://u:p@127.0.0.1:2525').requireTLS).toBeUndefined();
    expect(smtpOptions('smtp://u:p@localhost:25').requireTLS).toBeUndefined();
    expect(smtpOptions('smtp://u:p@[::1]:25').requireTLS).toBeUndefined();
    // No credentials: nothing to protect; smtps: is TLS from the first byte.
    expect(smtpOptions('smtp://mail.example.com:25').requireTLS).toBeUndefined();
    expect(smtpOptions('smtps://u:p@mail.example.com:465').requireTLS).toBeUndefined();
    expect(smtpOptions('smtp://u:p@mail.example.com:587')).toMatchObject({ logger: false, debug: false, connectionTimeout: 10_000 });
  });
});
