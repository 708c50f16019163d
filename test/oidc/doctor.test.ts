import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import type { Finding } from '../../src/doctor.js';
import { addClient } from '../../src/oidc/clients.js';
import { ensureSigningKeys, rotateSigningKeys } from '../../src/oidc/keys.js';
import { oidcDb } from '../../src/oidc/tables.js';
import { insecureRedirectUri, oidcChecks, SIGNING_KEY_MAX_AGE_MS } from '../../src/ops/doctor-oidc.js';
import { createTestClock } from '../../src/clock.js';
import { buildTestApp, TEST_DIALECT, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { runCli, tempDir } from '../ops/processes.js';

const OTHER_SECRET = 'doctor-oidc-another-secret-0123456789-abcdefghij';
const DAY_MS = 86_400_000;

let t: TestApp | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function app(): Promise<TestApp> {
  t = await buildTestApp({ clock: createTestClock(Date.UTC(2026, 0, 15)) });
  return t;
}

function about(findings: readonly Finding[], subject: string): Finding[] {
  return findings.filter((f) => f.subject === subject);
}

describe('doctor: the OpenID Connect provider', () => {
  it('counts the clients, and names a client whose redirect or logout URIs are not https (loopback http of native apps is fine)', async () => {
    const a = await app();
    const now = a.clock.now();
    const none = await oidcChecks(a.db, { now, secrets: [TEST_SECRET] });
    expect(about(none, 'OIDC clients')).toEqual([{ severity: 'info', subject: 'OIDC clients', message: expect.stringContaining('no OpenID Connect client') as string }]);

    await addClient(a.db, { name: 'Wiki', redirectUris: ['https://wiki.example/cb'], postLogoutRedirectUris: ['https://wiki.example/bye'] }, now);
    await addClient(a.db, { name: 'CLI', redirectUris: ['http://127.0.0.1:8400/cb', 'http://localhost/cb', 'http://[::1]:9000/cb'], public: true }, now);
    const { client: legacy } = await addClient(a.db, { name: 'Legacy', redirectUris: ['https://legacy.example/cb', 'http://legacy.example/cb'], postLogoutRedirectUris: ['http://legacy.example/bye'] }, now);
    const findings = about(await oidcChecks(a.db, { now, secrets: [TEST_SECRET] }), 'OIDC clients');
    expect(findings.map((f) => f.severity)).toEqual(['info', 'warning']);
    expect(findings[0]?.message).toBe('3 OpenID Connect client(s) registered: 2 confidential, 1 public');
    expect(findings[1]?.message).toContain(`client "Legacy" (${legacy.clientId})`);
    expect(findings[1]?.message).toContain('http://legacy.example/cb, http://legacy.example/bye');
    expect(findings[1]?.message).not.toContain('https://legacy.example/cb');
    for (const fine of ['Wiki', 'CLI', '127.0.0.1:8400', 'localhost/cb', '[::1]:9000']) expect(findings[1]?.message).not.toContain(fine);
  });

  it('tells loopback http apart from look-alikes', () => {
    for (const ok of ['https://x.example/cb', 'http://127.0.0.1:1/cb', 'http://127.10.0.1/cb', 'http://localhost:5173/cb', 'http://[::1]/cb']) expect(insecureRedirectUri(ok), ok).toBe(false);
    for (const bad of ['http://x.example/cb', 'http://127.0.0.1.evil.example/cb', 'http://localhost.evil.example/cb', 'http://10.0.0.1/cb', 'not a url']) expect(insecureRedirectUri(bad), bad).toBe(true);
  });

  it('fresh signing keys raise nothing; an active key older than 180 days is a warning to rotate, gone after the rotation', async () => {
    const a = await app();
    const made = a.clock.now();
    expect(about(await oidcChecks(a.db, { now: made + SIGNING_KEY_MAX_AGE_MS, secrets: [TEST_SECRET] }), 'OIDC signing keys')).toEqual([]);
    const later = made + SIGNING_KEY_MAX_AGE_MS + DAY_MS;
    const old = about(await oidcChecks(a.db, { now: later, secrets: [TEST_SECRET] }), 'OIDC signing keys');
    expect(old.map((f) => f.severity)).toEqual(['warning', 'warning']);
    expect(old.map((f) => /active (\w+) signing key/.exec(f.message)?.[1])).toEqual(['ES256', 'RS256']);
    for (const f of old) expect(f.message).toMatch(/181 days old, over 180: run `npm run cli -- oidc-keys rotate`/);
    await rotateSigningKeys(a.db, TEST_SECRET, later);
    expect(about(await oidcChecks(a.db, { now: later, secrets: [TEST_SECRET] }), 'OIDC signing keys')).toEqual([]);
  });

  it('an algorithm with only retired keys is a warning; no key at all (before the first start) is a note', async () => {
    const a = await app();
    const now = a.clock.now();
    await oidcDb(a.db).updateTable('oidc_keys').set({ retired_at: now }).where('alg', '=', 'RS256').execute();
    const retired = about(await oidcChecks(a.db, { now, secrets: [TEST_SECRET] }), 'OIDC signing keys');
    expect(retired).toEqual([{ severity: 'warning', subject: 'OIDC signing keys', message: 'no active RS256 signing key (only retired ones): run `npm run cli -- oidc-keys rotate`' }]);
    await oidcDb(a.db).deleteFrom('oidc_keys').execute();
    expect(about(await oidcChecks(a.db, { now, secrets: [TEST_SECRET] }), 'OIDC signing keys').map((f) => f.severity)).toEqual(['info']);
  });

  it('an active key that no configured secret opens is an error (the server would not start); SESSION_SECRET_PREVIOUS opening it is fine', async () => {
    const a = await app();
    const now = a.clock.now();
    const lost = about(await oidcChecks(a.db, { now, secrets: [OTHER_SECRET] }), 'OIDC signing keys');
    expect(lost.map((f) => f.severity)).toEqual(['error', 'error']);
    for (const f of lost) {
      expect(f.message).toContain('the server refuses to start');
      expect(f.message).not.toContain(OTHER_SECRET);
      expect(f.message).not.toContain(TEST_SECRET);
    }
    expect(about(await oidcChecks(a.db, { now, secrets: [OTHER_SECRET, TEST_SECRET] }), 'OIDC signing keys')).toEqual([]);
    // Without SESSION_SECRET (reported by the configuration audit) the keys are not opened at all.
    expect(about(await oidcChecks(a.db, { now, secrets: [] }), 'OIDC signing keys')).toEqual([]);
  });
});

describe.skipIf(TEST_DIALECT !== 'sqlite')('cli: doctor reads the OpenID Connect provider from the database', () => {
  const SECRET = 'Qz9-doctor-oidc-canary-k3J8pL2mN7vB4xR6tY1wE5uI0oA';
  const env = (dbFile: string, patch: Record<string, string> = {}): Record<string, string> => ({
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://auth.example.com',
    SESSION_SECRET: SECRET,
    MAIL_TRANSPORT: 'resend',
    RESEND_API_KEY: 're_fake_key_doctor_oidc',
    MAIL_FROM: 'Gatehouse <no-reply@auth.example.com>',
    DATABASE_URL: `sqlite:${dbFile}`,
    TRUST_PROXY: '1',
    ...patch,
  });

  it('an http client is a warning (exit 0); keys sealed under another secret are an error (exit 1); no secret printed', async () => {
    const dir = tempDir();
    const dbFile = join(dir, 'gatehouse.db');
    const db = openDatabase(`sqlite:${dbFile}`);
    try {
      await migrateToLatest(db);
      await ensureSigningKeys(db, SECRET, Date.now());
      await addClient(db, { name: 'Plain', redirectUris: ['http://plain.example/cb'] }, Date.now());
    } finally {
      await db.close();
    }
    const ok = await runCli(['doctor'], { env: env(dbFile), cwd: dir });
    expect(ok.stdout).toMatch(/INFO\s+OIDC clients\s+1 OpenID Connect client\(s\) registered/);
    expect(ok.stdout).toMatch(/WARNING\s+OIDC clients\s+client "Plain"/);
    expect(ok.stdout).not.toMatch(/OIDC signing keys/);
    expect(ok.code, ok.stdout).toBe(0);

    const other = 'Qz9-another-doctor-oidc-canary-P2mN7vB4xR6tY1wE5uI0oAk3J8';
    const lost = await runCli(['doctor'], { env: env(dbFile, { SESSION_SECRET: other }), cwd: dir });
    expect(lost.stdout).toMatch(/ERROR\s+OIDC signing keys/);
    expect(lost.code).toBe(1);
    const rotating = await runCli(['doctor'], { env: env(dbFile, { SESSION_SECRET: other, SESSION_SECRET_PREVIOUS: SECRET }), cwd: dir });
    expect(rotating.stdout).not.toMatch(/OIDC signing keys/);
    expect(rotating.code, rotating.stdout).toBe(0);
    for (const r of [ok, lost, rotating]) for (const secret of [SECRET, other]) expect(r.stdout + r.stderr).not.toContain(secret);
  });
});
