import { Writable } from 'node:stream';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { createLogger } from '../../src/logger.js';
import { backoffDelay, createMailer, describeFailure, type MailerOptions } from '../../src/email/mailer.js';
import { MailDeliveryError, type EmailMessage, type MailTransport } from '../../src/email/transports.js';

const MESSAGE: EmailMessage = { to: 'someone@example.test', subject: 'Hello', text: 'secret link https://x/verify-email?token=abc.def.ghi', html: '<p>hi</p>' };

interface Harness {
  logs: string[];
  sent: { message: EmailMessage; id: string | undefined; attempt: number | undefined }[];
  delays: number[];
  mailer: ReturnType<typeof createMailer>;
}

describe('Mailer: retries, backoff and failure records', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp();
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.db.kysely.deleteFrom('mail_failures').execute();
  });

  /** A mailer over a scripted transport: each call takes the next outcome (an Error to throw, or 'ok'). */
  function harness(outcomes: (Error | 'ok')[], options: Partial<MailerOptions> = {}): Harness {
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({
      write: (c: Buffer, _e, cb): void => {
        logs.push(c.toString('utf8'));
        cb();
      },
    }));
    const sent: Harness['sent'] = [];
    const delays: number[] = [];
    const transport: MailTransport = {
      kind: 'scripted',
      send(message, delivery) {
        sent.push({ message, id: delivery?.id, attempt: delivery?.attempt });
        const next = outcomes.shift() ?? 'ok';
        return next === 'ok' ? Promise.resolve() : Promise.reject(next);
      },
      close: () => Promise.resolve(),
    };
    const mailer = createMailer(transport, { db: t.db.kysely, clock: t.clock, logger }, {
      attempts: 4,
      backoffMs: 1000,
      sleep: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      ...options,
    });
    return { logs, sent, delays, mailer };
  }

  const failures = (): Promise<{ to_address: string; attempts: number; last_error: string }[]> =>
    t.db.kysely.selectFrom('mail_failures').select(['to_address', 'attempts', 'last_error']).execute();

  it('retries transient failures with exponential backoff, then delivers without recording a failure', async () => {
    const h = harness([new MailDeliveryError('smtp ECONNECTION', { retryable: true }), new MailDeliveryError('resend HTTP 503', { retryable: true }), 'ok']);
    h.mailer.send(MESSAGE);
    await h.mailer.flush();
    expect(h.sent.map((s) => s.attempt)).toEqual([1, 2, 3]);
    // One idempotency id for every attempt at the same message.
    expect(new Set(h.sent.map((s) => s.id)).size).toBe(1);
    expect(h.delays).toHaveLength(2);
    expect(h.delays[0]).toBeGreaterThanOrEqual(1000);
    expect(h.delays[0]).toBeLessThanOrEqual(1250);
    expect(h.delays[1]).toBeGreaterThanOrEqual(2000);
    expect(h.delays[1]).toBeLessThanOrEqual(2500);
    expect(await failures()).toEqual([]);
    expect(h.logs.join('')).toContain('email delivered after retrying');
  });

  it('gives up after the configured attempts and records the last reason', async () => {
    const err = (): MailDeliveryError => new MailDeliveryError('resend HTTP 500', { retryable: true });
    const h = harness([err(), err(), err(), err(), err()]);
    h.mailer.send(MESSAGE);
    await h.mailer.flush();
    expect(h.sent).toHaveLength(4);
    expect(h.delays.map((d) => Math.floor(d / 1000))).toEqual([1, 2, 4]);
    expect(await failures()).toEqual([{ to_address: MESSAGE.to, attempts: 4, last_error: 'resend HTTP 500' }]);
  });

  it('does not retry a permanent failure', async () => {
    const h = harness([new MailDeliveryError('smtp EENVELOPE 550', { retryable: false })]);
    h.mailer.send(MESSAGE);
    await h.mailer.flush();
    expect(h.sent).toHaveLength(1);
    expect(h.delays).toEqual([]);
    expect(await failures()).toEqual([{ to_address: MESSAGE.to, attempts: 1, last_error: 'smtp EENVELOPE 550' }]);
  });

  it('never logs or stores a library error message, nor the email body', async () => {
    const leaky = Object.assign(new Error('auth failed for user:hunter2-password at smtp://u:hunter2-password@host'), { code: 'EAUTH' });
    const h = harness([leaky, leaky], { attempts: 2 });
    h.mailer.send(MESSAGE);
    await h.mailer.flush();
    const stored = await failures();
    expect(stored).toEqual([{ to_address: MESSAGE.to, attempts: 2, last_error: 'Error EAUTH' }]);
    const logs = h.logs.join('');
    expect(logs).not.toContain('hunter2');
    expect(logs).not.toContain('token=');
    expect(describeFailure(new MailDeliveryError('resend HTTP 500 Bearer re_abc/+=', { retryable: true }))).toBe('resend HTTP 500 Bearer re_abc');
  });

  it('composes off the request path: null sends nothing, a throwing composer is logged and never rejects', async () => {
    const h = harness([]);
    let composed = 0;
    h.mailer.sendLater(() => {
      composed += 1;
      return Promise.resolve(null);
    });
    h.mailer.sendLater(() => Promise.reject(Object.assign(new Error('db exploded: select * from users'), { code: 'SQLITE_BUSY' })));
    h.mailer.sendLater(() => Promise.resolve(MESSAGE));
    await h.mailer.flush();
    expect(composed).toBe(1);
    expect(h.sent.map((s) => s.message)).toEqual([MESSAGE]);
    const logs = h.logs.join('');
    expect(logs).toContain('email could not be prepared');
    expect(logs).toContain('SQLITE_BUSY');
    expect(logs).not.toContain('select * from users');
  });

  it('caps concurrent transport calls', async () => {
    let inFlight = 0;
    let peak = 0;
    const transport: MailTransport = {
      kind: 'slow',
      async send() {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 5));
        inFlight -= 1;
      },
      close: () => Promise.resolve(),
    };
    const logger = createLogger('silent');
    const mailer = createMailer(transport, { db: t.db.kysely, clock: t.clock, logger }, { attempts: 1, backoffMs: 1, concurrency: 2 });
    for (let i = 0; i < 8; i += 1) mailer.send(MESSAGE);
    await mailer.flush();
    expect(peak).toBe(2);
  });

  it('stops waiting for retries on close and records what was left undelivered', async () => {
    const logs: string[] = [];
    const logger = createLogger('info', new Writable({
      write: (c: Buffer, _e, cb): void => {
        logs.push(c.toString('utf8'));
        cb();
      },
    }));
    let calls = 0;
    const transport: MailTransport = {
      kind: 'down',
      send() {
        calls += 1;
        return Promise.reject(new MailDeliveryError('smtp ECONNECTION', { retryable: true }));
      },
      close: () => Promise.resolve(),
    };
    // Real timers: a one-hour backoff that close() must cut short.
    const mailer = createMailer(transport, { db: t.db.kysely, clock: t.clock, logger }, { attempts: 5, backoffMs: 3_600_000 });
    mailer.send(MESSAGE);
    await new Promise((r) => setTimeout(r, 20));
    const started = Date.now();
    await mailer.close();
    expect(Date.now() - started).toBeLessThan(5000);
    expect(calls).toBe(1);
    expect(await failures()).toEqual([{ to_address: MESSAGE.to, attempts: 1, last_error: 'smtp ECONNECTION (shutdown)' }]);
  });

  it('computes backoff as base × 2^(n-1) plus at most 25% jitter', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(500, n, () => 0))).toEqual([500, 1000, 2000, 4000]);
    expect([1, 2, 3, 4].map((n) => backoffDelay(500, n, () => 1))).toEqual([625, 1250, 2500, 5000]);
  });
});
