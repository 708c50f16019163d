import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import { findOrganization } from './organizations.js';

/**
 * Turns the organization's second-factor requirement on or off (`undefined`: no change, as `{}`
 * changes nothing). Members without a factor keep their sessions but reach only the routes that let
 * them set one up; the change is audited in the actor's log.
 */
export async function setOrgMfaPolicy(
  s: Services,
  auth: AuthContext,
  orgId: string,
  requireMfa: boolean | undefined,
  meta: RequestMeta,
): Promise<{ id: string; name: string; created_at: number; require_mfa: number }> {
  // A security posture is the members' own call: an impersonating admin may not weaken (or change) it.
  if (auth.impersonator !== null) throw new AppError('forbidden', 'Not allowed while impersonating.');
  const org = await findOrganization(s.db.kysely, orgId);
  if (org === undefined) throw new AppError('not_found');
  if (requireMfa === undefined || (requireMfa ? 1 : 0) === org.require_mfa) return org;
  const now = s.clock.now();
  const me = { id: auth.user.id, email: auth.user.email };
  await s.db.kysely.transaction().execute(async (trx) => {
    await trx.updateTable('organizations').set({ require_mfa: requireMfa ? 1 : 0 }).where('id', '=', orgId).execute();
    await recordEvent(trx, { type: 'org_mfa_policy_changed', userId: me.id, actor: me, target: null, meta, at: now });
  });
  return { ...org, require_mfa: requireMfa ? 1 : 0 };
}
