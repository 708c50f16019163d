import type { Executor } from '../db/database.js';
import type { ChallengePurpose } from '../db/schema.js';
import { newId } from '../crypto/random.js';

/** A WebAuthn ceremony must finish within this long (the contract: at most 5 minutes). */
export const CHALLENGE_TTL_MS = 5 * 60_000;

export interface ChallengeBinding {
  readonly purpose: ChallengePurpose;
  /** The session (register, reauth), pending login (mfa) or browser cookie (passwordless) that asked. */
  readonly boundTo: string;
  readonly userId: string | null;
}

export async function storeChallenge(db: Executor, challenge: string, binding: ChallengeBinding, now: number): Promise<void> {
  // Expired challenges of anyone are swept on the way: the table holds only the last few minutes.
  await db.deleteFrom('webauthn_challenges').where('expires_at', '<', now - CHALLENGE_TTL_MS).execute();
  await db
    .insertInto('webauthn_challenges')
    .values({ id: newId(), challenge, purpose: binding.purpose, user_id: binding.userId, bound_to: binding.boundTo, created_at: now, expires_at: now + CHALLENGE_TTL_MS, used_at: null })
    .execute();
}

/**
 * Uses up a challenge: true only for the one request that presents an unexpired, unused challenge
 * issued for this purpose to this very session / pending login / browser. A challenge of another
 * session, another purpose, an old one or a replayed one never verifies anything.
 */
export async function takeChallenge(db: Executor, challenge: string, binding: ChallengeBinding, now: number): Promise<boolean> {
  const r = await db
    .updateTable('webauthn_challenges')
    .set({ used_at: now })
    .where('challenge', '=', challenge)
    .where('purpose', '=', binding.purpose)
    .where('bound_to', '=', binding.boundTo)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
