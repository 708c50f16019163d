import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { MailConfig } from '../config.js';
import type { Executor } from '../db/database.js';
import { newId } from '../crypto/random.js';

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** One way of handing a message to the outside world. Throws on failure; retries live above it. */
export interface MailTransport {
  readonly kind: string;
  send(message: EmailMessage): Promise<void>;
  close(): Promise<void>;
}

export function createOutboxTransport(db: Executor, clock: Clock): MailTransport {
  return {
    kind: 'outbox',
    async send(m) {
      await db
        .insertInto('outbox')
        .values({ id: newId(), to_address: m.to, subject: m.subject, text_body: m.text, html_body: m.html, created_at: clock.now() })
        .execute();
    },
    close: () => Promise.resolve(),
  };
}

/** Development only (config refuses it in production): the text includes live links. */
export function createConsoleTransport(logger: Logger): MailTransport {
  return {
    kind: 'console',
    send(m) {
      process.stdout.write(`\n--- email to ${m.to}: ${m.subject}\n${m.text}\n---\n`);
      logger.info({ to: m.to, subject: m.subject }, 'email printed to console');
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
}

export function createSmtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(url);
  return {
    kind: 'smtp',
    async send(m) {
      await transporter.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}

/** Resend's HTTP API; the key travels only in the Authorization header. */
export function createResendTransport(apiKey: string, baseUrl: string, from: string): MailTransport {
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/emails`;
  return {
    kind: 'resend',
    async send(m) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ from, to: [m.to], subject: m.subject, text: m.text, html: m.html }),
        signal: AbortSignal.timeout(10_000),
      });
      // Never include the response body or headers in the error: they could echo the key.
      if (!res.ok) throw new Error(`resend answered HTTP ${String(res.status)}`);
    },
    close: () => Promise.resolve(),
  };
}

export function createTransport(mail: MailConfig, db: Executor, clock: Clock, logger: Logger): MailTransport {
  switch (mail.transport) {
    case 'outbox':
      return createOutboxTransport(db, clock);
    case 'console':
      return createConsoleTransport(logger);
    case 'smtp':
      return createSmtpTransport(mail.smtpUrl ?? '', mail.from);
    case 'resend':
      return createResendTransport(mail.resendApiKey ?? '', mail.resendBaseUrl, mail.from);
  }
}
