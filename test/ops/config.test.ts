import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDuration, readEnvironment, type Config, type Environment } from '../../src/config.js';
import { tempDir } from './processes.js';

const SECRET = 'fake-config-test-secret-0123456789-abcdefghijklmnop';
const PRODUCTION: Environment = { NODE_ENV: 'production', SESSION_SECRET: SECRET, MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 're_fake_key' };

function load(env: Environment): Config {
  return loadConfig(env, { persistDevSecret: false, cwd: tempDir() });
}

function problemsOf(env: Environment): readonly string[] {
  try {
    load(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('config: durations', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['24h', 86_400_000],
    ['7d', 604_800_000],
    [' 2h ', 7_200_000],
  ])('%s = %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '15', 'm', '1w', '-5m', '0s', '1.5h', '15 m', '15M', 'forever', '99999999999999999d'])('%j is not a duration', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });

  it('duration variables are parsed; an invalid one is refused with its name', () => {
    const config = load({ SESSION_TTL: '30d', SESSION_IDLE_TTL: '2h', RESET_TOKEN_TTL: '10m', VERIFY_TOKEN_TTL: '1h', INVITE_TOKEN_TTL: '1d', IMPERSONATION_TTL: '5m' });
    expect(config.sessionTtlMs).toBe(30 * 86_400_000);
    expect(config.sessionIdleTtlMs).toBe(2 * 3_600_000);
    expect(config.resetTokenTtlMs).toBe(600_000);
    expect(config.verifyTokenTtlMs).toBe(3_600_000);
    expect(config.inviteTokenTtlMs).toBe(86_400_000);
    expect(config.impersonationTtlMs).toBe(300_000);
    expect(problemsOf({ SESSION_TTL: 'forever' })).toEqual(['SESSION_TTL must be a duration like 30s, 15m, 24h or 7d']);
    expect(problemsOf({ RESET_TOKEN_TTL: '0m' })).toEqual(['RESET_TOKEN_TTL must be a duration like 30s, 15m, 24h or 7d']);
  });

  it('REQUEST_TIMEOUT and KEEP_ALIVE_TIMEOUT are durations of at most 1h (socket timers overflow beyond ~24 days)', () => {
    const c = load({ REQUEST_TIMEOUT: '500ms', KEEP_ALIVE_TIMEOUT: '1h' });
    expect([c.requestTimeoutMs, c.keepAliveTimeoutMs]).toEqual([500, 3_600_000]);
    expect(problemsOf({ REQUEST_TIMEOUT: '0s' })).toEqual(['REQUEST_TIMEOUT must be a duration like 30s, 15m, 24h or 7d']);
    expect(problemsOf({ REQUEST_TIMEOUT: '61m', KEEP_ALIVE_TIMEOUT: '30d' })).toEqual(['REQUEST_TIMEOUT must be at most 1h', 'KEEP_ALIVE_TIMEOUT must be at most 1h']);
  });
});

describe('config: defaults (the contract table)', () => {
  it('an empty environment gives every documented default', () => {
    const c = load({});
    expect(c.production).toBe(false);
    expect(c.nodeEnv).toBe('development');
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(3000);
    expect(c.publicUrl).toBe('http://localhost:3000');
    expect(c.publicOrigin).toBe('http://localhost:3000');
    expect(c.https).toBe(false);
    expect(c.databaseUrl).toBe('sqlite:./data/gatehouse.db');
    expect(c.redisUrl).toBeUndefined();
    expect(c.sessionSecretPrevious).toBeUndefined();
    expect(c.mail.transport).toBe('outbox');
    expect(c.mail.from).toBe('Gatehouse <no-reply@localhost>');
    expect(c.maxSessions).toBe(5);
    expect(c.sessionTtlMs).toBe(7 * 86_400_000);
    expect(c.sessionIdleTtlMs).toBe(24 * 3_600_000);
    expect(c.verifyTokenTtlMs).toBe(24 * 3_600_000);
    expect(c.resetTokenTtlMs).toBe(15 * 60_000);
    expect(c.inviteTokenTtlMs).toBe(72 * 3_600_000);
    expect(c.impersonationTtlMs).toBe(30 * 60_000);
    expect(c.registerMaxPerIp).toBe(20);
    expect(c.emailMaxPerAddress).toBe(5);
    expect(c.loginMaxFailures).toBe(10);
    expect(c.loginMaxFailuresPerAccountHour).toBe(100);
    expect(c.passwordMinLength).toBe(8);
    expect(c.requestTimeoutMs).toBe(30_000);
    expect(c.keepAliveTimeoutMs).toBe(72_000);
    expect(c.trustProxy).toBe(false);
    expect(c.logLevel).toBe('info');
  });

  it('PUBLIC_URL defaults to the configured port; an https PUBLIC_URL switches https on', () => {
    expect(load({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
    const https = load({ PUBLIC_URL: 'https://auth.example.com/' });
    expect(https.publicUrl).toBe('https://auth.example.com');
    expect(https.publicOrigin).toBe('https://auth.example.com');
    expect(https.https).toBe(true);
  });

  it('values are read as given', () => {
    const c = load({ HOST: '0.0.0.0', MAX_SESSIONS: '3', REGISTER_MAX_PER_IP: '7', EMAIL_MAX_PER_ADDRESS: '2', LOGIN_MAX_FAILURES: '4', LOGIN_MAX_FAILURES_PER_ACCOUNT: '40', PASSWORD_MIN_LENGTH: '12', REDIS_URL: 'redis://127.0.0.1:6379', MAIL_FROM: 'Ops <ops@example.com>' });
    expect([c.host, c.maxSessions, c.registerMaxPerIp, c.emailMaxPerAddress, c.loginMaxFailures, c.loginMaxFailuresPerAccountHour, c.passwordMinLength]).toEqual(['0.0.0.0', 3, 7, 2, 4, 40, 12]);
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.mail.from).toBe('Ops <ops@example.com>');
  });

  it.each([
    ['true', true],
    ['1', 1],
    ['2', 2],
    ['false', false],
    ['0', false],
    ['10.0.0.1,10.0.0.2', '10.0.0.1,10.0.0.2'],
  ])('TRUST_PROXY=%s → %j', (raw, parsed) => {
    expect(load({ TRUST_PROXY: raw }).trustProxy).toEqual(parsed);
  });
});

describe('config: `??` semantics and invalid values', () => {
  it('a zero is a value, not "unset": MAX_SESSIONS=0 is refused rather than defaulted', () => {
    expect(problemsOf({ MAX_SESSIONS: '0' })).toEqual(['MAX_SESSIONS must be an integer from 1 to 1000']);
    expect(load({ PORT: '0' }).port).toBe(0);
  });

  it('an empty value means unset (the default applies)', () => {
    expect(load({ MAX_SESSIONS: '', PORT: '  ' }).maxSessions).toBe(5);
    expect(load({ PORT: '' }).port).toBe(3000);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', '80a'],
    ['MAX_SESSIONS', '-1'],
    ['MAX_SESSIONS', '2.5'],
    ['MAX_SESSIONS', '1e2'],
    ['MAX_SESSIONS', '0x10'],
    ['LOGIN_MAX_FAILURES', 'ten'],
    ['LOGIN_MAX_FAILURES_PER_ACCOUNT', '0'],
    ['REGISTER_MAX_PER_IP', '0'],
    ['EMAIL_MAX_PER_ADDRESS', '0'],
    ['PASSWORD_MIN_LENGTH', '7'],
    ['PASSWORD_MIN_LENGTH', '257'],
    ['PUBLIC_URL', 'ftp://example.com'],
    ['PUBLIC_URL', 'not a url'],
    ['MAIL_TRANSPORT', 'carrier-pigeon'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['DATABASE_URL', './gatehouse.db'],
    ['REDIS_URL', 'localhost:6379'],
    ['NODE_ENV', 'prod'],
    ['NODE_ENV', 'Production'],
    ['LOG_LEVEL', 'verbose'],
  ])('%s=%j is refused, naming the variable', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.startsWith(name)).toBe(true);
  });

  it('every problem is reported at once, not only the first', () => {
    const problems = problemsOf({ PORT: 'x', MAX_SESSIONS: '0', SESSION_TTL: 'y' });
    expect(problems).toHaveLength(3);
  });

  it('a problem message never echoes the value (which may be a secret)', () => {
    const malformedSmtp = 'smtp:/user:fake-smtp-password@mail.example.com';
    const e = (() => {
      try {
        load({ ...PRODUCTION, SESSION_SECRET: 'fake-short-canary', MAIL_TRANSPORT: malformedSmtp });
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).message).not.toContain('fake-short-canary');
    expect((e as ConfigError).message).not.toContain('fake-smtp-password');
  });
});

describe('config: production strictness', () => {
  it('a complete production environment loads', () => {
    const c = load(PRODUCTION);
    expect(c.production).toBe(true);
    expect(c.sessionSecret).toBe(SECRET);
    expect(c.mail.transport).toBe('resend');
  });

  it('SESSION_SECRET: missing or under 32 bytes is refused; exactly 32 bytes is accepted; bytes, not characters, count', () => {
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET: undefined })).toEqual(['SESSION_SECRET is required in production (at least 32 random bytes)']);
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET: 'x'.repeat(31) })).toEqual(['SESSION_SECRET must be at least 32 bytes']);
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET: 'x'.repeat(32) })).toEqual([]);
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET: '€'.repeat(11) })).toEqual([]); // 33 bytes, 11 characters
    expect(problemsOf({ ...PRODUCTION, SESSION_SECRET_PREVIOUS: 'x'.repeat(31) })).toEqual(['SESSION_SECRET_PREVIOUS must be at least 32 bytes']);
    expect(load({ ...PRODUCTION, SESSION_SECRET_PREVIOUS: `old-${SECRET}` }).sessionSecretPrevious).toBe(`old-${SECRET}`);
  });

  it('MAIL_TRANSPORT: required; outbox and console refused; resend needs its key; smtp accepted', () => {
    expect(problemsOf({ ...PRODUCTION, MAIL_TRANSPORT: undefined })).toEqual(['MAIL_TRANSPORT is required in production (smtp://… or resend)']);
    expect(problemsOf({ ...PRODUCTION, MAIL_TRANSPORT: 'outbox' })[0]).toMatch(/outbox is for development only/);
    expect(problemsOf({ ...PRODUCTION, MAIL_TRANSPORT: 'console' })[0]).toMatch(/console is for development only/);
    expect(problemsOf({ ...PRODUCTION, RESEND_API_KEY: undefined })).toEqual(['MAIL_TRANSPORT=resend needs RESEND_API_KEY']);
    const smtp = load({ ...PRODUCTION, MAIL_TRANSPORT: 'smtps://user:fake-pw@mail.example.com:465' });
    expect(smtp.mail.transport).toBe('smtp');
    expect(smtp.mail.smtpUrl).toBe('smtps://user:fake-pw@mail.example.com:465');
  });

  it('development accepts a short secret and console mail (only production is strict)', () => {
    const c = load({ SESSION_SECRET: 'dev', MAIL_TRANSPORT: 'console' });
    expect(c.production).toBe(false);
    expect(c.mail.transport).toBe('console');
  });
});

