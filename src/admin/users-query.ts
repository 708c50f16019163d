import { sql } from 'kysely';
import type { Executor } from '../db/database.js';
import { confirmedTotpCount, passkeyCount } from '../mfa/factors.js';
import { toUserView, type UserView } from '../account/users.js';

export const ADMIN_PAGE_SIZE = 20;

export interface AdminUserView extends UserView {
  lastActiveAt: string | null;
  mfa: { totp: boolean; passkeys: number };
  /** Linked external sign-in identities (Sign in with another provider). */
  identities: { provider: string; email: string | null }[];
}

function likePattern(q: string): string {
  // Escape LIKE wildcards so the search is a plain substring match.
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export async function searchUsers(db: Executor, q: string, page: number): Promise<{ users: AdminUserView[]; total: number }> {
  let base = db.selectFrom('users').leftJoin('memberships', 'memberships.user_id', 'users.id').leftJoin('organizations', 'organizations.id', 'memberships.org_id');
  const term = q.trim();
  if (term !== '') {
    const pattern = likePattern(term);
    base = base.where((eb) =>
      eb.or([
        sql<boolean>`lower(${eb.ref('users.email')}) like ${pattern} escape '\\'`,
        sql<boolean>`lower(${eb.ref('users.name')}) like ${pattern} escape '\\'`,
      ]),
    );
  }
  const totalRow = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
  const rows = await base
    .selectAll('users')
    .select(['organizations.id as org_id', 'organizations.name as org_name', 'memberships.role as org_role'])
    .select((eb) =>
      eb
        .selectFrom('sessions')
        .select((e) => e.fn.max('sessions.last_active_at').as('m'))
        .whereRef('sessions.user_id', '=', 'users.id')
        // An admin acting as the user is not the user being active.
        .where('sessions.impersonator_id', 'is', null)
        .as('last_active_at'),
    )
    .select([confirmedTotpCount().as('mfa_totp'), passkeyCount().as('mfa_passkeys')])
    .orderBy('users.created_at', 'asc')
    .orderBy('users.id', 'asc')
    .limit(ADMIN_PAGE_SIZE)
    .offset((page - 1) * ADMIN_PAGE_SIZE)
    .execute();
  // One more query for the page's linked identities (at most a page of users), not one per user.
  const ids = rows.map((r) => r.id);
  const linked = ids.length === 0 ? [] : await db.selectFrom('identities').select(['user_id', 'provider', 'email']).where('user_id', 'in', ids).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
  return {
    total: totalRow?.n ?? 0,
    users: rows.map((r) => ({
      ...toUserView(r),
      lastActiveAt: r.last_active_at === null ? null : new Date(r.last_active_at).toISOString(),
      mfa: { totp: Number(r.mfa_totp) > 0, passkeys: Number(r.mfa_passkeys) },
      identities: linked.filter((i) => i.user_id === r.id).map((i) => ({ provider: i.provider, email: i.email })),
    })),
  };
}
