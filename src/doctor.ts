import { ConfigError, loadConfig, MIN_SECRET_BYTES, type Config, type Environment } from './config.js';

/**
 * `npm run cli -- doctor`: audits an environment as if it were about to run in production.
 * Pure: takes the environment, returns findings; printing and the exit code belong to the CLI.
 */

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  readonly severity: Severity;
  /** The variable (or area) the finding is about. */
  readonly subject: string;
  readonly message: string;
}

export interface AuditOptions {
  readonly cwd?: string;
}

const SEVERITY_ORDER: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const PLACEHOLDER = /change.?me|replace.?me|placeholder|your.?secret|example|not.?a.?secret|fake/i;
const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

function value(env: Environment, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

function parseUrl(raw: string | undefined): URL | undefined {
  if (raw === undefined) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

function isLoopback(url: URL): boolean {
  return LOOPBACK.has(url.hostname) || url.hostname.startsWith('127.');
}

/** Shannon entropy of the character distribution times the length: a rough upper bound in bits. */
export function estimateEntropyBits(secret: string): number {
  const chars = Array.from(secret); // code points: what an attacker would have to guess
  const counts = new Map<string, number>();
  for (const c of chars) counts.set(c, (counts.get(c) ?? 0) + 1);
  let perChar = 0;
  for (const n of counts.values()) {
    const p = n / chars.length;
    perChar -= p * Math.log2(p);
  }
  return perChar * chars.length;
}

function subjectOf(problem: string): string {
  return /^[A-Z][A-Z_]+/.exec(problem)?.[0] ?? 'config';
}

/** Everything production would refuse to boot with, reported with production semantics. */
function bootChecks(env: Environment, options: AuditOptions): { findings: Finding[]; config: Config | undefined } {
  try {
    const config = loadConfig({ ...env, NODE_ENV: 'production' }, { persistDevSecret: false, cwd: options.cwd });
    return { findings: [], config };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    const findings = e.problems.map((p): Finding => ({ severity: 'error', subject: subjectOf(p), message: `production refuses to boot: ${p}` }));
    return { findings, config: undefined };
  }
}

function nodeEnvChecks(env: Environment): Finding[] {
  const nodeEnv = value(env, 'NODE_ENV');
  if (nodeEnv === 'production') return [];
  if (nodeEnv !== undefined && nodeEnv !== 'development' && nodeEnv !== 'test') {
    return [{ severity: 'error', subject: 'NODE_ENV', message: 'NODE_ENV must be development, production or test: the server refuses to boot' }];
  }
  return [{
    severity: 'warning',
    subject: 'NODE_ENV',
    message: `NODE_ENV is ${nodeEnv ?? 'unset'}: this environment would start in development mode (generated secret, lenient checks); set NODE_ENV=production. The findings below are for production.`,
  }];
}

function publicUrlChecks(env: Environment): Finding[] {
  const raw = value(env, 'PUBLIC_URL');
  if (raw === undefined) {
    return [{ severity: 'error', subject: 'PUBLIC_URL', message: 'PUBLIC_URL is unset (defaults to http://localhost:PORT): set it to the https origin your users reach' }];
  }
  const url = parseUrl(raw);
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) return []; // reported by the boot checks
  if (url.protocol !== 'https:') {
    return [{ severity: 'error', subject: 'PUBLIC_URL', message: 'PUBLIC_URL is not https: cookies would travel without Secure/__Host- protection and HSTS is off' }];
  }
  return [];
}

function secretChecks(env: Environment): Finding[] {
  const findings: Finding[] = [];
  const secret = env.SESSION_SECRET;
  if (secret === undefined || secret === '' || Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES) return findings; // boot checks
  if (PLACEHOLDER.test(secret)) {
    findings.push({ severity: 'warning', subject: 'SESSION_SECRET', message: 'SESSION_SECRET looks like a placeholder: generate one with `openssl rand -base64 48`' });
  } else if (estimateEntropyBits(secret) < 128) {
    findings.push({ severity: 'warning', subject: 'SESSION_SECRET', message: 'SESSION_SECRET looks low in entropy (repetitive or from a small alphabet): generate one with `openssl rand -base64 48`' });
  }
  const previous = env.SESSION_SECRET_PREVIOUS;
  if (previous !== undefined && previous !== '' && previous === secret) {
    findings.push({ severity: 'warning', subject: 'SESSION_SECRET_PREVIOUS', message: 'SESSION_SECRET_PREVIOUS equals SESSION_SECRET: remove it once a rotation is over' });
  } else if (previous !== undefined && previous !== '') {
    findings.push({ severity: 'info', subject: 'SESSION_SECRET_PREVIOUS', message: 'a key rotation is in progress: remove SESSION_SECRET_PREVIOUS once SESSION_TTL has passed since the switch' });
  }
  return findings;
}

function mailChecks(env: Environment, config: Config | undefined): Finding[] {
  const findings: Finding[] = [];
  if (config?.mail.transport === 'resend') {
    const base = parseUrl(config.mail.resendBaseUrl);
    if (base === undefined || (base.protocol !== 'https:' && !isLoopback(base))) {
      findings.push({ severity: 'error', subject: 'RESEND_BASE_URL', message: 'RESEND_BASE_URL is not https: the API key would be sent in clear text' });
    }
  }
  if (config?.mail.transport === 'smtp') {
    const smtp = parseUrl(config.mail.smtpUrl);
    const query = smtp?.search.toLowerCase() ?? '';
    if (smtp !== undefined && !isLoopback(smtp) && (query.includes('requiretls=false') || query.includes('rejectunauthorized=false'))) {
      findings.push({ severity: 'warning', subject: 'MAIL_TRANSPORT', message: 'the SMTP URL turns TLS protection off (requireTLS=false or tls.rejectUnauthorized=false): mail credentials and links can be read or altered on the way' });
    }
  }
  const from = value(env, 'MAIL_FROM');
  if (from === undefined || /@localhost\b/i.test(from)) {
    findings.push({ severity: 'warning', subject: 'MAIL_FROM', message: 'MAIL_FROM is a localhost address: receiving servers will reject or junk the emails; use an address of your domain' });
  }
  return findings;
}

function storageChecks(env: Environment, config: Config | undefined): Finding[] {
  const findings: Finding[] = [];
  const dbUrl = value(env, 'DATABASE_URL') ?? 'sqlite:./data/gatehouse.db';
  const redis = value(env, 'REDIS_URL');
  if (dbUrl === 'sqlite::memory:') {
    findings.push({ severity: 'warning', subject: 'DATABASE_URL', message: 'DATABASE_URL is an in-memory database: every account and session is lost at restart' });
  } else if (dbUrl.startsWith('sqlite:')) {
    findings.push(
      redis === undefined
        ? { severity: 'info', subject: 'DATABASE_URL', message: 'SQLite: fine for a single instance; use postgres://… to run several instances' }
        : { severity: 'warning', subject: 'DATABASE_URL', message: 'SQLite with REDIS_URL set: several instances would each have their own database; use postgres://… for more than one instance' },
    );
  } else if (config !== undefined) {
    const pg = parseUrl(dbUrl);
    if (pg !== undefined && !isLoopback(pg) && !pg.searchParams.has('sslmode')) {
      findings.push({ severity: 'warning', subject: 'DATABASE_URL', message: 'the PostgreSQL connection does not require TLS: add ?sslmode=verify-full (or require)' });
    }
  }
  if (redis === undefined) {
    findings.push({ severity: 'warning', subject: 'REDIS_URL', message: 'REDIS_URL is unset: rate-limit counters live in each process, so several instances each enforce their own limits and a restart resets them' });
  }
  return findings;
}

function networkChecks(env: Environment, config: Config | undefined): Finding[] {
  const trust = value(env, 'TRUST_PROXY');
  if (trust === undefined || trust === 'false' || trust === '0') {
    return [{ severity: 'info', subject: 'TRUST_PROXY', message: 'TRUST_PROXY is unset: client IPs are the socket peer; behind a reverse proxy set it to the hop count or the proxy address, or every client shares the proxy\'s rate-limit bucket' }];
  }
  if (config?.trustProxy === true) {
    return [{ severity: 'warning', subject: 'TRUST_PROXY', message: 'TRUST_PROXY=true trusts every X-Forwarded-For hop: a client can choose its own IP (and dodge rate limits) unless your proxy overwrites the header; prefer a hop count (1) or the proxy address' }];
  }
  return [];
}

/** ADMIN_REQUIRE_MFA as production reads it: on unless set to false. */
export function productionAdminRequireMfa(env: Environment): boolean {
  const v = value(env, 'ADMIN_REQUIRE_MFA');
  return v !== 'false' && v !== '0';
}

function mfaChecks(env: Environment): Finding[] {
  if (productionAdminRequireMfa(env)) return [];
  return [{ severity: 'warning', subject: 'ADMIN_REQUIRE_MFA', message: 'ADMIN_REQUIRE_MFA is off: a site admin reaches every admin route, and impersonates, with a password alone' }];
}

function lifetimeChecks(config: Config | undefined): Finding[] {
  if (config === undefined) return [];
  const findings: Finding[] = [];
  if (config.sessionIdleTtlMs >= config.sessionTtlMs) {
    findings.push({ severity: 'warning', subject: 'SESSION_IDLE_TTL', message: 'SESSION_IDLE_TTL is not shorter than SESSION_TTL: idle expiry never applies' });
  }
  if (config.resetTokenTtlMs > 3_600_000) {
    findings.push({ severity: 'warning', subject: 'RESET_TOKEN_TTL', message: 'RESET_TOKEN_TTL is over 1h: a leaked reset link stays usable long' });
  }
  if (config.logLevel === 'debug' || config.logLevel === 'trace') {
    findings.push({ severity: 'warning', subject: 'LOG_LEVEL', message: `LOG_LEVEL=${config.logLevel} is verbose for production; use info` });
  }
  return findings;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Values that must never appear in a finding, even if a message were to quote one. */
function secretValues(env: Environment): string[] {
  const secrets = [env.SESSION_SECRET, env.SESSION_SECRET_PREVIOUS, env.RESEND_API_KEY];
  for (const name of ['MAIL_TRANSPORT', 'DATABASE_URL', 'REDIS_URL']) {
    const raw = value(env, name);
    const url = parseUrl(raw);
    if (url !== undefined && url.password !== '') secrets.push(raw, url.password, safeDecode(url.password));
  }
  return secrets.filter((s): s is string => s !== undefined && s.trim().length >= 3).sort((a, b) => b.length - a.length);
}

function redact(findings: readonly Finding[], secrets: readonly string[]): Finding[] {
  return findings.map((f) => ({
    ...f,
    message: secrets.reduce((m, s) => m.split(s).join('[redacted]'), f.message),
  }));
}

export function auditConfig(env: Environment, options: AuditOptions = {}): Finding[] {
  const boot = bootChecks(env, options);
  const findings = [
    ...nodeEnvChecks(env),
    ...boot.findings,
    ...publicUrlChecks(env),
    ...secretChecks(env),
    ...mailChecks(env, boot.config),
    ...storageChecks(env, boot.config),
    ...networkChecks(env, boot.config),
    ...lifetimeChecks(boot.config),
    ...mfaChecks(env),
  ];
  const ordered = findings.map((f, i) => ({ f, i })).sort((a, b) => SEVERITY_ORDER[a.f.severity] - SEVERITY_ORDER[b.f.severity] || a.i - b.i);
  return redact(ordered.map(({ f }) => f), secretValues(env));
}

export function hasErrors(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
