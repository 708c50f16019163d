import { isIP } from 'node:net';
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

/** Per-message delivery facts a transport may use (the id is stable across retries). */
export interface Delivery {
  readonly id: string;
  readonly attempt: number;
}

/** One way of handing a message to the outside world. Throws on failure; retries live above it. */
export interface MailTransport {
  readonly kind: string;
  send(message: EmailMessage, delivery?: Delivery): Promise<void>;
  close(): Promise<void>;
}

/**
 * The only error a transport lets out. `reason` is a short, fixed-vocabulary description (protocol
 * codes and status numbers only): server replies and library messages can echo credentials or
 * addresses, so they never reach a log line, the database or a response.
 */
export class MailDeliveryError extends Error {
  readonly reason: string;
  readonly retryable: boolean;
  constructor(reason: string, options: { retryable: boolean }) {
    const safe = reason.replace(/[^A-Za-z0-9 ._:-]/g, '').slice(0, 120);
    super(safe);
    this.name = 'MailDeliveryError';
    this.reason = safe;
    this.retryable = options.retryable;
  }
}

function stringCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Z0-9_]{1,40}$/.test(value) ? value : undefined;
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

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

/**
 * nodemailer options for an `smtp://` or `smtps://` URL. Query parameters of the URL (e.g.
 * `?requireTLS=false`, `?tls.rejectUnauthorized=false`) still win over these defaults.
 */
export function smtpOptions(url: string): Record<string, unknown> {
  let remoteWithCredentials = false;
  try {
    const u = new URL(url);
    remoteWithCredentials = u.protocol === 'smtp:' && (u.username !== '' || u.password !== '') && !isLoopback(u.hostname);
  } catch {
    // nodemailer reports the malformed URL at send time, as a coded error.
  }
  return {
    url,
    // A password sent to another host must not depend on the server offering STARTTLS: an
    // attacker on the path can strip the offer and read the AUTH exchange. Loopback relays are exempt.
    ...(remoteWithCredentials ? { requireTLS: true } : {}),
    // Deliveries run in the background with retries: fail fast rather than hang for minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    logger: false,
    debug: false,
  };
}

/** SMTP replies 5xx are permanent (bad credentials, refused recipient); 4xx and network trouble are not. */
function smtpFailure(error: unknown): MailDeliveryError {
  const e = error as { code?: unknown; responseCode?: unknown };
  const code = stringCode(e.code) ?? 'ERROR';
  const status = typeof e.responseCode === 'number' && Number.isInteger(e.responseCode) ? e.responseCode : undefined;
  const permanentCodes = new Set(['EENVELOPE', 'EMESSAGE', 'ECONFIG']);
  const retryable = status === undefined ? !permanentCodes.has(code) : status < 500;
  return new MailDeliveryError(`smtp ${code}${status === undefined ? '' : ` ${String(status)}`}`, { retryable });
}

export function createSmtpTransport(url: string, from: string): MailTransport {
  const transporter = nodemailer.createTransport(smtpOptions(url));
  return {
    kind: 'smtp',
    async send(m) {
      try {
        await transporter.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html, headers: { 'Auto-Submitted': 'auto-generated' } });
      } catch (e) {
        throw smtpFailure(e);
      }
    },
    close() {
      transporter.close();
      return Promise.resolve();
    },
  };
}

const RESEND_TIMEOUT_MS = 10_000;

/** Resend's HTTP API; the key travels only in the Authorization header. */
export function createResendTransport(apiKey: string, baseUrl: string, from: string): MailTransport {
  const endpoint = `${baseUrl.replace(/\/+$/, '')}/emails`;
  return {
    kind: 'resend',
    async send(m, delivery) {
      let res: Response;
      try {
        res = await fetch(endpoint, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${apiKey}`,
            'content-type': 'application/json',
            // The same key on every retry of one message: Resend sends it at most once.
            ...(delivery === undefined ? {} : { 'idempotency-key': delivery.id }),
          },
          body: JSON.stringify({ from, to: [m.to], subject: m.subject, text: m.text, html: m.html, headers: { 'Auto-Submitted': 'auto-generated' } }),
          signal: AbortSignal.timeout(RESEND_TIMEOUT_MS),
          redirect: 'error',
        });
      } catch (e) {
        const cause = (e as { cause?: { code?: unknown } }).cause;
        const name = e instanceof Error ? e.name : 'Error';
        throw new MailDeliveryError(`resend ${name}${stringCode(cause?.code) === undefined ? '' : ` ${String(cause?.code)}`}`, { retryable: true });
      }
      // Never read the response body into an error: it could echo the request or the key.
      await res.body?.cancel().catch(() => undefined);
      if (!res.ok) {
        const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
        throw new MailDeliveryError(`resend HTTP ${String(res.status)}`, { retryable });
      }
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
