import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { Executor } from '../db/database.js';
import type { Invitation } from '../db/schema.js';
import { newId } from '../crypto/random.js';
import { issueEmailToken, readEmailToken } from '../email/email-tokens.js';
import { link, notify } from '../email/flows.js';
import { invitationEmail } from '../email/templates.js';
import { requireValidEmail } from '../account/auth-service.js';
import type { AuthContext } from '../session/authenticate.js';

export interface InvitationView {
  id: string;
  email: string;
  role: 'admin' | 'member';
  createdAt: string;
  expiresAt: string;
  invitedBy: { id: string | null; email: string };
}

export function toInvitationView(i: Invitation): InvitationView {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    createdAt: new Date(i.created_at).toISOString(),
    expiresAt: new Date(i.expires_at).toISOString(),
    invitedBy: { id: i.invited_by, email: i.invited_by_email },
  };
}

/** Owners and admins manage invitations and members; plain members only read. */
export function requireOrgManager(auth: AuthContext): { orgId: string; orgName: string; role: 'owner' | 'admin' } {
  const { org_id: orgId, org_name: orgName, org_role: role } = auth.user;
  if (orgId === null || orgName === null || (role !== 'owner' && role !== 'admin')) {
    throw new AppError('forbidden', 'Only organization owners and admins can do this.');
  }
  return { orgId, orgName, role };
}

export async function createInvitation(s: Services, auth: AuthContext, rawEmail: string, role: 'admin' | 'member'): Promise<InvitationView> {
  const { orgId, orgName } = requireOrgManager(auth);
  const email = requireValidEmail(rawEmail);
  const already = await s.db.kysely
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select('users.id')
    .where('memberships.org_id', '=', orgId)
    .where('users.email', '=', email)
    .executeTakeFirst();
  if (already !== undefined) throw new AppError('conflict', 'This person is already a member.');
  await s.limiter.consume(s.limits.emailAddress, email);
  const now = s.clock.now();
  const invitation: Invitation = {
    id: newId(),
    org_id: orgId,
    email,
    role,
    invited_by: auth.user.id,
    invited_by_email: auth.user.email,
    created_at: now,
    expires_at: now + s.config.inviteTokenTtlMs,
    revoked_at: null,
    used_at: null,
    used_by: null,
  };
  await s.db.kysely.transaction().execute(async (trx) => {
    // A new invitation to the same address supersedes the pending one: one live link per person.
    await trx
      .updateTable('invitations')
      .set({ revoked_at: now })
      .where('org_id', '=', orgId)
      .where('email', '=', email)
      .where('revoked_at', 'is', null)
      .where('used_at', 'is', null)
      .execute();
    await trx.insertInto('invitations').values(invitation).execute();
  });
  const token = await issueEmailToken(s.emailKeys, {
    purpose: 'org_invite',
    id: invitation.id,
    subject: orgId,
    issuedAtMs: now,
    expiresAtMs: invitation.expires_at,
  });
  const inviter = auth.user.name === '' ? auth.user.email : `${auth.user.name} (${auth.user.email})`;
  notify(s, invitationEmail(email, orgName, inviter, link(s, '/join', token), s.config.inviteTokenTtlMs));
  return toInvitationView(invitation);
}

export async function listPendingInvitations(db: Executor, orgId: string, now: number): Promise<InvitationView[]> {
  const rows = await db
    .selectFrom('invitations')
    .selectAll()
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at', 'desc')
    .execute();
  return rows.map(toInvitationView);
}

export async function revokeInvitation(db: Executor, orgId: string, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('invitations')
    .set({ revoked_at: now })
    .where('id', '=', id)
    .where('org_id', '=', orgId)
    .where('revoked_at', 'is', null)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * The invitation behind a join token. Forwarding is allowed (whoever holds a valid link may join),
 * so the only checks are: genuine, this purpose, not revoked, not used; then not expired (410).
 */
export async function resolveInvitation(s: Services, token: string): Promise<Invitation> {
  const outcome = await readEmailToken(s.emailKeys, token, 'org_invite', s.clock.now());
  if (!outcome.ok) throw new AppError('invalid_token');
  const row = await s.db.kysely.selectFrom('invitations').selectAll().where('id', '=', outcome.id).executeTakeFirst();
  if (row?.org_id !== outcome.subject || row.revoked_at !== null || row.used_at !== null) throw new AppError('invalid_token');
  if (outcome.expired || row.expires_at <= s.clock.now()) throw new AppError('token_expired');
  return row;
}