describe('config: frozen', () => {
  it('the config and its mail section cannot be changed', () => {
    const c = load({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.mail)).toBe(true);
    expect(() => {
      (c as { maxSessions: number }).maxSessions = 1000;
    }).toThrow(TypeError);
    expect(() => {
      (c.mail as { transport: string }).transport = 'console';
    }).toThrow(TypeError);
    expect(c.maxSessions).toBe(5);
  });
});

describe('config: development secret', () => {
  it('is generated once, kept in ./data/session-secret (mode 0600), and reused', () => {
    const cwd = tempDir();
    const first = loadConfig({}, { cwd });
    const file = join(cwd, 'data', 'session-secret');
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(Buffer.byteLength(first.sessionSecret)).toBeGreaterThanOrEqual(32);
    expect(loadConfig({}, { cwd }).sessionSecret).toBe(first.sessionSecret);
  });

  it('a truncated secret file is replaced, never used as a weak key', () => {
    const cwd = tempDir();
    mkdirSync(join(cwd, 'data'));
    writeFileSync(join(cwd, 'data', 'session-secret'), 'short\n');
    const c = loadConfig({}, { cwd });
    expect(c.sessionSecret).not.toBe('short');
    expect(Buffer.byteLength(c.sessionSecret)).toBeGreaterThanOrEqual(32);
    expect(readFileSync(join(cwd, 'data', 'session-secret'), 'utf8').trim()).toBe(c.sessionSecret);
  });

  it('persistDevSecret: false writes nothing; production never writes one', () => {
    const cwd = tempDir();
    loadConfig({}, { cwd, persistDevSecret: false });
    expect(existsSync(join(cwd, 'data'))).toBe(false);
    expect(() => loadConfig({ ...PRODUCTION, SESSION_SECRET: undefined }, { cwd })).toThrow(ConfigError);
    expect(existsSync(join(cwd, 'data'))).toBe(false);
  });
});

describe('config: readEnvironment', () => {
  const touched: string[] = [];
  afterEach(() => {
    for (const name of touched.splice(0)) Reflect.deleteProperty(process.env, name);
  });

  it('reads .env from the given directory; the real environment wins; the result is frozen', () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), '# comment\nGH_TEST_ONLY_IN_FILE=from-file\nGH_TEST_IN_BOTH=from-file\nGH_TEST_QUOTED="a b"\n');
    process.env.GH_TEST_IN_BOTH = 'from-real-env';
    touched.push('GH_TEST_IN_BOTH');
    const env = readEnvironment(cwd);
    expect(env.GH_TEST_ONLY_IN_FILE).toBe('from-file');
    expect(env.GH_TEST_IN_BOTH).toBe('from-real-env');
    expect(env.GH_TEST_QUOTED).toBe('a b');
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('without a .env file it is the real environment', () => {
    const cwd = tempDir();
    process.env.GH_TEST_REAL_ONLY = 'real';
    touched.push('GH_TEST_REAL_ONLY');
    const env = readEnvironment(cwd);
    expect(env.GH_TEST_REAL_ONLY).toBe('real');
    expect(env.GH_TEST_ONLY_IN_FILE).toBeUndefined();
  });
});
