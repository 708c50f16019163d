import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { EmailPurpose } from './email-tokens.js';
import { resolveEmailToken } from './flows.js';
import { resolveInvitation } from '../org/invitations.js';
import { findOrganization } from '../org/organizations.js';
import type { TokenInspection } from './inspection.js';
import { isoTime } from '../http/iso-time.js';

export type { TokenInspection } from './inspection.js';

/**
 * What an email link's page needs to know before showing a form, read without using anything up.
 * It goes through the very resolvers the consuming endpoints call (resolveEmailToken,
 * resolveInvitation), so a token that passes here passes there, and a dead one gets the same
 * 400 invalid_token / 410 token_expired it would get on use.
 */
export async function inspectEmailToken(s: Services, token: string, purpose: EmailPurpose): Promise<TokenInspection> {
  if (purpose !== 'org_invite') {
    const { row, user } = await resolveEmailToken(s, token, purpose);
    // A verification link names the address it confirms; a reset link the account it resets.
    const email = purpose === 'verify_email' ? row.email : user.email;
    return { purpose, email, expiresAt: isoTime(row.expires_at) };
  }
  const invitation = await resolveInvitation(s, token);
  // Joining refuses an invitation whose organization is gone; so does the inspection.
  const org = await findOrganization(s.db.kysely, invitation.org_id);
  if (org === undefined) throw new AppError('invalid_token');
  const inviter =
    invitation.invited_by === null
      ? undefined
      : await s.db.kysely.selectFrom('users').select(['name', 'email']).where('id', '=', invitation.invited_by).executeTakeFirst();
  return {
    purpose,
    organization: { name: org.name },
    // The inviter as they are now; once deleted, the address the invitation was sent from.
    invitedBy: inviter === undefined ? { name: null, email: invitation.invited_by_email } : { name: inviter.name, email: inviter.email },
    email: invitation.email,
    role: invitation.role,
    expiresAt: isoTime(invitation.expires_at),
  };
}
