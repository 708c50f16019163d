import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { databaseUrl, logLevel, makeReader, parseTrustProxy, redisUrl, socketTimeout, type Environment, type Reader } from './config-parse.js';
import { parseProviders, type ProviderConfig } from './identities/provider-config.js';

/**
 * The only module that reads `process.env`. Everything else receives a frozen `Config`.
 */

export type MailTransportKind = 'outbox' | 'console' | 'smtp' | 'resend';

export interface MailConfig {
  readonly transport: MailTransportKind;
  readonly smtpUrl: string | undefined;
  readonly resendApiKey: string | undefined;
  readonly resendBaseUrl: string;
  readonly from: string;
}

export interface Config {
  readonly production: boolean;
  readonly nodeEnv: string;
  readonly host: string;
  readonly port: number;
  /** The whole request (headers and body) must arrive within this; also the socket inactivity limit. */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  readonly publicUrl: string;
  readonly publicOrigin: string;
  readonly https: boolean;
  readonly databaseUrl: string;
  readonly redisUrl: string | undefined;
  readonly sessionSecret: string;
  readonly sessionSecretPrevious: string | undefined;
  readonly mail: MailConfig;
  readonly maxSessions: number;
  readonly sessionTtlMs: number;
  readonly sessionIdleTtlMs: number;
  readonly verifyTokenTtlMs: number;
  readonly resetTokenTtlMs: number;
  readonly inviteTokenTtlMs: number;
  readonly impersonationTtlMs: number;
  readonly registerMaxPerIp: number;
  readonly emailMaxPerAddress: number;
  readonly loginMaxFailures: number;
  readonly loginMaxFailuresPerAccountHour: number;
  readonly passwordMinLength: number;
  /** Site admins must have a second factor before any /api/admin route answers (default: on in production). */
  readonly adminRequireMfa: boolean;
  /** WebAuthn relying party ID: PUBLIC_URL's host name. */
  readonly rpId: string;
  /** false, true (trust every hop), a hop count, or a comma-separated list of proxy addresses/CIDRs. */
  readonly trustProxy: boolean | number | string;
  readonly logLevel: string;
  readonly dataDir: string;
  readonly webDir: string;
  /** External sign-in providers (OIDC_PROVIDERS, GITHUB_CLIENT_ID), in the order configured. */
  readonly providers: readonly ProviderConfig[];
}

export { LOG_LEVELS, parseDuration, type Environment } from './config-parse.js';


export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** Reads `.env` (when present) under the real environment: real variables win. */
export function readEnvironment(cwd: string = process.cwd()): Environment {
  const file = resolve(cwd, '.env');
  /* eslint-disable security/detect-non-literal-fs-filename -- a fixed name under the working directory, never input */
  const fromFile = existsSync(file) ? parseEnv(readFileSync(file, 'utf8')) : {};
  /* eslint-enable security/detect-non-literal-fs-filename */
  return Object.freeze({ ...fromFile, ...process.env });
}

export const MIN_SECRET_BYTES = 32;

function mailConfig(env: Environment, r: Reader, production: boolean): MailConfig {
  const transportRaw = r.str('MAIL_TRANSPORT', production ? '' : 'outbox');
  let transport: MailTransportKind = 'outbox';
  let smtpUrl: string | undefined;
  if (transportRaw === 'outbox' || transportRaw === 'console' || transportRaw === 'resend') {
    transport = transportRaw;
  } else if (/^smtps?:\/\//.test(transportRaw)) {
    transport = 'smtp';
    smtpUrl = transportRaw;
  } else if (transportRaw === '') {
    r.problems.push('MAIL_TRANSPORT is required in production (smtp://… or resend)');
  } else {
    r.problems.push('MAIL_TRANSPORT must be outbox, console, smtp://… or resend');
  }
  // Outbox and console keep or print email tokens: account-takeover material. Never in production.
  if (production && (transport === 'outbox' || transport === 'console') && transportRaw !== '') {
    r.problems.push(`MAIL_TRANSPORT=${transport} is for development only; production requires smtp://… or resend`);
  }
  const resendApiKey = env.RESEND_API_KEY === undefined || env.RESEND_API_KEY === '' ? undefined : env.RESEND_API_KEY;
  if (transport === 'resend' && resendApiKey === undefined) {
    r.problems.push('MAIL_TRANSPORT=resend needs RESEND_API_KEY');
  }
  return {
    transport,
    smtpUrl,
    resendApiKey,
    resendBaseUrl: r.str('RESEND_BASE_URL', 'https://api.resend.com'),
    from: r.str('MAIL_FROM', 'Gatehouse <no-reply@localhost>'),
  };
}

