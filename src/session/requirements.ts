import type { OrgRole } from '../account/users.js';
import type { AuthContext } from './authenticate.js';

/** What a guard may demand beyond a valid session (the host plugin's and forward auth's options). */
export interface RoleDemands {
  readonly role?: 'user' | 'admin' | undefined;
  readonly orgRole?: OrgRole | undefined;
}

const ORG_RANK: Readonly<Record<OrgRole, number>> = { member: 0, admin: 1, owner: 2 };

/** Role and second-factor demands, as for `GET /api/auth/verify?role=…&orgRole=…`; null: allowed. */
export function requirementRefusal(auth: AuthContext, options: RoleDemands): 'forbidden' | 'mfa_required' | null {
  const { user, impersonator, mfa } = auth;
  // The organization's second-factor policy protects the host's routes too.
  if (mfa.orgRequires) return 'mfa_required';
  // An impersonating admin holds the target's session: no admin power may leak through it.
  if (options.role === 'admin' && (user.role !== 'admin' || impersonator !== null)) return 'forbidden';
  if (options.role === 'admin' && mfa.adminRequires) return 'mfa_required';
  const wanted = options.orgRole;
  return wanted === undefined || (user.org_role !== null && ORG_RANK[user.org_role] >= ORG_RANK[wanted]) ? null : 'forbidden';
}

