import { lockUser, type Db, type Executor } from '../db/database.js';
import type { SessionEndReason } from './end-reason.js';
import type { Session } from '../db/schema.js';
import { randomToken } from '../crypto/random.js';
import { queryTemplate } from '../db/template.js';

/** `lastActiveAt` is written at most this often per session; idle expiry is accurate to it. */
export const TOUCH_INTERVAL_MS = 60_000;
/** Revoked and expired rows are kept this long (for the audit trail of recent devices), then pruned. */
export const PRUNE_AFTER_MS = 24 * 3_600_000;

export interface SessionPolicy {
  readonly ttlMs: number;
  readonly idleMs: number;
  readonly maxSessions: number;
}

export interface NewSessionInput {
  readonly userId: string;
  readonly now: number;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** A session presented with the login request: revoked, so a login never keeps an old id alive. */
  readonly replaceSessionId: string | null;
  readonly impersonation?: { readonly adminId: string; readonly adminSessionId: string; readonly ttlMs: number };
  /** How the user proved who they are, e.g. ['password', 'totp']; default ['password']. */
  readonly authMethods?: readonly AuthMethod[];
}

/** `provider:<name>`: signed in through an external provider (Sign in with Google, GitHub…). */
export type AuthMethod = 'password' | 'totp' | 'recovery_code' | 'passkey' | 'impersonation' | `provider:${string}`;

/** Second factors (and a passkey, which is two factors in one). */
export const STRONG_METHODS: readonly AuthMethod[] = ['totp', 'recovery_code', 'passkey'];

export function parseAuthMethods(raw: string): AuthMethod[] {
  return raw.split(',').filter((m): m is AuthMethod => ['password', 'totp', 'recovery_code', 'passkey', 'impersonation'].includes(m) || /^provider:[a-z0-9_]+$/.test(m));
}

export function madeWithSecondFactor(raw: string): boolean {
  return parseAuthMethods(raw).some((m) => STRONG_METHODS.includes(m));
}

export interface CreatedSession {
  readonly session: Session;
  readonly evicted: readonly string[];
}

/** Runs inside createSession's transaction once the session is in and the cap enforced (e.g. its security events). */
export type WithinSession = (trx: Executor, created: CreatedSession) => Promise<void>;

const SESSION_COLUMNS = ['id', 'user_id', 'created_at', 'last_active_at', 'expires_at', 'revoked_at', 'revoked_reason', 'ip', 'user_agent', 'impersonator_id', 'impersonator_session_id', 'auth_methods'] as const;

// The statements of a login, built once (src/db/template.ts).
const insertSession = queryTemplate('insertSession', SESSION_COLUMNS, (db, p: Session) => db.insertInto('sessions').values(p));
const revokeLive = queryTemplate('revokeLive', ['id', 'now', 'reason'], (db, p: { id: string; now: number; reason: SessionEndReason }) =>
  db.updateTable('sessions').set({ revoked_at: p.now, revoked_reason: p.reason }).where('id', '=', p.id).where('revoked_at', 'is', null),
);
/** The user's live sessions that count toward the cap, most recently active first. */
const liveUserSessions = queryTemplate('liveUserSessions', ['userId', 'now', 'activeSince'], (db, p: { userId: string; now: number; activeSince: number }) =>
  db
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', p.userId)
    .where('revoked_at', 'is', null)
    .where('impersonator_id', 'is', null)
    .where('expires_at', '>', p.now)
    .where('last_active_at', '>', p.activeSince)
    .orderBy('last_active_at', 'desc')
    .orderBy('created_at', 'desc'),
);
const touch = queryTemplate('touchSession', ['id', 'now', 'touchedBefore'], (db, p: { id: string; now: number; touchedBefore: number }) =>
  db.updateTable('sessions').set({ last_active_at: p.now }).where('id', '=', p.id).where('last_active_at', '<=', p.touchedBefore),
);

