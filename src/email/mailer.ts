import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/database.js';
import { newId } from '../crypto/random.js';
import { MailDeliveryError, type EmailMessage, type MailTransport } from './transports.js';

export interface Mailer {
  /** Queues a message: delivery (with retries) happens off the request path and never fails it. */
  send(message: EmailMessage): void;
  /**
   * Runs `compose` off the request path, then delivers what it returns (`null`: nothing to send).
   * For flows whose response must not reveal, by content or by timing, whether an email went out.
   */
  sendLater(compose: () => Promise<EmailMessage | null>): void;
  /** Resolves when every queued composition and delivery has finished (tests, graceful shutdown). */
  flush(): Promise<void>;
  /** Stops retrying (a delivery waiting for its next attempt is recorded as failed), then flushes. */
  close(): Promise<void>;
}

export interface MailerOptions {
  /** Tries per message, the first included. */
  readonly attempts: number;
  /** Wait before the first retry; doubles for each further one (plus up to 25% jitter). */
  readonly backoffMs: number;
  /** Transport calls in flight at once; the rest wait their turn. */
  readonly concurrency?: number;
  /** Injected for tests; must reject when `signal` aborts. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const DEFAULT_MAILER_OPTIONS: MailerOptions = { attempts: 4, backoffMs: 1000, concurrency: 4 };

/** The delay before retry number `retry` (1-based). */
export function backoffDelay(backoffMs: number, retry: number, random: () => number = Math.random): number {
  const base = backoffMs * 2 ** (retry - 1);
  return Math.round(base + base * 0.25 * random());
}

/** Only a coarse, secret-free reason is ever logged or stored: never a library or server message. */
export function describeFailure(error: unknown): string {
  if (error instanceof MailDeliveryError) return error.reason;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const safeCode = typeof code === 'string' && /^[A-Z0-9_]{1,40}$/.test(code) ? ` ${code}` : '';
    return `${error.name.replace(/[^A-Za-z]/g, '').slice(0, 40)}${safeCode}`;
  }
  return 'unknown error';
}

function isRetryable(error: unknown): boolean {
  return !(error instanceof MailDeliveryError) || error.retryable;
}

interface Semaphore {
  acquire(): Promise<void>;
  release(): void;
}

function createSemaphore(max: number): Semaphore {
  let active = 0;
  const waiting: (() => void)[] = [];
  return {
    async acquire() {
      if (active < max) {
        active += 1;
        return;
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    },
    release() {
      const next = waiting.shift();
      if (next === undefined) active -= 1;
      else next();
    },
  };
}

export function createMailer(
  transport: MailTransport,
  deps: { db: Executor; clock: Clock; logger: Logger },
  options: MailerOptions = DEFAULT_MAILER_OPTIONS,
): Mailer {
  const pending = new Set<Promise<void>>();
  const slots = createSemaphore(Math.max(1, options.concurrency ?? 4));
  const stop = new AbortController();
  const sleep = options.sleep ?? ((ms: number, signal: AbortSignal): Promise<void> => delay(ms, undefined, { signal }));

  async function recordFailure(message: EmailMessage, attempts: number, reason: string): Promise<void> {
    deps.logger.error({ to: message.to, subject: message.subject, attempts, reason }, 'email delivery failed');
    try {
      await deps.db
        .insertInto('mail_failures')
        .values({ id: newId(), to_address: message.to, subject: message.subject, attempts, last_error: reason, failed_at: deps.clock.now() })
        .execute();
    } catch {
      deps.logger.error('could not record the failed email delivery');
    }
  }

  async function attempt(message: EmailMessage, id: string, n: number): Promise<unknown> {
    await slots.acquire();
    try {
      await transport.send(message, { id, attempt: n });
      return undefined;
    } catch (e) {
      return e ?? new Error('transport failed');
    } finally {
      slots.release();
    }
  }

  async function deliver(message: EmailMessage): Promise<void> {
    const id = newId();
    for (let n = 1; ; n += 1) {
      const error = await attempt(message, id, n);
      if (error === undefined) {
        if (n > 1) deps.logger.info({ to: message.to, subject: message.subject, attempts: n }, 'email delivered after retrying');
        return;
      }
      const reason = describeFailure(error);
      const giveUp = n >= options.attempts || !isRetryable(error);
      if (giveUp || stop.signal.aborted) {
        await recordFailure(message, n, giveUp ? reason : `${reason} (shutdown)`);
        return;
      }
      const wait = backoffDelay(options.backoffMs, n);
      deps.logger.warn({ to: message.to, subject: message.subject, attempt: n, reason, retryInMs: wait }, 'email delivery failed, retrying');
      try {
        await sleep(wait, stop.signal);
      } catch {
        await recordFailure(message, n, `${reason} (shutdown)`);
        return;
      }
    }
  }

  function track(work: Promise<void>): void {
    // Never rejects: a background failure must not become an unhandled rejection.
    const p: Promise<void> = work
      .catch((e: unknown) => {
        deps.logger.error({ reason: describeFailure(e) }, 'email could not be prepared');
      })
      .finally(() => pending.delete(p));
    pending.add(p);
  }

  return {
    send(message) {
      track(deliver(message));
    },
    sendLater(compose) {
      track(
        (async (): Promise<void> => {
          const message = await compose();
          if (message !== null) await deliver(message);
        })(),
      );
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      stop.abort();
      await this.flush();
      await transport.close();
    },
  };
}
