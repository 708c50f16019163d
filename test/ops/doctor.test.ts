import { describe, expect, it } from 'vitest';
import type { Environment } from '../../src/config.js';
import { auditConfig, estimateEntropyBits, hasErrors, type Finding } from '../../src/doctor.js';
import { tempDir } from './processes.js';

const SECRET = 'Qz9-doctor-unit-canary-k3J8pL2mN7vB4xR6tY1wE5uI0oA';
const SAFE: Environment = {
  NODE_ENV: 'production',
  PUBLIC_URL: 'https://auth.example.com',
  SESSION_SECRET: SECRET,
  MAIL_TRANSPORT: 'smtps://mailer:fake-smtp-pass@smtp.example.com:465',
  MAIL_FROM: 'Gatehouse <no-reply@example.com>',
  DATABASE_URL: 'postgres://gatehouse:fake-db-pass@db.internal:5432/gatehouse?sslmode=verify-full',
  REDIS_URL: 'rediss://:fake-redis-pass@cache.internal:6380',
  TRUST_PROXY: '1',
};
const SECRETS = [SECRET, 'fake-smtp-pass', 'fake-db-pass', 'fake-redis-pass'];

function audit(patch: Environment = {}): Finding[] {
  return auditConfig({ ...SAFE, ...patch }, { cwd: tempDir() });
}

function bySeverity(findings: readonly Finding[], severity: Finding['severity']): string[] {
  return findings.filter((f) => f.severity === severity).map((f) => f.subject);
}

