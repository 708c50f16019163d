import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/browser';
import { api } from './client';
import type { Device, Invitation, LoginResult, Me, Member, MfaStatus, Organization, OrgRole, Paged, Passkey, SecurityEvent, TokenInspection, TokenPurpose, User } from './types';

/** Every API route the UI uses, in one place. All of them go through the one wrapper in client.ts. */

export function fetchMe(): Promise<Me> {
  return api.get<Me>('/api/auth/me', { signedOutIsExpected: true });
}

export function signIn(email: string, password: string): Promise<LoginResult> {
  return api.post('/api/auth/login', { email, password });
}

/** The second step of a password login: exactly one of a TOTP code, a recovery code or a passkey assertion. */
export type SecondFactor = { readonly code: string } | { readonly recoveryCode: string } | { readonly passkey: AuthenticationResponseJSON };

export function signInSecondFactor(factor: SecondFactor): Promise<{ user: User }> {
  // A 401 here means the pending login expired: the sign-in page handles it, nobody was signed in.
  return api.post('/api/auth/login/mfa', factor, { signedOutIsExpected: true });
}

export function secondFactorPasskeyOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return api.post('/api/auth/login/mfa/options', undefined, { signedOutIsExpected: true });
}

export function passkeySignInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return api.post('/api/auth/passkey/options', undefined, { signedOutIsExpected: true });
}

export function signInWithPasskey(response: AuthenticationResponseJSON): Promise<{ user: User }> {
  return api.post('/api/auth/passkey', { response }, { signedOutIsExpected: true });
}

export interface Registration {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly organizationName?: string;
  /** The token of a join link: the new account joins that organization instead of getting its own. */
  readonly inviteToken?: string;
}

export function register(fields: Registration): Promise<{ user: User }> {
  return api.post('/api/auth/register', fields);
}

export function signOut(): Promise<void> {
  return api.post('/api/auth/logout');
}

export function verifyEmail(token: string): Promise<{ message?: string }> {
  return api.post('/api/auth/verify-email', { token });
}

/** Checks an email link's token without using it: 400 invalid_token or 410 token_expired when it is dead. */
export function inspectToken<P extends TokenPurpose>(token: string, purpose: P): Promise<Extract<TokenInspection, { purpose: P }>> {
  return api.post('/api/auth/tokens/inspect', { token, purpose }, { signedOutIsExpected: true });
}

export function resendVerification(): Promise<{ message?: string }> {
  return api.post('/api/auth/resend-verification');
}

export function forgotPassword(email: string): Promise<{ message?: string }> {
  return api.post('/api/auth/forgot-password', { email });
}

export function resetPassword(token: string, password: string): Promise<{ message?: string }> {
  return api.post('/api/auth/reset-password', { token, password });
}

export function changePassword(currentPassword: string, newPassword: string): Promise<{ user: User }> {
  return api.post('/api/auth/change-password', { currentPassword, newPassword });
}

export interface ProfileChange {
  readonly name?: string;
  readonly email?: string;
  readonly organizationName?: string;
  readonly currentPassword?: string;
  /** In place of `currentPassword`: a fresh assertion of one of the caller's passkeys. */
  readonly passkey?: AuthenticationResponseJSON;
}

export function updateProfile(change: ProfileChange): Promise<{ user: User }> {
  return api.patch('/api/profile', change);
}

/** Proof that it is really the account holder: the password, or a fresh passkey assertion. */
export type Reauth = { readonly password: string } | { readonly passkey: AuthenticationResponseJSON };

export function deleteAccount(proof: Reauth): Promise<void> {
  return api.delete('/api/profile', proof);
}

/** What linking a provider asks of this account: with neither, a sign-in from the last few minutes. */
export interface LinkProofs {
  readonly password: boolean;
  readonly passkey: boolean;
}

export function fetchLinkProofs(): Promise<LinkProofs> {
  return api.get('/api/identities/link-proof');
}

/** `{}` for an account with no password and no passkey (the server checks the sign-in is recent). */
export function startLinking(provider: string, proof: Reauth | Record<string, never>): Promise<{ url: string }> {
  return api.post(`/api/identities/link/${encodeURIComponent(provider)}`, proof);
}

export function fetchMfa(): Promise<MfaStatus> {
  return api.get('/api/mfa');
}

