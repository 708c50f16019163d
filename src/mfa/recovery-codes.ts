import { createHash, randomInt } from 'node:crypto';
import type { Executor } from '../db/database.js';
import { newId } from '../crypto/random.js';

export const RECOVERY_CODE_COUNT = 10;
/** No i, l, o, 0 or 1: nothing to confuse when a code is read off paper. 31 symbols. */
const ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const GROUPS = 5;
const GROUP_LENGTH = 5;

/**
 * `xxxxx-xxxxx-xxxxx-xxxxx-xxxxx`: 25 symbols of 31, about 124 random bits, above ASVS 6.5.2's
 * 112-bit line for look-up secrets kept as a plain hash. (Codes issued before were 4×4, ~79 bits;
 * they still work until the user makes a new set.)
 */
function newCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < GROUPS; g += 1) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i += 1) group += ALPHABET.charAt(randomInt(ALPHABET.length));
    groups.push(group);
  }
  return groups.join('-');
}

/** Case-insensitive, dashes optional: `ABCD-efgh-…` and `abcdefgh…` are the same code. */
export function normalizeRecoveryCode(code: string): string {
  return code.replace(/-/g, '').toLowerCase();
}

/**
 * Codes carry ~124 random bits, so a plain SHA-256 is enough to make a database dump useless: a
 * slow password hash protects low-entropy secrets, these are not (and a lookup by hash stays one
 * indexed query instead of ten argon2 runs).
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex');
}

/** Replaces all of the user's codes with RECOVERY_CODE_COUNT new ones; returns them (shown once). */
export async function replaceRecoveryCodes(trx: Executor, userId: string, now: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await trx
    .insertInto('recovery_codes')
    .values(codes.map((code) => ({ id: newId(), user_id: userId, code_hash: hashRecoveryCode(code), created_at: now, used_at: null })))
    .execute();
  return codes;
}

/** Marks the code used; true only for the one request that used an unused code of this user. */
export async function consumeRecoveryCode(db: Executor, userId: string, code: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashRecoveryCode(code))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function countRecoveryCodes(db: Executor, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function deleteRecoveryCodes(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}
