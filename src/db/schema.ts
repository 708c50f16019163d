import type { Generated, Insertable, Selectable } from 'kysely';

/** All times are UTC epoch milliseconds; all flags are 0/1 integers (identical on SQLite and PostgreSQL). */

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  email_verified: number;
  role: 'user' | 'admin';
  disabled: number;
  created_at: number;
  updated_at: number;
  password_changed_at: number;
  email_changed_at: number;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: number;
}

export interface MembershipsTable {
  user_id: string;
  org_id: string;
  role: 'owner' | 'admin' | 'member';
  joined_at: number;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  revoked_at: number | null;
  ip: string | null;
  user_agent: string | null;
  impersonator_id: string | null;
  impersonator_session_id: string | null;
}

export interface SecurityEventsTable {
  seq: Generated<number>;
  id: string;
  type: string;
  at: number;
  user_id: string | null;
  ip: string | null;
  user_agent: string | null;
  actor_id: string | null;
  actor_email: string | null;
  target_id: string | null;
  target_email: string | null;
}

export interface EmailTokensTable {
  id: string;
  purpose: 'verify_email' | 'reset_password';
  user_id: string;
  email: string;
  created_at: number;
  expires_at: number;
  consumed_at: number | null;
}

export interface InvitationsTable {
  id: string;
  org_id: string;
  email: string;
  role: 'admin' | 'member';
  invited_by: string | null;
  invited_by_email: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  used_at: number | null;
  used_by: string | null;
}

export interface OutboxTable {
  seq: Generated<number>;
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  created_at: number;
}

export interface MailFailuresTable {
  id: string;
  to_address: string;
  subject: string;
  attempts: number;
  last_error: string;
  failed_at: number;
}

export interface Database {
  users: UsersTable;
  organizations: OrganizationsTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  security_events: SecurityEventsTable;
  email_tokens: EmailTokensTable;
  invitations: InvitationsTable;
  outbox: OutboxTable;
  mail_failures: MailFailuresTable;
}

export type User = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type Organization = Selectable<OrganizationsTable>;
export type Membership = Selectable<MembershipsTable>;
export type Session = Selectable<SessionsTable>;
export type NewSession = Insertable<SessionsTable>;
export type SecurityEventRow = Selectable<SecurityEventsTable>;
export type NewSecurityEvent = Insertable<SecurityEventsTable>;
export type EmailTokenRow = Selectable<EmailTokensTable>;
export type Invitation = Selectable<InvitationsTable>;
export type OutboxRow = Selectable<OutboxTable>;