describe('doctor: auditConfig', () => {
  it('a production-ready environment has no finding at all', () => {
    expect(audit()).toEqual([]);
  });

  it.each([
    ['SESSION_SECRET missing', { SESSION_SECRET: undefined }, 'SESSION_SECRET'],
    ['SESSION_SECRET of 31 bytes', { SESSION_SECRET: 'k'.repeat(31) }, 'SESSION_SECRET'],
    ['SESSION_SECRET_PREVIOUS short', { SESSION_SECRET_PREVIOUS: 'short-old' }, 'SESSION_SECRET_PREVIOUS'],
    ['MAIL_TRANSPORT missing', { MAIL_TRANSPORT: undefined }, 'MAIL_TRANSPORT'],
    ['MAIL_TRANSPORT=outbox', { MAIL_TRANSPORT: 'outbox' }, 'MAIL_TRANSPORT'],
    ['MAIL_TRANSPORT=console', { MAIL_TRANSPORT: 'console' }, 'MAIL_TRANSPORT'],
    ['resend without a key', { MAIL_TRANSPORT: 'resend' }, 'MAIL_TRANSPORT'],
    ['resend over plain http to a remote host', { MAIL_TRANSPORT: 'resend', RESEND_API_KEY: 're_fake', RESEND_BASE_URL: 'http://api.example.com' }, 'RESEND_BASE_URL'],
    ['PUBLIC_URL http', { PUBLIC_URL: 'http://auth.example.com' }, 'PUBLIC_URL'],
    ['PUBLIC_URL unset', { PUBLIC_URL: undefined }, 'PUBLIC_URL'],
    ['PUBLIC_URL invalid', { PUBLIC_URL: 'auth.example.com' }, 'PUBLIC_URL'],
    ['a NODE_ENV typo', { NODE_ENV: 'prod' }, 'NODE_ENV'],
    ['an invalid duration', { SESSION_TTL: '1 week' }, 'SESSION_TTL'],
    ['an invalid DATABASE_URL', { DATABASE_URL: 'mysql://db' }, 'DATABASE_URL'],
  ])('%s is an error', (_name, patch, subject) => {
    const findings = audit(patch);
    expect(hasErrors(findings)).toBe(true);
    expect(bySeverity(findings, 'error')).toEqual([subject]);
  });

  it.each([
    ['NODE_ENV unset', { NODE_ENV: undefined }, 'NODE_ENV'],
    ['a low-entropy secret', { SESSION_SECRET: 'ab'.repeat(32) }, 'SESSION_SECRET'],
    ['a placeholder secret', { SESSION_SECRET: 'change-me-change-me-change-me-change-me' }, 'SESSION_SECRET'],
    ['REDIS_URL unset', { REDIS_URL: undefined }, 'REDIS_URL'],
    ['SQLite with Redis (several instances)', { DATABASE_URL: 'sqlite:/var/lib/gatehouse/db.sqlite' }, 'DATABASE_URL'],
    ['an in-memory database', { DATABASE_URL: 'sqlite::memory:' }, 'DATABASE_URL'],
    ['PostgreSQL without TLS to a remote host', { DATABASE_URL: 'postgres://gatehouse:fake-db-pass@db.internal/gatehouse' }, 'DATABASE_URL'],
    ['TRUST_PROXY=true', { TRUST_PROXY: 'true' }, 'TRUST_PROXY'],
    ['a localhost MAIL_FROM', { MAIL_FROM: undefined }, 'MAIL_FROM'],
    ['idle TTL not below the absolute TTL', { SESSION_IDLE_TTL: '7d' }, 'SESSION_IDLE_TTL'],
    ['a long reset TTL', { RESET_TOKEN_TTL: '2h' }, 'RESET_TOKEN_TTL'],
    ['LOG_LEVEL=debug', { LOG_LEVEL: 'debug' }, 'LOG_LEVEL'],
    ['SMTP with certificate checks off', { MAIL_TRANSPORT: 'smtps://mailer:fake-smtp-pass@smtp.example.com:465?tls.rejectUnauthorized=false' }, 'MAIL_TRANSPORT'],
    ['SESSION_SECRET_PREVIOUS equal to the secret', { SESSION_SECRET_PREVIOUS: SECRET }, 'SESSION_SECRET_PREVIOUS'],
  ])('%s is a warning, not an error', (_name, patch, subject) => {
    const findings = audit(patch);
    expect(hasErrors(findings)).toBe(false);
    expect(bySeverity(findings, 'warning')).toEqual([subject]);
  });

  it('SQLite alone (one instance) and TRUST_PROXY unset are notes', () => {
    const findings = audit({ DATABASE_URL: 'sqlite:./data/gatehouse.db', REDIS_URL: undefined, TRUST_PROXY: undefined });
    expect(bySeverity(findings, 'error')).toEqual([]);
    expect(bySeverity(findings, 'warning')).toEqual(['REDIS_URL']);
    expect(bySeverity(findings, 'info')).toEqual(['DATABASE_URL', 'TRUST_PROXY']);
  });

  it('an empty environment: every production blocker at once, errors listed first', () => {
    const findings = auditConfig({}, { cwd: tempDir() });
    expect(bySeverity(findings, 'error').sort()).toEqual(['MAIL_TRANSPORT', 'PUBLIC_URL', 'SESSION_SECRET']);
    const firstNonError = findings.findIndex((f) => f.severity !== 'error');
    expect(findings.slice(firstNonError).every((f) => f.severity !== 'error')).toBe(true);
  });

  it('the audit is of production even in development, and writes no development secret', () => {
    const cwd = tempDir();
    const findings = auditConfig({ NODE_ENV: 'development' }, { cwd });
    expect(bySeverity(findings, 'error')).toContain('SESSION_SECRET');
    expect(bySeverity(findings, 'warning')).toContain('NODE_ENV');
  });

  it('never quotes a secret, whatever the finding', () => {
    const envs: Environment[] = [
      { ...SAFE },
      { ...SAFE, NODE_ENV: 'development', PUBLIC_URL: 'http://x.example.com', TRUST_PROXY: 'true', MAIL_TRANSPORT: 'smtp://mailer:fake-smtp-pass@smtp.example.com' },
      { ...SAFE, SESSION_SECRET_PREVIOUS: SECRET, DATABASE_URL: 'postgres://gatehouse:fake-db-pass@db.internal/gatehouse' },
      { ...SAFE, SESSION_SECRET: 'fake-smtp-pass' },
    ];
    for (const env of envs) {
      const text = JSON.stringify(auditConfig(env, { cwd: tempDir() }));
      for (const secret of SECRETS) expect(text).not.toContain(secret);
    }
  });
});

describe('doctor: entropy estimate', () => {
  it('is low for repetition and small alphabets, high for random base64', () => {
    expect(estimateEntropyBits('a'.repeat(64))).toBe(0);
    expect(estimateEntropyBits('ab'.repeat(32))).toBe(64);
    expect(estimateEntropyBits('q7Hk2pZ9xL4mN8vB3cR6tY1wE5uI0oAsDfGjKlZxCvBnM1Q2W3E4R5T6Y7U8')).toBeGreaterThan(200);
  });
});