export async function createSession(db: Db, policy: SessionPolicy, input: NewSessionInput, within?: WithinSession): Promise<CreatedSession> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, db.dialect, input.userId);
    if (input.replaceSessionId !== null) {
      // The browser signs in again over its own session: that one is signed out.
      await revokeLive.changed(trx, { id: input.replaceSessionId, now: input.now, reason: 'signed_out' });
    }
    const imp = input.impersonation;
    const session: Session = {
      id: randomToken(),
      user_id: input.userId,
      created_at: input.now,
      last_active_at: input.now,
      expires_at: input.now + (imp?.ttlMs ?? policy.ttlMs),
      revoked_at: null,
      revoked_reason: null,
      ip: input.ip,
      user_agent: input.userAgent,
      impersonator_id: imp?.adminId ?? null,
      impersonator_session_id: imp?.adminSessionId ?? null,
      auth_methods: (input.authMethods ?? (imp === undefined ? ['password'] : ['impersonation'])).join(','),
    };
    await insertSession.changed(trx, session);
    // An impersonation session does not count toward the user's cap.
    const evicted = imp === undefined ? await evictBeyondCap(trx, policy, input, session.id) : [];
    const created = { session, evicted };
    await within?.(trx, created);
    return created;
  });
}

/**
 * Revokes the least recently active sessions beyond the cap, keeping `keepId` (the new one). It runs
 * inside the same transaction as the insert (user row locked on PostgreSQL, single writer on
 * SQLite), so concurrent logins can never leave more than maxSessions alive.
 */
async function evictBeyondCap(trx: Executor, policy: SessionPolicy, input: NewSessionInput, keepId: string): Promise<string[]> {
  const active = await liveUserSessions.rows(trx, { userId: input.userId, now: input.now, activeSince: input.now - policy.idleMs });
  const evicted = active.filter((s) => s.id !== keepId).slice(policy.maxSessions - 1).map((s) => s.id);
  // Usually one (the cap is reached one login at a time): one template instead of an `in` list per length.
  for (const id of evicted) await revokeLive.changed(trx, { id, now: input.now, reason: 'session_evicted' });
  return evicted;
}

export async function touchSession(db: Executor, sessionId: string, now: number): Promise<void> {
  await touch.changed(db, { id: sessionId, now, touchedBefore: now - TOUCH_INTERVAL_MS });
}

export async function listActiveSessions(db: Executor, userId: string, now: number, idleMs: number): Promise<Session[]> {
  return db
    .selectFrom('sessions')
    .selectAll()
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .where('last_active_at', '>', now - idleMs)
    .orderBy('last_active_at', 'desc')
    .execute();
}

/** Revokes one of the user's sessions; false when it is not theirs or already gone. */
export async function revokeUserSession(db: Executor, userId: string, sessionId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('sessions')
    .set({ revoked_at: now, revoked_reason: 'session_revoked' })
    .where('id', '=', sessionId)
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function revokeSessionById(db: Executor, sessionId: string, now: number, reason: SessionEndReason): Promise<void> {
  await db.updateTable('sessions').set({ revoked_at: now, revoked_reason: reason }).where('id', '=', sessionId).where('revoked_at', 'is', null).execute();
}

/** Revokes every live session of the user except `keepId` (null: all). Returns the revoked ids. */
export async function revokeUserSessions(db: Executor, userId: string, keepId: string | null, now: number, reason: SessionEndReason): Promise<string[]> {
  let q = db.selectFrom('sessions').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).where('expires_at', '>', now);
  if (keepId !== null) q = q.where('id', '!=', keepId);
  const ids = (await q.execute()).map((r) => r.id);
  if (ids.length > 0) await db.updateTable('sessions').set({ revoked_at: now, revoked_reason: reason }).where('id', 'in', ids).execute();
  return ids;
}

/**
 * Deletes sessions revoked or expired more than PRUNE_AFTER_MS ago, for every user at once (the
 * server runs it every few minutes), so the table does not grow without bound; logins do not pay
 * for it.
 */
export async function pruneSessions(db: Executor, now: number): Promise<number> {
  const r = await db
    .deleteFrom('sessions')
    .where((eb) => eb.or([eb('revoked_at', '<', now - PRUNE_AFTER_MS), eb('expires_at', '<', now - PRUNE_AFTER_MS)]))
    .executeTakeFirst();
  return Number(r.numDeletedRows);
}
