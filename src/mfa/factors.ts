import type { Executor } from '../db/database.js';

export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

export interface FactorCounts {
  readonly totp: boolean;
  readonly passkeys: number;
  readonly recoveryCodesLeft: number;
}

/** The user's factors in one statement (three indexed counts). */
export async function countFactors(db: Executor, userId: string): Promise<FactorCounts> {
  const row = await db
    .selectNoFrom((eb) => [
      eb.selectFrom('mfa_totp').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('confirmed_at', 'is not', null).as('totp'),
      eb.selectFrom('passkeys').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).as('passkeys'),
      eb.selectFrom('recovery_codes').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('used_at', 'is', null).as('codes'),
    ])
    .executeTakeFirst();
  return { totp: Number(row?.totp ?? 0) > 0, passkeys: Number(row?.passkeys ?? 0), recoveryCodesLeft: Number(row?.codes ?? 0) };
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
