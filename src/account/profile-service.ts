import { AppError, invalidRequest } from '../errors.js';
import type { Services } from '../services.js';
import { lockOrganization, lockUser } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { recordEvent, type Party, type RequestMeta } from '../events/security-events.js';
import { findMembership, isLastOwnerWithMembers, leaveOrganization } from '../org/organizations.js';
import { notify, sendVerificationEmail } from '../email/flows.js';
import { emailChangedNotice } from '../email/templates.js';
import type { AuthContext } from '../session/authenticate.js';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { reauthenticate } from '../mfa/reauth.js';
import { requireName, requireValidEmail } from './auth-service.js';
import { findUserByEmail, findUserWithOrg, updateUser, type UserWithOrg } from './users.js';

export interface ProfilePatch {
  readonly name?: string;
  readonly email?: string;
  readonly organizationName?: string;
  readonly currentPassword?: string | undefined;
  readonly passkey?: AuthenticationResponseJSON | undefined;
}

/**
 * Applies only the fields present, all or nothing: every field is validated (and the password
 * re-checked for an email change) before anything is written.
 */
export async function updateProfile(s: Services, auth: AuthContext, patch: ProfilePatch, meta: RequestMeta): Promise<UserWithOrg> {
  const userId = auth.user.id;
  const name = patch.name === undefined ? undefined : requireName(patch.name);
  const orgName = patch.organizationName === undefined ? undefined : requireName(patch.organizationName, 'organizationName');
  let email = patch.email === undefined ? undefined : requireValidEmail(patch.email);
  if (email === auth.user.email) email = undefined;
  if (orgName !== undefined && auth.user.org_role !== 'owner' && auth.user.org_role !== 'admin') {
    throw new AppError('forbidden', 'Only organization owners and admins can rename it.');
  }
  if (email !== undefined) {
    // A stolen session alone must not be able to take the account over via its email address.
    if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
    if (patch.currentPassword === undefined && patch.passkey === undefined) throw invalidRequest({ currentPassword: 'Enter your current password to change your email.' });
    await reauthenticate(s, auth, { password: patch.currentPassword, passkey: patch.passkey }, meta, 'currentPassword');
    if ((await findUserByEmail(s.db.kysely, email)) !== undefined) throw new AppError('email_taken');
  }
  const now = s.clock.now();
  const me: Party = { id: userId, email: auth.user.email };
  try {
    await s.db.kysely.transaction().execute(async (trx) => {
      if (name !== undefined && name !== auth.user.name) {
        await updateUser(trx, userId, { name }, now);
        await recordEvent(trx, { type: 'profile_updated', userId, actor: auth.impersonator ?? me, target: me, meta, at: now });
      }
      if (orgName !== undefined && auth.user.org_id !== null) {
        await trx.updateTable('organizations').set({ name: orgName }).where('id', '=', auth.user.org_id).execute();
      }
      if (email !== undefined) {
        await updateUser(trx, userId, { email, email_verified: 0, email_changed_at: now }, now);
        // Reset links went to the old address: they die with it. Verify links check the address.
        await trx.updateTable('email_tokens').set({ consumed_at: now }).where('user_id', '=', userId).where('consumed_at', 'is', null).execute();
        await recordEvent(trx, { type: 'email_changed', userId, actor: me, target: { id: userId, email }, meta, at: now });
      }
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw new AppError('email_taken');
    throw e;
  }
  const user = await findUserWithOrg(s.db.kysely, userId);
  if (user === undefined) throw new AppError('unauthenticated');
  if (email !== undefined) {
    notify(s, emailChangedNotice(auth.user.email, email));
    await sendVerificationEmail(s, user);
  }
  return user;
}

/** Removes a user with everything they own, by the organization rules. */
export async function deleteUserAccount(s: Services, userId: string, actor: Party, meta: RequestMeta, mode: 'self' | 'admin'): Promise<void> {
  const now = s.clock.now();
  await s.db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, s.db.dialect, userId);
    const user = await trx.selectFrom('users').select(['id', 'email']).where('id', '=', userId).executeTakeFirst();
    if (user === undefined) throw new AppError('not_found');
    // User, then organization: the order every membership change takes.
    const membership = await findMembership(trx, userId);
    if (membership !== undefined) await lockOrganization(trx, s.db.dialect, membership.org_id);
    if (await isLastOwnerWithMembers(trx, userId)) {
      if (mode === 'self') throw new AppError('conflict', 'Hand ownership of your organization to someone else first.');
      await handOverOwnership(trx, userId);
    }
    await leaveOrganization(trx, userId);
    await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
    await trx.deleteFrom('email_tokens').where('user_id', '=', userId).execute();
    await trx.deleteFrom('users').where('id', '=', userId).execute();
    const target = { id: user.id, email: user.email };
    await recordEvent(trx, { type: 'user_deleted', userId: mode === 'admin' ? actor.id : null, actor, target, meta, at: now });
  });
}

/** An admin deleting the last owner: the longest-standing admin (else member) becomes owner. */
async function handOverOwnership(trx: Parameters<typeof leaveOrganization>[0], userId: string): Promise<void> {
  const m = await trx.selectFrom('memberships').select('org_id').where('user_id', '=', userId).executeTakeFirst();
  if (m === undefined) return;
  const heir = await trx
    .selectFrom('memberships')
    .select('user_id')
    .where('org_id', '=', m.org_id)
    .where('user_id', '!=', userId)
    .orderBy((eb) => eb.case().when('role', '=', 'admin').then(0).else(1).end())
    .orderBy('joined_at', 'asc')
    .executeTakeFirst();
  if (heir !== undefined) await trx.updateTable('memberships').set({ role: 'owner' }).where('user_id', '=', heir.user_id).execute();
}
