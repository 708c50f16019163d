import type { Executor } from '../db/database.js';
import { confirmedTotpCount, passkeyCount } from '../mfa/factors.js';
import type { OrgRole } from '../account/users.js';
import { newId } from '../crypto/random.js';

export async function createOrganizationWithOwner(
  db: Executor,
  input: { orgId: string; name: string; userId: string; now: number },
): Promise<void> {
  await db.insertInto('organizations').values({ id: input.orgId, name: input.name, created_at: input.now }).execute();
  await db
    .insertInto('memberships')
    .values({ user_id: input.userId, org_id: input.orgId, role: 'owner', joined_at: input.now })
    .execute();
}

export interface MembershipInfo {
  org_id: string;
  role: OrgRole;
}

export async function findMembership(db: Executor, userId: string): Promise<MembershipInfo | undefined> {
  return db.selectFrom('memberships').select(['org_id', 'role']).where('user_id', '=', userId).executeTakeFirst();
}

export async function findOrganization(db: Executor, orgId: string): Promise<{ id: string; name: string; created_at: number; require_mfa: number } | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', orgId).executeTakeFirst();
}

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: OrgRole;
  joined_at: number;
  /** Count of confirmed TOTP + passkeys (0: no second factor). */
  factors: number | string | null;
}

export async function listMembers(db: Executor, orgId: string): Promise<MemberRow[]> {
  return db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.user_id', 'users.email', 'users.name', 'memberships.role', 'memberships.joined_at'])
    .select((eb) => eb(confirmedTotpCount(), '+', passkeyCount()).as('factors'))
    .where('memberships.org_id', '=', orgId)
    .orderBy('memberships.joined_at', 'asc')
    .orderBy('users.email', 'asc')
    .execute();
}

export async function countMembers(db: Executor, orgId: string): Promise<{ members: number; owners: number }> {
  const rows = await db.selectFrom('memberships').select('role').where('org_id', '=', orgId).execute();
  return { members: rows.length, owners: rows.filter((r) => r.role === 'owner').length };
}

export interface MemberView {
  userId: string;
  email: string;
  name: string;
  role: OrgRole;
  joinedAt: string;
  /** The member has a second factor (TOTP or a passkey). */
  mfa: boolean;
}

export function toMemberView(m: MemberRow): MemberView {
  return { userId: m.user_id, email: m.email, name: m.name, role: m.role, joinedAt: new Date(m.joined_at).toISOString(), mfa: Number(m.factors) > 0 };
}

/**
 * Takes the user out of their organization. An organization left empty is deleted; the caller has
 * already checked the last-owner rule. Returns the id of the organization left.
 */
export async function leaveOrganization(db: Executor, userId: string): Promise<string | null> {
  const m = await findMembership(db, userId);
  if (m === undefined) return null;
  await db.deleteFrom('memberships').where('user_id', '=', userId).execute();
  const left = await countMembers(db, m.org_id);
  if (left.members === 0) await db.deleteFrom('organizations').where('id', '=', m.org_id).execute();
  return m.org_id;
}

/** Every user belongs to exactly one organization: one who leaves gets a fresh personal one. */
export async function givePersonalOrganization(db: Executor, userId: string, name: string, now: number): Promise<void> {
  await createOrganizationWithOwner(db, { orgId: newId(), name: `${name}'s organization`, userId, now });
}

/**
 * The last owner of an organization that still has other members cannot leave it (409): someone
 * must own it. Returns true when `userId` is exactly that person.
 */
export async function isLastOwnerWithMembers(db: Executor, userId: string): Promise<boolean> {
  const m = await findMembership(db, userId);
  if (m?.role !== 'owner') return false;
  const c = await countMembers(db, m.org_id);
  return c.owners === 1 && c.members > 1;
}