/* eslint-disable security/detect-non-literal-fs-filename -- a fixed name under ./data, never input */
function loadDevSecret(dataDir: string): string {
  const file = resolve(dataDir, 'session-secret');
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    // A truncated or hand-edited file must not leave development signing with an empty or weak key.
    if (Buffer.byteLength(kept, 'utf8') >= MIN_SECRET_BYTES) return kept;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
/* eslint-enable security/detect-non-literal-fs-filename */

const NODE_ENVS: readonly string[] = ['development', 'production', 'test'];

export interface LoadOptions {
  readonly cwd?: string;
  /** When false, a development secret is never written to disk (tests, doctor). */
  readonly persistDevSecret?: boolean;
}

export function loadConfig(env: Environment, options: LoadOptions = {}): Config {
  const cwd = options.cwd ?? process.cwd();
  const r = makeReader(env);
  const nodeEnv = r.str('NODE_ENV', 'development');
  // A typo such as NODE_ENV=prod must not silently start with development behaviour.
  if (!NODE_ENVS.includes(nodeEnv)) r.problems.push(`NODE_ENV must be one of ${NODE_ENVS.join(', ')}`);
  const production = nodeEnv === 'production';
  const port = r.int('PORT', 3000, 0, 65535);
  const publicUrlRaw = r.str('PUBLIC_URL', `http://localhost:${String(port)}`);
  let publicUrl = `http://localhost:${String(port)}`;
  let publicOrigin = publicUrl;
  let rpId = 'localhost';
  try {
    const u = new URL(publicUrlRaw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
    publicOrigin = u.origin;
    rpId = u.hostname;
    publicUrl = publicUrlRaw.replace(/\/+$/, '');
  } catch {
    r.problems.push('PUBLIC_URL must be an absolute http(s) URL');
  }
  const dataDir = resolve(cwd, 'data');

  const secretRaw = env.SESSION_SECRET === undefined || env.SESSION_SECRET === '' ? undefined : env.SESSION_SECRET;
  let sessionSecret = secretRaw ?? '';
  // A short or missing secret makes every token forgeable: production must not start with one.
  if (secretRaw !== undefined && Buffer.byteLength(secretRaw, 'utf8') < MIN_SECRET_BYTES) {
    if (production) r.problems.push(`SESSION_SECRET must be at least ${String(MIN_SECRET_BYTES)} bytes`);
  }
  if (secretRaw === undefined) {
    if (production) r.problems.push('SESSION_SECRET is required in production (at least 32 random bytes)');
    else if (options.persistDevSecret === false) sessionSecret = randomBytes(48).toString('base64url');
    else sessionSecret = loadDevSecret(dataDir);
  }
  const prevRaw = env.SESSION_SECRET_PREVIOUS;
  const sessionSecretPrevious = prevRaw === undefined || prevRaw === '' ? undefined : prevRaw;
  if (production && sessionSecretPrevious !== undefined && Buffer.byteLength(sessionSecretPrevious, 'utf8') < MIN_SECRET_BYTES) {
    r.problems.push(`SESSION_SECRET_PREVIOUS must be at least ${String(MIN_SECRET_BYTES)} bytes`);
  }

  const config: Config = {
    production,
    nodeEnv,
    host: r.str('HOST', '127.0.0.1'),
    port,
    requestTimeoutMs: socketTimeout(r, 'REQUEST_TIMEOUT', '30s'),
    keepAliveTimeoutMs: socketTimeout(r, 'KEEP_ALIVE_TIMEOUT', '72s'),
    publicUrl,
    publicOrigin,
    https: publicOrigin.startsWith('https:'),
    databaseUrl: databaseUrl(r),
    redisUrl: redisUrl(r),
    sessionSecret,
    sessionSecretPrevious,
    mail: mailConfig(env, r, production),
    maxSessions: r.int('MAX_SESSIONS', 5, 1, 1000),
    sessionTtlMs: r.duration('SESSION_TTL', '7d'),
    sessionIdleTtlMs: r.duration('SESSION_IDLE_TTL', '24h'),
    verifyTokenTtlMs: r.duration('VERIFY_TOKEN_TTL', '24h'),
    resetTokenTtlMs: r.duration('RESET_TOKEN_TTL', '15m'),
    inviteTokenTtlMs: r.duration('INVITE_TOKEN_TTL', '72h'),
    impersonationTtlMs: r.duration('IMPERSONATION_TTL', '30m'),
    registerMaxPerIp: r.int('REGISTER_MAX_PER_IP', 20, 1, 1_000_000),
    emailMaxPerAddress: r.int('EMAIL_MAX_PER_ADDRESS', 5, 1, 1_000_000),
    loginMaxFailures: r.int('LOGIN_MAX_FAILURES', 10, 1, 1_000_000),
    loginMaxFailuresPerAccountHour: r.int('LOGIN_MAX_FAILURES_PER_ACCOUNT', 100, 1, 1_000_000),
    passwordMinLength: r.int('PASSWORD_MIN_LENGTH', 8, 8, 256),
    adminRequireMfa: r.bool('ADMIN_REQUIRE_MFA', production),
    rpId,
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    logLevel: logLevel(r),
    dataDir,
    webDir: resolve(cwd, 'web', 'dist'),
    providers: parseProviders(env, production, r.problems),
  };
  if (r.problems.length > 0) throw new ConfigError(r.problems);
  return Object.freeze({ ...config, mail: Object.freeze(config.mail) });
}
