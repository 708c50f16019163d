import type { CompiledQuery } from 'kysely';
import type { Db, Executor, PreparedSelect, RowShape } from '../db/database.js';
import type { OrgRole } from '../account/users.js';

/** Everything one authenticated request needs, loaded by a single SQL statement. */
export interface AuthRow {
  session_id: string;
  user_id: string;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  revoked_at: number | null;
  impersonator_id: string | null;
  impersonator_session_id: string | null;
  auth_methods: string;
  email: string;
  name: string;
  role: 'user' | 'admin';
  disabled: number;
  email_verified: number;
  user_created_at: number;
  org_id: string | null;
  org_name: string | null;
  org_role: OrgRole | null;
  org_require_mfa: number | null;
  /** 1 when the user has a confirmed TOTP or a passkey. */
  has_mfa: number;
  imp_email: string | null;
  imp_name: string | null;
  imp_role: 'user' | 'admin' | null;
  imp_disabled: number | null;
  imp_session_revoked_at: number | null;
  imp_session_expires_at: number | null;
  imp_session_last_active_at: number | null;
}

// eslint-disable-next-line @typescript-eslint/explicit-function-return-type -- Kysely's builder type is the point: it keeps the selected columns typed
function authRowQuery(db: Executor, sessionId: string) {
  return db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('memberships as m', 'm.user_id', 'u.id')
    .leftJoin('organizations as o', 'o.id', 'm.org_id')
    .leftJoin('users as iu', 'iu.id', 's.impersonator_id')
    .leftJoin('sessions as isess', 'isess.id', 's.impersonator_session_id')
    .select([
      's.id as session_id',
      's.user_id',
      's.created_at',
      's.last_active_at',
      's.expires_at',
      's.revoked_at',
      's.impersonator_id',
      's.impersonator_session_id',
      's.auth_methods',
      'u.email',
      'u.name',
      'u.role',
      'u.disabled',
      'u.email_verified',
      'u.created_at as user_created_at',
      'o.id as org_id',
      'o.name as org_name',
      'm.role as org_role',
      'o.require_mfa as org_require_mfa',
      // Two indexed probes inside the same statement: the policy gate costs no extra round trip.
      (eb) =>
        eb
          .case()
          .when(
            eb.or([
              eb.exists(eb.selectFrom('mfa_totp as t').select('t.user_id').whereRef('t.user_id', '=', 'u.id').where('t.confirmed_at', 'is not', null)),
              eb.exists(eb.selectFrom('passkeys as p').select('p.id').whereRef('p.user_id', '=', 'u.id')),
            ]),
          )
          .then(1)
          .else(0)
          .end()
          .as('has_mfa'),
      'iu.email as imp_email',
      'iu.name as imp_name',
      'iu.role as imp_role',
      'iu.disabled as imp_disabled',
      'isess.revoked_at as imp_session_revoked_at',
      'isess.expires_at as imp_session_expires_at',
      'isess.last_active_at as imp_session_last_active_at',
    ])
    .where('s.id', '=', sessionId);
}

function compileAuthRow(db: Executor): CompiledQuery<AuthRow> {
  const compiled = authRowQuery(db, '').compile();
  // The statement is reused with only the session id swapped in.
  if (compiled.parameters.length !== 1) throw new Error('auth row query: expected exactly one parameter');
  return compiled;
}

/** The auth row's columns in select order; the driver checks them against the statement once. */
export const AUTH_ROW_COLUMNS = [
  'session_id',
  'user_id',
  'created_at',
  'last_active_at',
  'expires_at',
  'revoked_at',
  'impersonator_id',
  'impersonator_session_id',
  'auth_methods',
  'email',
  'name',
  'role',
  'disabled',
  'email_verified',
  'user_created_at',
  'org_id',
  'org_name',
  'org_role',
  'org_require_mfa',
  'has_mfa',
  'imp_email',
  'imp_name',
  'imp_role',
  'imp_disabled',
  'imp_session_revoked_at',
  'imp_session_expires_at',
  'imp_session_last_active_at',
] as const satisfies readonly (keyof AuthRow)[];

/** One object literal of a fixed shape per request (test/core/auth-row.test.ts pins the indices). */
export function authRowFromTuple(t: readonly unknown[]): AuthRow {
  return {
    session_id: t[0] as string,
    user_id: t[1] as string,
    created_at: t[2] as number,
    last_active_at: t[3] as number,
    expires_at: t[4] as number,
    revoked_at: t[5] as number | null,
    impersonator_id: t[6] as string | null,
    impersonator_session_id: t[7] as string | null,
    auth_methods: t[8] as string,
    email: t[9] as string,
    name: t[10] as string,
    role: t[11] as AuthRow['role'],
    disabled: t[12] as number,
    email_verified: t[13] as number,
    user_created_at: t[14] as number,
    org_id: t[15] as string | null,
    org_name: t[16] as string | null,
    org_role: t[17] as OrgRole | null,
    org_require_mfa: t[18] as number | null,
    has_mfa: t[19] as number,
    imp_email: t[20] as string | null,
    imp_name: t[21] as string | null,
    imp_role: t[22] as AuthRow['imp_role'],
    imp_disabled: t[23] as number | null,
    imp_session_revoked_at: t[24] as number | null,
    imp_session_expires_at: t[25] as number | null,
    imp_session_last_active_at: t[26] as number | null,
  };
}

const AUTH_ROW_SHAPE: RowShape<AuthRow> = { columns: AUTH_ROW_COLUMNS, fromTuple: authRowFromTuple };

/** The per-request lookup as a prepared statement, built once per database (only the id varies). */
export function authRowStatement(db: Db): PreparedSelect<AuthRow> {
  return db.prepared('gatehouse_auth_row', () => compileAuthRow(db.kysely), AUTH_ROW_SHAPE);
}