export function startTotpSetup(password: string): Promise<{ secret: string; otpauthUri: string }> {
  return api.post('/api/mfa/totp/setup', { password });
}

export function confirmTotp(code: string): Promise<{ recoveryCodes: string[] }> {
  return api.post('/api/mfa/totp/confirm', { code });
}

/** `code`: a current authenticator code or a recovery code. */
export function disableTotp(proof: Reauth, code: string): Promise<void> {
  return api.delete('/api/mfa/totp', code === '' ? proof : { ...proof, code });
}

export function regenerateRecoveryCodes(proof: Reauth): Promise<{ recoveryCodes: string[] }> {
  return api.post('/api/mfa/recovery-codes', proof);
}

export function passkeyCreationOptions(password: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return api.post('/api/passkeys/options', { password });
}

export function addPasskey(response: RegistrationResponseJSON, name: string): Promise<{ passkey: Passkey }> {
  return api.post('/api/passkeys', name === '' ? { response } : { response, name });
}

export function renamePasskey(id: string, name: string): Promise<{ passkey: Passkey }> {
  return api.patch(`/api/passkeys/${encodeURIComponent(id)}`, { name });
}

export function removePasskey(id: string, proof: Reauth): Promise<void> {
  return api.delete(`/api/passkeys/${encodeURIComponent(id)}`, proof);
}

export function reauthPasskeyOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return api.post('/api/passkeys/reauth/options');
}

export function listDevices(): Promise<{ sessions: Device[] }> {
  return api.get('/api/sessions');
}

export function revokeDevice(id: string): Promise<void> {
  return api.delete(`/api/sessions/${encodeURIComponent(id)}`);
}

export function revokeOtherDevices(): Promise<void> {
  return api.post('/api/sessions/revoke-others');
}

export function listMyEvents(): Promise<{ events: SecurityEvent[] }> {
  return api.get('/api/security-events');
}

export function fetchOrganization(): Promise<{ organization: Organization; members: Member[] }> {
  return api.get('/api/org');
}

export function setOrganizationRequireMfa(requireMfa: boolean): Promise<{ organization: Organization }> {
  return api.patch('/api/org', { requireMfa });
}

export function listInvitations(): Promise<{ invitations: Invitation[] }> {
  return api.get('/api/org/invitations');
}

export function invite(email: string, role: OrgRole): Promise<{ invitation: Invitation }> {
  return api.post('/api/org/invitations', { email, role });
}

export function revokeInvitation(id: string): Promise<void> {
  return api.delete(`/api/org/invitations/${encodeURIComponent(id)}`);
}

export function joinOrganization(token: string): Promise<{ organization: Organization }> {
  return api.post('/api/org/join', { token });
}

export function changeMemberRole(userId: string, role: OrgRole): Promise<{ member: Member }> {
  return api.patch(`/api/org/members/${encodeURIComponent(userId)}`, { role });
}

export function removeMember(userId: string): Promise<void> {
  return api.delete(`/api/org/members/${encodeURIComponent(userId)}`);
}

function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export function searchUsers(q: string, page: number): Promise<Paged & { users: User[] }> {
  return api.get(`/api/admin/users${query({ q, page })}`);
}

export function setUserDisabled(id: string, change: { readonly disabled: boolean }): Promise<{ user: User }> {
  return api.patch(`/api/admin/users/${encodeURIComponent(id)}`, { disabled: change.disabled });
}

export function deleteUser(id: string): Promise<void> {
  return api.delete(`/api/admin/users/${encodeURIComponent(id)}`);
}

export function resetUserMfa(id: string): Promise<void> {
  return api.delete(`/api/admin/users/${encodeURIComponent(id)}/mfa`);
}

export function impersonate(userId: string): Promise<{ user: User }> {
  return api.post('/api/admin/impersonate', { userId });
}

export function stopImpersonating(): Promise<{ user: User }> {
  return api.post('/api/admin/impersonate/stop');
}

export interface EventFilter {
  readonly userId?: string;
  readonly type?: string;
  readonly page: number;
}

export function searchEvents(filter: EventFilter): Promise<Paged & { events: SecurityEvent[] }> {
  return api.get(`/api/admin/security-events${query({ userId: filter.userId, type: filter.type, page: filter.page })}`);
}
