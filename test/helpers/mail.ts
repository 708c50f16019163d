import { hkdfSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SMTPServer } from 'smtp-server';
import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createTransport, type MailTransport } from '../../src/email/transports.js';
import type { Db } from '../../src/db/database.js';
import type { TestClock } from '../../src/clock.js';
import { TEST_SECRET, type TestApp } from './app.js';

/** The env buildTestApp starts from, so a transport built here matches the app's own config. */
export function testEnv(env: Record<string, string>): Record<string, string> {
  return { NODE_ENV: 'development', SESSION_SECRET: TEST_SECRET, DATABASE_URL: 'sqlite::memory:', MAIL_TRANSPORT: 'outbox', ...env };
}

/**
 * The transport MAIL_TRANSPORT selects (buildTestApp itself always uses the outbox): same config
 * loader, same factory as production wiring in src/deps.ts.
 */
export function transportFromEnv(env: Record<string, string>): (db: Db, clock: TestClock) => MailTransport {
  const config = loadConfig(testEnv(env), { persistDevSecret: false });
  const silent = createLogger('silent', new Writable({ write: (_c, _e, cb): void => { cb(); } }));
  return (db, clock) => createTransport(config.mail, db.kysely, clock, silent);
}

// ---------------------------------------------------------------- SMTP

export interface ReceivedMail {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
}

export interface TestSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Every AUTH attempt the server saw (so a test can prove credentials did travel). */
  readonly logins: { user: string; pass: string }[];
  close(): Promise<void>;
}

/** A real SMTP server on 127.0.0.1 (plain, AUTH required, like a local relay). */
export async function startSmtpServer(credentials: { user: string; pass: string }): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const logins: { user: string; pass: string }[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    logger: false,
    onAuth(auth, _session, callback) {
      const user = auth.username ?? '';
      const pass = auth.password ?? '';
      logins.push({ user, pass });
      if (user === credentials.user && pass === credentials.pass) callback(null, { user });
      else callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address;
        received.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    logins,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------- MIME (just enough for nodemailer output)

export interface ParsedMail {
  readonly headers: Map<string, string>;
  readonly text: string;
  readonly html: string;
}

function splitHead(raw: string): { headers: Map<string, string>; body: string } {
  const at = raw.indexOf('\r\n\r\n');
  const head = at === -1 ? raw : raw.slice(0, at);
  const body = at === -1 ? '' : raw.slice(at + 4);
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r\n[ \t]+/g, ' ').split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function decodeBody(body: string, encoding: string | undefined): string {
  switch ((encoding ?? '7bit').toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
    case 'quoted-printable': {
      const s = body.replace(/=\r?\n/g, '');
      const bytes: number[] = [];
      for (let i = 0; i < s.length; i += 1) {
        const hex = s.slice(i + 1, i + 3);
        if (s[i] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 2;
        } else bytes.push(s.charCodeAt(i));
      }
      return Buffer.from(bytes).toString('utf8');
    }
    default:
      return body;
  }
}

/** Decodes MIME encoded-words (=?UTF-8?Q?...?= / =?UTF-8?B?...?=) in a header value. */
export function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, kind: string, text: string) =>
    kind.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeBody(text.replace(/_/g, ' '), 'quoted-printable'),
  );
}

export function parseMail(raw: string): ParsedMail {
  const top = splitHead(raw);
  let text = '';
  let html = '';
  const visit = (headers: Map<string, string>, body: string): void => {
    const type = headers.get('content-type') ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (/^multipart\//i.test(type) && boundary !== undefined) {
      for (const part of body.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const p = splitHead(part.replace(/^\r\n/, ''));
        visit(p.headers, p.body.replace(/\r\n$/, ''));
      }
      return;
    }
    const decoded = decodeBody(body, headers.get('content-transfer-encoding')).replace(/\r\n/g, '\n');
    if (/^text\/html/i.test(type)) html = decoded;
    else if (/^text\/plain/i.test(type)) text = decoded;
  };
  visit(top.headers, top.body);
  return { headers: top.headers, text, html };
}

// ---------------------------------------------------------------- HTTP (Resend stand-in)

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface RecordingServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Status the next requests get (200 answers like Resend: {"id": …}). */
  status: number;
  close(): Promise<void>;
}

export async function startRecordingServer(): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const state = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(state.status, { 'content-type': 'application/json' });
      // A hostile or buggy upstream that echoes the request: none of it may reach logs or errors.
      res.end(state.status === 200 ? JSON.stringify({ id: `re_${String(requests.length)}` }) : JSON.stringify({ message: 'boom', echo: req.headers.authorization }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    requests,
    get status() {
      return state.status;
    },
    set status(v: number) {
      state.status = v;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

// ---------------------------------------------------------------- assertions

/** Status and error code together, with the body in the failure message. */
export function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: res.statusCode, code: errorCodeOf(res) }, res.body).toEqual({ status, code });
}

export function errorCodeOf(res: LightMyRequestResponse): string | undefined {
  return res.json<{ error?: { code?: string } }>().error?.code;
}

export function emailVerifiedOf(res: LightMyRequestResponse): boolean {
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ user: { emailVerified: boolean } }>().user.emailVerified;
}

/** A secret must appear nowhere the outside world or an operator can read it. */
export function expectNowhere(t: TestApp, secret: string, responses: readonly LightMyRequestResponse[] = []): void {
  expect(secret.length).toBeGreaterThan(3);
  expect(t.logs.join('\n')).not.toContain(secret);
  for (const r of responses) {
    expect(r.body).not.toContain(secret);
    expect(JSON.stringify(r.headers)).not.toContain(secret);
  }
}

/** The token from the newest link with this path in a plain-text body. */
export function tokenFromText(text: string, path: string): string {
  // eslint-disable-next-line security/detect-non-literal-regexp -- test-only, path is a literal from the test
  const match = new RegExp(`${path}\\?token=([A-Za-z0-9._%-]+)`).exec(text);
  if (match?.[1] === undefined) throw new Error(`no ${path} link in: ${text}`);
  return decodeURIComponent(match[1]);
}

/** The contract's per-audience key, derived here independently of src/crypto. */
export function contractKey(secret: string, audience: 'gatehouse-session' | 'gatehouse-email'): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), `gatehouse:${audience}`, 32));
}
