import { expressionBuilder, type AliasableExpression, type AliasedExpression } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Database } from '../db/schema.js';

export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

export interface FactorCounts {
  readonly totp: boolean;
  readonly passkeys: number;
  readonly recoveryCodesLeft: number;
}

/*
 * What counts as a factor is written once, here, as correlated subqueries on `users.id`: any query
 * over `users` (the login lookup, the admin list, the member list) selects them, so they never drift.
 */
type Count = AliasableExpression<number | string>;

/** 1 when the user has a confirmed authenticator app (a pending setup is not a factor), else 0. */
export function confirmedTotpCount(): Count {
  const eb = expressionBuilder<Database, 'users'>();
  return eb.selectFrom('mfa_totp').select((e) => e.fn.countAll<number | string>().as('n')).whereRef('mfa_totp.user_id', '=', 'users.id').where('mfa_totp.confirmed_at', 'is not', null).$asScalar();
}

export function passkeyCount(): Count {
  const eb = expressionBuilder<Database, 'users'>();
  return eb.selectFrom('passkeys').select((e) => e.fn.countAll<number | string>().as('n')).whereRef('passkeys.user_id', '=', 'users.id').$asScalar();
}

export function unusedRecoveryCodeCount(): Count {
  const eb = expressionBuilder<Database, 'users'>();
  return eb.selectFrom('recovery_codes').select((e) => e.fn.countAll<number | string>().as('n')).whereRef('recovery_codes.user_id', '=', 'users.id').where('recovery_codes.used_at', 'is', null).$asScalar();
}

/** The three counts as columns `f_totp`, `f_passkeys`, `f_codes`; read them back with toFactorCounts. */
export function factorColumns(): [AliasedExpression<number | string, 'f_totp'>, AliasedExpression<number | string, 'f_passkeys'>, AliasedExpression<number | string, 'f_codes'>] {
  return [confirmedTotpCount().as('f_totp'), passkeyCount().as('f_passkeys'), unusedRecoveryCodeCount().as('f_codes')];
}

export interface FactorColumns {
  readonly f_totp: number | string;
  readonly f_passkeys: number | string;
  readonly f_codes: number | string;
}

export function toFactorCounts(r: FactorColumns): FactorCounts {
  return { totp: Number(r.f_totp) > 0, passkeys: Number(r.f_passkeys), recoveryCodesLeft: Number(r.f_codes) };
}

/** The user's factors in one statement (three indexed counts). */
export async function countFactors(db: Executor, userId: string): Promise<FactorCounts> {
  const row = await db.selectFrom('users').select(factorColumns()).where('users.id', '=', userId).executeTakeFirst();
  return row === undefined ? { totp: false, passkeys: 0, recoveryCodesLeft: 0 } : toFactorCounts(row);
}

export function hasSecondFactor(f: FactorCounts): boolean {
  return f.totp || f.passkeys > 0;
}

/** The ways a pending password login can be completed, in the contract's names. */
export function secondFactorMethods(f: FactorCounts): SecondFactorMethod[] {
  if (!hasSecondFactor(f)) return [];
  const methods: SecondFactorMethod[] = [];
  if (f.totp) methods.push('totp');
  if (f.passkeys > 0) methods.push('passkey');
  if (f.recoveryCodesLeft > 0) methods.push('recovery_code');
  return methods;
}

/** Removes every factor of the user (TOTP, passkeys, recovery codes), e.g. an admin reset. */
export async function removeAllFactors(trx: Executor, userId: string): Promise<void> {
  await trx.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
  await trx.deleteFrom('passkeys').where('user_id', '=', userId).execute();
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await trx.deleteFrom('mfa_pending').where('user_id', '=', userId).execute();
}
