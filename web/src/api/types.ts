/** Shapes from the HTTP API contract (CONTRACT.md). Times are ISO-8601 UTC strings. */

export type OrgRole = 'owner' | 'admin' | 'member';

export interface UserOrganization {
  readonly id: string;
  readonly name: string;
  readonly role: OrgRole;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly emailVerified: boolean;
  readonly role: 'user' | 'admin';
  readonly disabled: boolean;
  readonly createdAt: string;
  readonly organization: UserOrganization | null;
  /** Only in the admin user view: the user's second factors. */
  readonly mfa?: { readonly totp: boolean; readonly passkeys: number };
  /** Admin listing only: linked external sign-in identities. */
  readonly identities?: readonly { readonly provider: string; readonly email: string | null }[];
}

export interface Person {
  readonly id: string;
  readonly email: string;
}

/** How a session was signed in: `password`, `totp`, `passkey`, `recovery_code`. */
export type AuthMethod = string;

export interface Me {
  readonly user: User;
  readonly session: { readonly id: string; readonly createdAt: string; readonly lastActiveAt: string; readonly authMethods: readonly AuthMethod[] };
  readonly impersonator: { readonly id: string; readonly email: string; readonly name: string } | null;
  /** `setupRequired`: an organization (or the site's admin) policy demands a second factor the user does not have yet. */
  readonly mfa: { readonly enabled: boolean; readonly setupRequired: boolean; readonly requiredBy: 'organization' | 'admin' | null };
}

export interface Device {
  readonly id: string;
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastActiveAt: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly authMethods: readonly AuthMethod[];
}

export interface SecurityEvent {
  readonly id: string;
  readonly type: string;
  readonly at: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly actor: Person | null;
  readonly target: Person | null;
}

export interface Organization {
  readonly id: string;
  readonly name: string;
  /** Every member must have a second factor. */
  readonly requireMfa: boolean;
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: OrgRole;
  readonly joinedAt: string;
  /** The member has a second factor (authenticator app or passkey). */
  readonly mfa: boolean;
}

export interface Invitation {
  readonly id: string;
  readonly email: string;
  readonly role: OrgRole;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly invitedBy: Person | null;
}

export interface Paged {
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export interface Passkey {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}

/** GET /api/mfa: the caller's second factors. */
export interface MfaStatus {
  readonly totp: boolean;
  readonly passkeys: readonly Passkey[];
  readonly recoveryCodesLeft: number;
}

export type SecondFactorMethod = 'totp' | 'passkey' | 'recovery_code';

/** POST /api/auth/login: signed in, or a second factor is needed first. */
export type LoginResult = { readonly user: User; readonly mfaRequired?: undefined } | { readonly mfaRequired: true; readonly methods: readonly SecondFactorMethod[] };

export type TokenPurpose = 'verify_email' | 'reset_password' | 'org_invite';

/** POST /api/auth/tokens/inspect: what an email link's page needs before it shows a form. */
export type { TokenInspection } from '../../../src/email/inspection';
