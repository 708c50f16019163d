import { Secret, TOTP } from 'otpauth';
import type { Executor } from '../db/database.js';
import type { Expression, ExpressionBuilder, SqlBool, Updateable } from 'kysely';
import type { Database, MfaTotp, MfaTotpTable } from '../db/schema.js';
import { queryTemplate } from '../db/template.js';
import type { SecretBox } from './secret-box.js';

/** RFC 6238 as the contract fixes it: SHA-1, 6 digits, 30 s steps, ±1 step of drift. */
const PERIOD_SEC = 30;
const DRIFT_STEPS = 1;
const ISSUER = 'Gatehouse';

function totpFor(secretBase32: string, label: string): TOTP {
  return new TOTP({ issuer: ISSUER, label, algorithm: 'SHA1', digits: 6, period: PERIOD_SEC, secret: Secret.fromBase32(secretBase32) });
}

export interface TotpEnrollment {
  readonly secret: string;
  readonly otpauthUri: string;
}

/** A new random 160-bit secret (RFC 4226's recommended length) and its otpauth:// URI. */
export function newTotpSecret(label: string): TotpEnrollment {
  const secret = new Secret({ size: 20 }).base32;
  return { secret, otpauthUri: totpFor(secret, label).toString() };
}

/** The time step a code matches (within ±1 step of `nowMs`), or null. */
export function matchingStep(secretBase32: string, code: string, nowMs: number): number | null {
  const delta = totpFor(secretBase32, 'x').validate({ token: code, timestamp: nowMs, window: DRIFT_STEPS });
  return delta === null ? null : Math.floor(nowMs / 1000 / PERIOD_SEC) + delta;
}

const totpOfUser = queryTemplate('totpOfUser', ['userId'], (db, p: { userId: string }) => db.selectFrom('mfa_totp').selectAll().where('user_id', '=', p.userId));

export async function findTotp(db: Executor, userId: string): Promise<MfaTotp | undefined> {
  return totpOfUser.first(db, { userId });
}

/** Replaces any pending (unconfirmed) setup with a new one. Never touches a confirmed one. */
export async function savePendingTotp(db: Executor, box: SecretBox, userId: string, secret: string, now: number): Promise<void> {
  await db.deleteFrom('mfa_totp').where('user_id', '=', userId).where('confirmed_at', 'is', null).execute();
  await db.insertInto('mfa_totp').values({ user_id: userId, secret_sealed: box.seal(secret, userId), created_at: now, confirmed_at: null, last_step: null }).execute();
}

export type TotpCheck = 'ok' | 'wrong';

/** The compare-and-set that makes a code single-use: only a step later than the last accepted one. */
function stepIsNew(step: number): (eb: ExpressionBuilder<Database, 'mfa_totp'>) => Expression<SqlBool> {
  return (eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', step)]);
}

const advanceStep = queryTemplate('advanceTotpStep', ['userId', 'step'], (db, p: { userId: string; step: number }) =>
  db.updateTable('mfa_totp').set({ last_step: p.step }).where('user_id', '=', p.userId).where(stepIsNew(p.step)),
);

/** The same compare-and-set, writing more with the step (a confirmed setup, a resealed secret). */
async function advanceStepWith(db: Executor, userId: string, step: number, also: Pick<Updateable<MfaTotpTable>, 'confirmed_at' | 'secret_sealed'>): Promise<number> {
  const r = await db
    .updateTable('mfa_totp')
    .set({ last_step: step, ...also })
    .where('user_id', '=', userId)
    .where(stepIsNew(step))
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** A code that matched a step later than the last accepted one; not yet claimed (see claimTotpStep). */
export interface TotpMatch {
  readonly userId: string;
  readonly step: number;
  /** Set when the secret opened only with the previous key: the claim reseals it under the current one. */
  readonly resealAs?: string;
}

/**
 * Matches a code against the user's TOTP (`confirmed`: the enabled one; otherwise the pending setup)
 * without accepting it: a code is accepted only by claimTotpStep's compare-and-set.
 */
export async function matchTotpCode(db: Executor, box: SecretBox, userId: string, code: string, nowMs: number, which: 'confirmed' | 'pending'): Promise<TotpMatch | null> {
  const row = await findTotp(db, userId);
  if (row === undefined || (which === 'confirmed') !== (row.confirmed_at !== null)) return null;
  const opened = box.open(row.secret_sealed, userId);
  if (opened === null) return null;
  const step = matchingStep(opened.plaintext, code, nowMs);
  if (step === null || (row.last_step !== null && step <= row.last_step)) return null;
  // Opened with the previous secret's key during a rotation: the claim moves it to the current key.
  return opened.stale ? { userId, step, resealAs: box.seal(opened.plaintext, userId) } : { userId, step };
}

/**
 * Accepts a matched code at most once: the step is written with a compare-and-set, so the same code
 * (or an older one) is refused afterwards, also when two requests race with it. A sign-in runs it
 * inside the session's transaction, so the code is spent only by a sign-in that commits.
 */
export async function claimTotpStep(db: Executor, match: TotpMatch, confirmAt?: number): Promise<boolean> {
  const { userId, step, resealAs } = match;
  // A sign-in's code (the common case) only moves the step; confirming a setup or resealing is rare.
  const changed =
    confirmAt === undefined && resealAs === undefined
      ? await advanceStep.changed(db, { userId, step })
      : await advanceStepWith(db, userId, step, {
          ...(confirmAt === undefined ? {} : { confirmed_at: confirmAt }),
          ...(resealAs === undefined ? {} : { secret_sealed: resealAs }),
        });
  return changed === 1;
}

/** matchTotpCode then claimTotpStep, for the checks that are not a sign-in (confirming a setup, turning TOTP off). */
export async function checkTotpCode(db: Executor, box: SecretBox, userId: string, code: string, nowMs: number, which: 'confirmed' | 'pending'): Promise<TotpCheck> {
  const match = await matchTotpCode(db, box, userId, code, nowMs, which);
  if (match === null) return 'wrong';
  return (await claimTotpStep(db, match, which === 'pending' ? nowMs : undefined)) ? 'ok' : 'wrong';
}

export async function deleteTotp(db: Executor, userId: string): Promise<void> {
  await db.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
}
