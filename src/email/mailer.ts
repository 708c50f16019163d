import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Executor } from '../db/database.js';
import { newId } from '../crypto/random.js';
import type { EmailMessage, MailTransport } from './transports.js';

export interface Mailer {
  /** Queues a message: delivery (with retries) happens off the request path and never fails it. */
  send(message: EmailMessage): void;
  /** Resolves when every queued delivery has finished (tests, graceful shutdown). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface MailerOptions {
  readonly attempts: number;
  readonly backoffMs: number;
}

/** Transport errors may carry server replies; only a coarse, secret-free reason is ever stored. */
function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} ${code}` : error.name;
  }
  return 'unknown error';
}

export function createMailer(
  transport: MailTransport,
  deps: { db: Executor; clock: Clock; logger: Logger },
  options: MailerOptions = { attempts: 3, backoffMs: 500 },
): Mailer {
  const pending = new Set<Promise<void>>();

  async function deliver(message: EmailMessage): Promise<void> {
    let lastError: unknown;
    for (let attempt = 1; attempt <= options.attempts; attempt += 1) {
      try {
        await transport.send(message);
        return;
      } catch (e) {
        lastError = e;
        if (attempt < options.attempts) await new Promise((r) => setTimeout(r, options.backoffMs * attempt));
      }
    }
    const reason = describe(lastError);
    deps.logger.error({ to: message.to, subject: message.subject, reason }, 'email delivery failed');
    try {
      await deps.db
        .insertInto('mail_failures')
        .values({ id: newId(), to_address: message.to, subject: message.subject, attempts: options.attempts, last_error: reason, failed_at: deps.clock.now() })
        .execute();
    } catch {
      deps.logger.error('could not record the failed delivery');
    }
  }

  return {
    send(message) {
      const p = deliver(message).finally(() => pending.delete(p));
      pending.add(p);
    },
    async flush() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async close() {
      await this.flush();
      await transport.close();
    },
  };
}
