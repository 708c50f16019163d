import { existsSync } from 'node:fs';
import { openDatabase } from '../db/database.js';
import type { Finding } from '../doctor.js';
import { oidcChecks, type OidcCheckOptions } from './doctor-oidc.js';

const SHOWN_EMAILS = 10;

/**
 * What only the database can tell: site admins without a second factor, and the OpenID Connect
 * provider's clients and signing keys (doctor-oidc.ts). Read-only, and a SQLite file that does not
 * exist yet is never created by looking.
 */
export async function databaseChecks(url: string, adminRequireMfa: boolean, oidc: OidcCheckOptions = { now: Date.now(), secrets: [] }): Promise<Finding[]> {
  const findings: Finding[] = [];
  // The path comes from DATABASE_URL (operator configuration), never from a request.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- operator-configured path
  if (url.startsWith('sqlite:') && url !== 'sqlite::memory:' && !existsSync(url.slice('sqlite:'.length))) {
    findings.push({ severity: 'info', subject: 'DATABASE_URL', message: 'the SQLite database does not exist yet: admins (second factor), OpenID Connect clients and signing keys could not be checked' });
    return findings;
  }
  const db = openDatabase(url);
  try {
    const admins = await db.kysely
      .selectFrom('users')
      .select('email')
      .where('role', '=', 'admin')
      .where('disabled', '=', 0)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('mfa_totp').select('user_id').whereRef('mfa_totp.user_id', '=', 'users.id').where('confirmed_at', 'is not', null))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('passkeys').select('id').whereRef('passkeys.user_id', '=', 'users.id'))))
      .orderBy('email')
      .execute();
    if (admins.length > 0) {
      const names = admins.slice(0, SHOWN_EMAILS).map((a) => a.email).join(', ');
      const more = admins.length > SHOWN_EMAILS ? ` and ${String(admins.length - SHOWN_EMAILS)} more` : '';
      findings.push({
        severity: 'warning',
        subject: 'admins without 2FA',
        message: `${String(admins.length)} site admin(s) without a second factor (${names}${more})${adminRequireMfa ? ': they get 403 mfa_required on admin routes until they set one up' : ''}`,
      });
    }
  } catch (e) {
    findings.push({ severity: 'warning', subject: 'DATABASE_URL', message: `could not check admins for a second factor (${e instanceof Error ? e.name : 'error'}): is the database reachable and migrated?` });
    await db.close();
    return findings;
  }
  try {
    findings.push(...(await oidcChecks(db, oidc)));
  } catch (e) {
    findings.push({ severity: 'warning', subject: 'DATABASE_URL', message: `could not check the OpenID Connect clients and signing keys (${e instanceof Error ? e.name : 'error'}): is the database migrated?` });
  } finally {
    await db.close();
  }
  return findings;
}
