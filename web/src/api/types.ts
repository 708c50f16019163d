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
}

export interface Person {
  readonly id: string;
  readonly email: string;
}

export interface Me {
  readonly user: User;
  readonly session: { readonly id: string; readonly createdAt: string; readonly lastActiveAt: string };
  readonly impersonator: { readonly id: string; readonly email: string; readonly name: string } | null;
}

export interface Device {
  readonly id: string;
  readonly current: boolean;
  readonly createdAt: string;
  readonly lastActiveAt: string;
  readonly userAgent: string | null;
  readonly ip: string | null;
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
}

export interface Member {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly role: OrgRole;
  readonly joinedAt: string;
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
