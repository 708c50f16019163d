import { AppError, invalidRequest } from '../errors.js';
import type { Services } from '../services.js';
import { newId } from '../crypto/random.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import { createOrganizationWithOwner } from '../org/organizations.js';
import { revokeUserSessions } from '../session/sessions.js';
import { isValidEmail, normalizeEmail } from './email-address.js';
import { checkPassword } from './password-policy.js';
import { accountCeiling, rememberSignInAddress } from './login-ceiling.js';
import { findUserByEmail, findUserById, insertUser, newUserRow, updateUser, type UserWithOrg, findUserWithOrg, findLoginUserByEmail } from './users.js';
import type { Invitation, User } from '../db/schema.js';
import { lockOrganization } from '../db/database.js';
import { claimInvitation } from '../org/claim-invitation.js';
import { isUniqueViolation } from '../db/errors.js';
import { hasSecondFactor, type FactorCounts } from '../mfa/factors.js';

/** The stored hash of an account that has no password (made by an external provider): never verifies. */
export const NO_PASSWORD = '';

export function requireValidEmail(raw: string, field = 'email'): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) throw invalidRequest({ [field]: 'Enter a valid email address.' });
  return email;
}

export function requireName(raw: string, field = 'name'): string {
  const name = raw.trim().normalize('NFC');
  if (name.length < 1 || name.length > 100 || /\p{Cc}/u.test(name)) {
    throw invalidRequest({ [field]: 'Enter a name of 1 to 100 characters.' });
  }
  return name;
}

export function requireStrongPassword(s: Services, password: string, email: string, field = 'password'): void {
  const problem = checkPassword(password, email, s.config.passwordMinLength);
  if (problem !== null) throw invalidRequest({ [field]: problem }, problem);
}

export interface RegisterInput {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly organizationName?: string | undefined;
}

export interface RegisterOptions {
  /**
   * An invitation, already resolved by the caller from a join link: the new user joins its
   * organization with the invited role instead of getting an organization of their own.
   */
  readonly invitation?: Invitation | undefined;
}

