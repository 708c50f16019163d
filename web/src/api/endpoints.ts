import { api } from './client';
import type { Device, Invitation, Me, Member, Organization, OrgRole, Paged, SecurityEvent, User } from './types';

/** Every API route the UI uses, in one place. All of them go through the one wrapper in client.ts. */

export function fetchMe(): Promise<Me> {
  return api.get<Me>('/api/auth/me', { signedOutIsExpected: true });
}

export function signIn(email: string, password: string): Promise<{ user: User }> {
  return api.post('/api/auth/login', { email, password });
}

export interface Registration {
  readonly name: string;
  readonly email: string;
  readonly password: string;
  readonly organizationName?: string;
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
}

export function updateProfile(change: ProfileChange): Promise<{ user: User }> {
  return api.patch('/api/profile', change);
}

export function deleteAccount(password: string): Promise<void> {
  return api.delete('/api/profile', { password });
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
