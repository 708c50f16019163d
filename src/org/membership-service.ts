import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { lockOrganization, lockUser, type Executor } from '../db/database.js';
import type { OrgRole } from '../account/users.js';
import { recordEvent, type Party, type RequestMeta } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import {
  countMembers,
  findMembership,
  findOrganization,
  givePersonalOrganization,
  isLastOwnerWithMembers,
  leaveOrganization,
  listMembers,
  toMemberView,
  type MemberView,
} from './organizations.js';
import { requireOrgManager, resolveInvitation } from './invitations.js';
import { claimInvitation } from './claim-invitation.js';

/** Locks in id order, so two transactions locking the same pair can never deadlock. */
async function lockOrganizations(s: Services, trx: Executor, orgIds: readonly (string | undefined)[]): Promise<void> {
  const ids = [...new Set(orgIds.filter((id): id is string => id !== undefined))].sort();
  for (const id of ids) await lockOrganization(trx, s.db.dialect, id);
}

function party(auth: AuthContext): Party {
  return { id: auth.user.id, email: auth.user.email };
}

export async function joinOrganization(
  s: Services,
  auth: AuthContext,
  token: string,
  meta: RequestMeta,
): Promise<{ id: string; name: string; role: OrgRole }> {
  const invitation = await resolveInvitation(s, token);
  if (auth.user.org_id === invitation.org_id) throw new AppError('conflict', 'You are already a member of this organization.');
  const now = s.clock.now();
  const userId = auth.user.id;
  await s.db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, s.db.dialect, userId);
    const current = await findMembership(trx, userId);
    // The organization being left is locked too: otherwise two owners leaving at once (one by
    // joining elsewhere) could each see the other as the remaining owner.
    await lockOrganizations(s, trx, [invitation.org_id, current?.org_id]);
    if (current?.org_id === invitation.org_id) throw new AppError('conflict', 'You are already a member of this organization.');
    // Use it up first: of two concurrent joins with one link, exactly one wins.
    await claimInvitation(trx, invitation, userId, now);
    if (await isLastOwnerWithMembers(trx, userId)) {
      throw new AppError('conflict', 'You are the last owner of your organization: hand ownership to someone else first.');
    }
    await leaveOrganization(trx, userId);
    await trx.insertInto('memberships').values({ user_id: userId, org_id: invitation.org_id, role: invitation.role, joined_at: now }).execute();
    await recordEvent(trx, { type: 'org_joined', userId, actor: party(auth), target: party(auth), meta, at: now });
  });
  const org = await findOrganization(s.db.kysely, invitation.org_id);
  return { id: invitation.org_id, name: org?.name ?? '', role: invitation.role };
}

async function targetMember(s: Services, orgId: string, userId: string): Promise<{ role: OrgRole; email: string; name: string }> {
  const row = await s.db.kysely
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.role', 'users.email', 'users.name'])
    .where('memberships.org_id', '=', orgId)
    .where('memberships.user_id', '=', userId)
    .executeTakeFirst();
  // Someone outside the caller's organization is indistinguishable from nobody.
  if (row === undefined) throw new AppError('not_found');
  return row;
}

/** Owners may set any role; admins manage members and admins but never touch owners. */
function assertMayManage(actorRole: 'owner' | 'admin', targetRole: OrgRole, newRole: OrgRole | null): void {
  if (actorRole === 'owner') return;
  if (targetRole === 'owner' || newRole === 'owner') throw new AppError('forbidden', 'Only owners can change owners.');
}

/**
 * The caller's role as it is now, under the organization lock: a request authorized a moment ago by
 * someone who has since been demoted or removed must not act with the old role.
 */
async function managerRoleNow(trx: Executor, auth: AuthContext, orgId: string): Promise<'owner' | 'admin'> {
  const mine = await findMembership(trx, auth.user.id);
  if (mine?.org_id !== orgId || mine.role === 'member') throw new AppError('forbidden', 'Only organization owners and admins can do this.');
  return mine.role;
}

export async function changeMemberRole(s: Services, auth: AuthContext, userId: string, role: OrgRole, meta: RequestMeta): Promise<MemberView> {
  const manager = requireOrgManager(auth);
  const target = await targetMember(s, manager.orgId, userId);
  assertMayManage(manager.role, target.role, role);
  const now = s.clock.now();
  await s.db.kysely.transaction().execute(async (trx) => {
    await lockOrganization(trx, s.db.dialect, manager.orgId);
    const actorRole = await managerRoleNow(trx, auth, manager.orgId);
    const current = await findMembership(trx, userId);
    if (current?.org_id !== manager.orgId) throw new AppError('not_found');
    assertMayManage(actorRole, current.role, role);
    if (current.role === 'owner' && role !== 'owner') {
      const c = await countMembers(trx, manager.orgId);
      if (c.owners <= 1) throw new AppError('conflict', 'An organization needs at least one owner.');
    }
    await trx.updateTable('memberships').set({ role }).where('user_id', '=', userId).execute();
    const t = { id: userId, email: target.email };
    await recordEvent(trx, { type: 'role_changed', userId, actor: party(auth), target: t, meta, at: now });
  });
  const member = (await listMembers(s.db.kysely, manager.orgId)).find((m) => m.user_id === userId);
  if (member === undefined) throw new AppError('not_found');
  return toMemberView(member);
}

export async function removeMember(s: Services, auth: AuthContext, userId: string, meta: RequestMeta): Promise<void> {
  const self = userId === auth.user.id;
  // Anyone may leave; removing others takes an owner or admin.
  const orgId = self ? auth.user.org_id : requireOrgManager(auth).orgId;
  if (orgId === null) throw new AppError('not_found');
  const target = await targetMember(s, orgId, userId);
  if (!self && auth.user.org_role === 'admin') assertMayManage('admin', target.role, null);
  const now = s.clock.now();
  await s.db.kysely.transaction().execute(async (trx) => {
    // User first, then organization: the same order as join and account deletion.
    await lockUser(trx, s.db.dialect, userId);
    await lockOrganization(trx, s.db.dialect, orgId);
    const current = await findMembership(trx, userId);
    if (current?.org_id !== orgId) throw new AppError('not_found');
    if (!self) assertMayManage(await managerRoleNow(trx, auth, orgId), current.role, null);
    if (await isLastOwnerWithMembers(trx, userId)) throw new AppError('conflict', 'The last owner cannot leave while others remain.');
    const c = await countMembers(trx, orgId);
    if (c.members <= 1) throw new AppError('conflict', 'You are the only member of this organization.');
    await leaveOrganization(trx, userId);
    await givePersonalOrganization(trx, userId, target.name, now);
    const t = { id: userId, email: target.email };
    await recordEvent(trx, { type: 'member_removed', userId, actor: party(auth), target: t, meta, at: now });
  });
}