export async function registerUser(s: Services, input: RegisterInput, meta: RequestMeta, options: RegisterOptions = {}): Promise<UserWithOrg> {
  const email = requireValidEmail(input.email);
  const name = requireName(input.name);
  const { invitation } = options;
  if (invitation !== undefined && input.organizationName !== undefined) {
    throw invalidRequest({ organizationName: 'Joining an organization by invitation creates no organization of your own.' });
  }
  const orgName = input.organizationName === undefined ? `${name}'s organization` : requireName(input.organizationName, 'organizationName');
  requireStrongPassword(s, input.password, email);
  // Counted before the expensive hash: registrations per client IP per hour.
  await s.limiter.consume(s.limits.registerIp, meta.ip ?? 'unknown');
  if ((await findUserByEmail(s.db.kysely, email)) !== undefined) throw new AppError('email_taken');
  const passwordHash = await s.hasher.hash(input.password);
  const now = s.clock.now();
  const userId = newId();
  try {
    await s.db.kysely.transaction().execute(async (trx) => {
      await insertUser(trx, newUserRow({ id: userId, email, name, passwordHash, verified: false, now }));
      const party = { id: userId, email };
      if (invitation === undefined) {
        await createOrganizationWithOwner(trx, { orgId: newId(), name: orgName, userId, now });
      } else {
        // All in this transaction: an invitation used up (or revoked) since the caller resolved it
        // rolls the whole registration back, so a dead link never leaves an account behind.
        await lockOrganization(trx, s.db.dialect, invitation.org_id);
        await claimInvitation(trx, invitation, userId, now);
        await trx.insertInto('memberships').values({ user_id: userId, org_id: invitation.org_id, role: invitation.role, joined_at: now }).execute();
      }
      await recordEvent(trx, { type: 'user_registered', userId, actor: party, target: party, meta, at: now });
      if (invitation !== undefined) await recordEvent(trx, { type: 'org_joined', userId, actor: party, target: party, meta, at: now });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('email_taken');
    throw e;
  }
  const user = await findUserWithOrg(s.db.kysely, userId);
  if (user === undefined) throw new Error('registered user vanished');
  return user;
}

/**
 * Checks credentials with the same work whether or not the account exists, under the per
 * account+IP and per-account failure limits (which refuse even the right password while hot; the
 * per-account one not from an address that signed in to the account before).
 * Returns the user with their organization (for the response), or throws an AppError.
 */
export async function verifyCredentials(s: Services, rawEmail: string, password: string, meta: RequestMeta): Promise<VerifiedCredentials> {
  const email = normalizeEmail(rawEmail);
  const ip = meta.ip ?? 'unknown';
  const acctIpKey = `${email}|${ip}`;
  // Refused on arrival while hot. Then, once a hashing slot is free (so at most the hasher's
  // concurrency is in flight), the attempt is counted before the hash and the count is cleared by a
  // success: parallel guesses cannot outrun the limit, and a burst of correct logins is never refused.
  await s.limiter.check(s.limits.loginAccountIp, acctIpKey);
  // The per-account ceiling, which addresses that signed in before may pass (login-ceiling.ts).
  const ceiling = accountCeiling(s, email, meta.ip);
  await ceiling();
  const gate = async (): Promise<void> => {
    await ceiling();
    await s.limiter.consume(s.limits.loginAccountIp, acctIpKey);
  };
  // One statement: the user with their second factors, so that a correct password is followed by
  // nothing but the limiter (see below).
  const user = isValidEmail(email) ? await findLoginUserByEmail(s.db.kysely, email) : undefined;
  // An account made by an external provider has no password (an empty hash): it spends the same
  // work as an unknown account, so timing does not reveal which accounts have a password.
  const ok = user === undefined || user.password_hash === NO_PASSWORD ? (await s.hasher.verifyDummy(password, gate), false) : await s.hasher.verify(user.password_hash, password, gate);
  if (!ok || user === undefined) {
    await s.limiter.record(s.limits.loginAccount, email);
    if (user !== undefined) {
      await recordEvent(s.db.kysely, { type: 'login_failed', userId: user.id, actor: null, target: { id: user.id, email: user.email }, meta, at: s.clock.now() });
    }
    throw new AppError('invalid_credentials');
  }
  if (user.disabled === 1) throw new AppError('account_inactive');
  const { factors } = user;
  // Without a second factor the login is complete: clear the count at once, so a burst of correct
  // logins never piles up attempts. With one, the password is only half a login and the count is
  // NOT cleared: that would hand a password thief a fresh budget of code guesses with every
  // password step; the second step clears it once it succeeds.
  if (!hasSecondFactor(factors)) await clearLoginFailures(s, user.email, meta);
  return { user, factors };
}

export interface VerifiedCredentials {
  readonly user: UserWithOrg;
  /** The user's second factors: any of them means the login needs its second step. */
  readonly factors: FactorCounts;
}

/**
 * A complete, successful login from this address (the password alone, or the password and the
 * second factor): its failure count starts again, and the address may pass the per-account
 * ceiling later (see login-ceiling.ts).
 */
export async function clearLoginFailures(s: Services, email: string, meta: RequestMeta): Promise<void> {
  await s.limiter.reset(s.limits.loginAccountIp, `${email}|${meta.ip ?? 'unknown'}`);
  await rememberSignInAddress(s, email, meta.ip);
}

/** Re-authentication for sensitive changes: the same limits as login, so a stolen session cannot brute-force. */
export async function confirmPassword(s: Services, userId: string, password: string, meta: RequestMeta): Promise<User> {
  const user = await findUserById(s.db.kysely, userId);
  if (user === undefined) throw new AppError('unauthenticated');
  const key = `${user.email}|${meta.ip ?? 'unknown'}`;
  await s.limiter.check(s.limits.loginAccountIp, key);
  const gate = (): Promise<void> => s.limiter.consume(s.limits.loginAccountIp, key);
  const ok = user.password_hash === NO_PASSWORD ? (await s.hasher.verifyDummy(password, gate), false) : await s.hasher.verify(user.password_hash, password, gate);
  if (!ok) {
    await s.limiter.record(s.limits.loginAccount, user.email);
    // The account is known here (the caller is signed in), so the message can name the password alone.
    throw new AppError('invalid_credentials', 'That password is incorrect.');
  }
  await s.limiter.reset(s.limits.loginAccountIp, key);
  return user;
}

/**
 * Sets a new password, kills every session of the user and every outstanding reset token.
 * The caller decides whether a fresh session follows (change-password) or not (reset).
 */
export async function setPassword(s: Services, user: User, newPassword: string, field: string): Promise<string[]> {
  requireStrongPassword(s, newPassword, user.email, field);
  const passwordHash = await s.hasher.hash(newPassword);
  const now = s.clock.now();
  return s.db.kysely.transaction().execute(async (trx) => {
    await updateUser(trx, user.id, { password_hash: passwordHash, password_changed_at: now }, now);
    await trx.updateTable('email_tokens').set({ consumed_at: now }).where('user_id', '=', user.id).where('purpose', '=', 'reset_password').where('consumed_at', 'is', null).execute();
    return revokeUserSessions(trx, user.id, null, now, 'password_changed');
  });
}
