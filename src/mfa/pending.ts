import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import type { MfaPending } from '../db/schema.js';
import type { TokenKeys } from '../crypto/jwt.js';
import { signToken, verifyToken } from '../crypto/jwt.js';
import { randomToken } from '../crypto/random.js';
import { queryTemplate } from '../db/template.js';

/** A password login waits at most this long for its second factor (the contract: 5 minutes). */
export const PENDING_TTL_MS = 5 * 60_000;
/** Wrong codes that end a pending login for good. */
export const PENDING_MAX_FAILURES = 5;

// The statements of a second-factor login, built once (src/db/template.ts).
const insertPending = queryTemplate('insertPending', ['id', 'user_id', 'created_at', 'expires_at', 'failures', 'ended_at', 'first_method'], (db, p: MfaPending) => db.insertInto('mfa_pending').values(p));
const pendingById = queryTemplate('pendingById', ['id'], (db, p: { id: string }) => db.selectFrom('mfa_pending').selectAll().where('id', '=', p.id));
const endLive = queryTemplate('endPending', ['id', 'now'], (db, p: { id: string; now: number }) =>
  db.updateTable('mfa_pending').set({ ended_at: p.now }).where('id', '=', p.id).where('ended_at', 'is', null).where('expires_at', '>', p.now),
);

export interface PendingLogin {
  readonly id: string;
  readonly userId: string;
  readonly token: string;
}

/**
 * The `gh_mfa` token: audience `gatehouse-mfa` under its own key, so it can never pass for a
 * session token (nor the reverse); its id names a database row, which makes it single-use and
 * lets wrong codes end it on every instance.
 */
export async function createPendingLogin(db: Executor, keys: TokenKeys, userId: string, now: number, firstMethod?: string): Promise<PendingLogin> {
  const id = randomToken();
  await insertPending.changed(db, { id, user_id: userId, created_at: now, expires_at: now + PENDING_TTL_MS, failures: 0, ended_at: null, first_method: firstMethod ?? null });
  const token = await signToken(keys, { pid: id }, { subject: userId, issuedAtSec: Math.floor(now / 1000), expiresAtSec: Math.floor((now + PENDING_TTL_MS) / 1000) });
  return { id, userId, token };
}

/** The live pending login this token names, or null (forged, expired, used, ended, or of nobody). */
export async function readPendingLogin(db: Executor, keys: TokenKeys, token: string, now: number): Promise<MfaPending | null> {
  if (token.length > 2048) return null;
  const outcome = await verifyToken(keys, token, now);
  if (!outcome.ok) return null;
  const { pid, sub } = outcome.payload;
  if (typeof pid !== 'string' || typeof sub !== 'string') return null;
  const row = await pendingById.first(db, { id: pid });
  if (row?.user_id !== sub || row.ended_at !== null || row.expires_at <= now) return null;
  return row;
}

/**
 * Deletes pending logins that expired more than PENDING_TTL_MS ago. The server's prune timer runs
 * it for every user at once (an expired row is refused by readPendingLogin anyway), so logins do not pay for it.
 */
export async function prunePendingLogins(db: Executor, now: number): Promise<number> {
  const r = await db.deleteFrom('mfa_pending').where('expires_at', '<', now - PENDING_TTL_MS).executeTakeFirst();
  return Number(r.numDeletedRows);
}

/** Counts a wrong code; the PENDING_MAX_FAILURES-th ends the pending login. Returns whether it is still alive. */
export async function failPendingLogin(db: Executor, id: string, now: number): Promise<boolean> {
  await db
    .updateTable('mfa_pending')
    .set({
      failures: sql<number>`failures + 1`,
      ended_at: sql<number | null>`case when failures + 1 >= ${PENDING_MAX_FAILURES} then cast(${now} as bigint) else null end`,
    })
    .where('id', '=', id)
    .where('ended_at', 'is', null)
    .execute();
  const row = await db.selectFrom('mfa_pending').select('ended_at').where('id', '=', id).executeTakeFirst();
  return row !== undefined && row.ended_at === null;
}

/** Ends the pending login; true only for the one request that ended a live one (single use). */
export async function endPendingLogin(db: Executor, id: string, now: number): Promise<boolean> {
  return (await endLive.changed(db, { id, now })) === 1;
}
