import type { Executor } from '../db/database.js';
import type { OrgRole } from '../account/users.js';

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
