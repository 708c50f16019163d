import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { Services } from '../services.js';
import type { Passkey } from '../db/schema.js';
import { recordEvents, type RequestMeta } from '../events/security-events.js';
import type { ChallengeBinding } from './challenges.js';
import { findPasskeyByCredentialId, recordPasskeyUse } from './passkeys.js';
import { verifyAssertion } from './webauthn.js';

export type PasskeyAssertion =
  | { readonly ok: true; readonly passkey: Passkey }
  | { readonly ok: false; readonly reason: 'invalid' | 'counter' };

/**
 * One assertion, start to end: the credential must exist (and belong to `userId` when the caller
 * knows who is signing in), the challenge must be this binding's, the signature and user
 * verification must hold, and the counter must move forward. A counter that goes backwards is a
 * cloned authenticator: refused and recorded in the owner's security log.
 */
export async function assertPasskey(
  s: Services,
  response: AuthenticationResponseJSON,
  binding: ChallengeBinding,
  userId: string | null,
  meta: RequestMeta,
): Promise<PasskeyAssertion> {
  const now = s.clock.now();
  const passkey = await findPasskeyByCredentialId(s.db.kysely, response.id);
  // Someone else's credential (or an unknown one) is refused like a bad signature.
  if (passkey === undefined || (userId !== null && passkey.user_id !== userId)) return { ok: false, reason: 'invalid' };
  // A discoverable credential names its account: the user handle must be the owner's id.
  const handle = response.response.userHandle;
  if (handle !== undefined && Buffer.from(handle, 'base64url').toString('utf8') !== passkey.user_id) return { ok: false, reason: 'invalid' };
  const outcome = await verifyAssertion(s.db.kysely, s.config, response, passkey, binding, now);
  if (!outcome.ok) {
    if (outcome.reason === 'counter') {
      const owner = await s.db.kysely.selectFrom('users').select(['id', 'email']).where('id', '=', passkey.user_id).executeTakeFirst();
      if (owner !== undefined) {
        await recordEvents(s.db.kysely, [
          { type: 'passkey_counter_regressed', userId: owner.id, actor: null, target: owner, meta, at: now },
          { type: 'login_failed', userId: owner.id, actor: null, target: owner, meta, at: now },
        ]);
      }
    }
    return outcome;
  }
  if (!(await recordPasskeyUse(s.db.kysely, passkey, outcome.newCounter, now))) return { ok: false, reason: 'counter' };
  return { ok: true, passkey };
}
