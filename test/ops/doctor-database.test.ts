import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { auditConfig, productionAdminRequireMfa } from '../../src/doctor.js';
import { databaseChecks } from '../../src/ops/doctor-database.js';

const T0 = Date.UTC(2026, 0, 15);

function userRow(id: string, email: string, role: 'user' | 'admin', disabled = 0): Record<string, unknown> {
  return { id, email, name: id, password_hash: 'x', email_verified: 1, role, disabled, created_at: T0, updated_at: T0, password_changed_at: T0, email_changed_at: T0 };
}

describe('doctor: site admins without a second factor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gh-doctor-'));
  const file = join(dir, 'gatehouse.db');
  const url = `sqlite:${file}`;

  beforeAll(async () => {
    const db = openDatabase(url);
    await migrateToLatest(db);
    await db.kysely
      .insertInto('users')
      .values([
        userRow('a1', 'plain-admin@example.test', 'admin'),
        userRow('a2', 'totp-admin@example.test', 'admin'),
        userRow('a3', 'passkey-admin@example.test', 'admin'),
        userRow('a4', 'disabled-admin@example.test', 'admin', 1),
        userRow('u1', 'user@example.test', 'user'),
      ] as never)
      .execute();
    await db.kysely.insertInto('mfa_totp').values({ user_id: 'a2', secret_sealed: 'v1.x.y.z', created_at: T0, confirmed_at: T0, last_step: null }).execute();
    await db.kysely
      .insertInto('passkeys')
      .values({ id: 'p1', user_id: 'a3', credential_id: 'cred', public_key: 'pk', counter: 0, transports: '[]', name: 'k', device_type: 'singleDevice', backed_up: 0, created_at: T0, last_used_at: null })
      .execute();
    await db.close();
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the enabled admins with neither TOTP nor a passkey, and only them', async () => {
    const all = await databaseChecks(url, true);
    const findings = all.filter((f) => f.subject === 'admins without 2FA');
    // Besides them, only notes about the (empty) OpenID Connect provider (test/oidc/doctor.test.ts).
    expect(all.filter((f) => f.subject !== 'admins without 2FA').map((f) => f.severity)).toEqual(['info', 'info']);
    expect(findings).toHaveLength(1);
    expect(findings[0]?.severity).toBe('warning');
    expect(findings[0]?.message).toContain('1 site admin(s) without a second factor (plain-admin@example.test)');
    expect(findings[0]?.message).toContain('403 mfa_required');
    for (const other of ['totp-admin', 'passkey-admin', 'disabled-admin', 'user@']) expect(findings[0]?.message).not.toContain(other);
  });

  it('a missing SQLite file is reported, never created by looking', async () => {
    const missing = join(dir, 'nope', 'missing.db');
    const findings = await databaseChecks(`sqlite:${missing}`, true);
    expect(findings.map((f) => f.severity)).toEqual(['info']);
    expect(existsSync(missing)).toBe(false);
  });

  it('ADMIN_REQUIRE_MFA is on for production unless set to false, and off is a warning', () => {
    expect(productionAdminRequireMfa({})).toBe(true);
    expect(productionAdminRequireMfa({ ADMIN_REQUIRE_MFA: 'true' })).toBe(true);
    expect(productionAdminRequireMfa({ ADMIN_REQUIRE_MFA: 'false' })).toBe(false);
    const off = auditConfig({ ADMIN_REQUIRE_MFA: 'false' }).filter((f) => f.subject === 'ADMIN_REQUIRE_MFA');
    expect(off.map((f) => f.severity)).toEqual(['warning']);
    expect(auditConfig({}).filter((f) => f.subject === 'ADMIN_REQUIRE_MFA')).toEqual([]);
  });
});
