import type { Services } from '../services.js';
import type { Identity } from '../db/schema.js';
import { lockUser } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { AppError } from '../errors.js';
import { newId } from '../crypto/random.js';
import { recordEvent, recordEvents, type RequestMeta } from '../events/security-events.js';
import { createOrganizationWithOwner } from '../org/organizations.js';
import { isValidEmail, normalizeEmail } from '../account/email-address.js';
import { NO_PASSWORD } from '../account/auth-service.js';
import { findUserByEmail, findUserWithOrg, insertUser, newUserRow, type UserWithOrg } from '../account/users.js';
import { OauthError, type ExternalProfile } from './outcomes.js';
import { sendIdentityNotice } from './notices.js';

/** The provider's email, only when the provider says it verified it (else null: never trusted). */
function verifiedEmail(profile: ExternalProfile): string | null {
  if (!profile.emailVerified || profile.email === null) return null;
  const email = normalizeEmail(profile.email);
  return isValidEmail(email) ? email : null;
}

function displayName(profile: ExternalProfile, email: string): string {
  // eslint-disable-next-line no-control-regex -- control characters from a provider's profile are dropped
  const cleaned = (profile.name ?? '').normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
  return cleaned === '' ? (email.split('@')[0] ?? 'user').slice(0, 100) : cleaned;
}

export async function findIdentity(s: Services, provider: string, subject: string): Promise<Identity | undefined> {
  return s.db.kysely.selectFrom('identities').selectAll().where('provider', '=', provider).where('subject', '=', subject).executeTakeFirst();
}

export async function listIdentities(s: Services, userId: string): Promise<Identity[]> {
  return s.db.kysely.selectFrom('identities').selectAll().where('user_id', '=', userId).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
}

/**
 * Sign-in: a linked identity signs its user in. An unlinked one creates a verified account, but only
 * for a verified email that no account has. An email an existing account already has is never
 * linked here (account pre-hijacking, both ways): whoever registered it first — with a password, or
 * at another provider — is not necessarily its owner, and whoever controls this provider account is
 * not necessarily the owner of that Gatehouse account. The owner signs in and links from the profile.
 */
export async function resolveSignIn(s: Services, provider: string, profile: ExternalProfile, meta: RequestMeta): Promise<UserWithOrg> {
  const linked = await findIdentity(s, provider, profile.subject);
  if (linked !== undefined) {
    const user = await findUserWithOrg(s.db.kysely, linked.user_id);
    if (user === undefined) throw new OauthError('oauth_failed');
    return user;
  }
  const email = verifiedEmail(profile);
  if (email === null) throw new OauthError('oauth_email_unverified');
  if ((await findUserByEmail(s.db.kysely, email)) !== undefined) throw new OauthError('oauth_account_exists');
  // New accounts from a provider count toward the same per-address registration limit.
  await s.limiter.consume(s.limits.registerIp, meta.ip ?? 'unknown');
  const name = displayName(profile, email);
  const now = s.clock.now();
  const userId = newId();
  const party = { id: userId, email };
  try {
    await s.db.kysely.transaction().execute(async (trx) => {
      // No password (it can never verify; the user may set one through "forgot password"). The provider
      // verified this address (email_verified: true), so the account starts verified.
      await insertUser(trx, newUserRow({ id: userId, email, name, passwordHash: NO_PASSWORD, verified: true, now }));
      await createOrganizationWithOwner(trx, { orgId: newId(), name: `${name}'s organization`, userId, now });
      await trx.insertInto('identities').values({ id: newId(), user_id: userId, provider, subject: profile.subject, email, created_at: now }).execute();
      await recordEvents(trx, [
        { type: 'user_registered', userId, actor: party, target: party, meta, at: now },
        { type: 'identity_linked', userId, actor: party, target: party, meta, at: now, provider },
      ]);
    });
  } catch (e) {
    // A concurrent sign-up took the email or the identity first: the same answer as if it had been first.
    if (isUniqueViolation(e)) throw new OauthError('oauth_account_exists');
    throw e;
  }
  const user = await findUserWithOrg(s.db.kysely, userId);
  if (user === undefined) throw new OauthError('oauth_failed');
  return user;
}

/** Linking from the profile page: the signed-in user proved the provider account is theirs. */
export async function linkIdentity(s: Services, userId: string, provider: string, profile: ExternalProfile, meta: RequestMeta): Promise<void> {
  const existing = await findIdentity(s, provider, profile.subject);
  if (existing !== undefined) {
    if (existing.user_id === userId) return;
    throw new OauthError('oauth_identity_taken');
  }
  // An unverified provider email never links either: the same rule everywhere, no exceptions.
  const email = verifiedEmail(profile);
  if (email === null) throw new OauthError('oauth_email_unverified');
  const user = await findUserWithOrg(s.db.kysely, userId);
  if (user === undefined) throw new OauthError('oauth_failed');
  const party = { id: user.id, email: user.email };
  const now = s.clock.now();
  try {
    await s.db.kysely.transaction().execute(async (trx) => {
      await trx.insertInto('identities').values({ id: newId(), user_id: userId, provider, subject: profile.subject, email, created_at: now }).execute();
      await recordEvent(trx, { type: 'identity_linked', userId, actor: party, target: party, meta, at: now, provider });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new OauthError('oauth_identity_taken');
    throw e;
  }
  sendIdentityNotice(s, user.email, 'linked', provider);
}

/**
 * Removes a linked identity, unless it is the account's last way to sign in (no password, no
 * passkey, no other identity): that would lock the user out for good. Serialized per user, so two
 * concurrent removals cannot each leave the other as the "remaining" way.
 */
export async function unlinkIdentity(s: Services, userId: string, identityId: string, meta: RequestMeta): Promise<void> {
  const now = s.clock.now();
  const removed = await s.db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, s.db.dialect, userId);
    const identity = await trx.selectFrom('identities').selectAll().where('id', '=', identityId).where('user_id', '=', userId).executeTakeFirst();
    if (identity === undefined) throw new AppError('not_found');
    const user = await trx.selectFrom('users').select(['id', 'email', 'password_hash']).where('id', '=', userId).executeTakeFirst();
    if (user === undefined) throw new AppError('unauthenticated');
    const others = await trx.selectFrom('identities').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).where('id', '!=', identityId).executeTakeFirst();
    const passkeys = await trx.selectFrom('passkeys').select((e) => e.fn.countAll<number | string>().as('n')).where('user_id', '=', userId).executeTakeFirst();
    if (user.password_hash === NO_PASSWORD && Number(others?.n ?? 0) === 0 && Number(passkeys?.n ?? 0) === 0) {
      throw new AppError('conflict', 'This is your only way to sign in. Set a password (Forgot password) or link another provider first.');
    }
    await trx.deleteFrom('identities').where('id', '=', identityId).execute();
    const party = { id: user.id, email: user.email };
    await recordEvent(trx, { type: 'identity_unlinked', userId, actor: party, target: party, meta, at: now, provider: identity.provider });
    return { email: user.email, provider: identity.provider };
  });
  sendIdentityNotice(s, removed.email, 'unlinked', removed.provider);
}
