import type { Executor } from '../db/database.js';
import type { NewPasskey, Passkey } from '../db/schema.js';

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

export function toPasskeyView(p: Passkey): PasskeyView {
  return {
    id: p.id,
    name: p.name,
    createdAt: new Date(p.created_at).toISOString(),
    lastUsedAt: p.last_used_at === null ? null : new Date(p.last_used_at).toISOString(),
  };
}

export async function listPasskeys(db: Executor, userId: string): Promise<Passkey[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

export async function countPasskeys(db: Executor, userId: string): Promise<number> {
  const row = await db.selectFrom('passkeys').select((eb) => eb.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function insertPasskey(db: Executor, passkey: NewPasskey): Promise<void> {
  await db.insertInto('passkeys').values(passkey).execute();
}

export async function findPasskeyByCredentialId(db: Executor, credentialId: string): Promise<Passkey | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

/** Scoped to the owner: someone else's passkey id behaves like an unknown one. */
export async function findUserPasskey(db: Executor, userId: string, id: string): Promise<Passkey | undefined> {
  return db.selectFrom('passkeys').selectAll().where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
}

export async function renamePasskey(db: Executor, userId: string, id: string, name: string): Promise<boolean> {
  const r = await db.updateTable('passkeys').set({ name }).where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function deletePasskey(db: Executor, userId: string, id: string): Promise<boolean> {
  const r = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  return Number(r.numDeletedRows) === 1;
}

/**
 * Records a use with the authenticator's new signature counter, as a compare-and-set on the old
 * one: of two racing assertions with the same counter only one wins (a cloned key shows up).
 */
export async function recordPasskeyUse(db: Executor, passkey: Passkey, newCounter: number, now: number): Promise<boolean> {
  const r = await db
    .updateTable('passkeys')
    .set({ counter: newCounter, last_used_at: now })
    .where('id', '=', passkey.id)
    .where('counter', '=', passkey.counter)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
