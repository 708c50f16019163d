import type { Services } from '../services.js';
import type { RequestMeta } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import { AppError } from '../errors.js';
import { NO_PASSWORD } from '../account/auth-service.js';
import { reauthenticate, type ReauthProof } from '../mfa/reauth.js';

/** How long after signing in an account without a password or passkey may still link a provider. */
export const LINK_RECENT_SIGN_IN_MS = 10 * 60_000;

/** What the account can present to re-authenticate. */
export interface AccountProofs {
  readonly password: boolean;
  readonly passkey: boolean;
}

export async function accountProofs(s: Services, userId: string): Promise<AccountProofs> {
  const user = await s.db.kysely.selectFrom('users').select('password_hash').where('id', '=', userId).executeTakeFirst();
  if (user === undefined) throw new AppError('unauthenticated');
  const passkeys = await s.db.kysely.selectFrom('passkeys').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirst();
  return { password: user.password_hash !== NO_PASSWORD, passkey: Number(passkeys?.n ?? 0) > 0 };
}

/**
 * A linked provider is a new, lasting way into the account, so linking is a sensitive change: a
 * stolen session alone must not be enough to add the thief's own provider account. Whoever can
 * re-authenticate (password, or a passkey) must, as for an email change or deletion.
 *
 * An account made by a provider, with no password and no passkey, has nothing to present. For it
 * the proof is a recent sign-in instead: the session must have been created (through the provider,
 * which just authenticated the user) within LINK_RECENT_SIGN_IN_MS. A session stolen later in its
 * life, or kept alive by activity, is too old; the user signs in again, which a thief cannot do.
 * A proof sent anyway is checked like any other (a password never verifies for such an account).
 */
export async function requireLinkProof(s: Services, auth: AuthContext, proof: ReauthProof, meta: RequestMeta): Promise<void> {
  if (proof.password === undefined && proof.passkey === undefined) {
    const can = await accountProofs(s, auth.user.id);
    if (!can.password && !can.passkey) {
      if (s.clock.now() - auth.session.createdAt > LINK_RECENT_SIGN_IN_MS) {
        throw new AppError('forbidden', `For your safety, linking a provider needs a recent sign-in. Sign out, sign in again, then link it within ${String(LINK_RECENT_SIGN_IN_MS / 60_000)} minutes.`);
      }
      return;
    }
  }
  await reauthenticate(s, auth, proof, meta);
}
