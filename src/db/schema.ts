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
  /** 1: members must have a second factor (org policy). */
  require_mfa: Generated<number>;
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
  /** Why it was revoked (a SessionEndReason); null while live, or for rows revoked before 0006. */
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
  impersonator_id: string | null;
  impersonator_session_id: string | null;
  /** How the session was made: comma-separated, e.g. `password`, `password,totp`, `passkey`. */
  auth_methods: Generated<string>;
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
  /** The external provider of a sign-in or a linked identity (null otherwise). */
  provider: string | null;
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

/** One authenticator-app secret per user; `confirmed_at` null while the setup is pending. */
export interface MfaTotpTable {
  user_id: string;
  /** AES-256-GCM sealed base32 secret (see src/mfa/secret-box.ts). */
  secret_sealed: string;
  created_at: number;
  confirmed_at: number | null;
  /** The last accepted 30 s time step: a code of this step or an older one is refused (replay). */
  last_step: number | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  /** SHA-256 of the normalized code (80 random bits each): never the code itself. */
  code_hash: string;
  created_at: number;
  used_at: number | null;
}

export interface PasskeysTable {
  id: string;
  user_id: string;
  /** base64url credential id, as the authenticator reports it. */
  credential_id: string;
  /** base64url COSE public key. */
  public_key: string;
  counter: number;
  /** JSON array of transports, e.g. ["internal","hybrid"]. */
  transports: string;
  name: string;
  device_type: string;
  backed_up: number;
  created_at: number;
  last_used_at: number | null;
}

export type ChallengePurpose = 'register' | 'reauth' | 'mfa' | 'passwordless';

/** WebAuthn challenges: single use, short-lived, bound to the session or pending login that asked. */
export interface WebauthnChallengesTable {
  id: string;
  challenge: string;
  purpose: ChallengePurpose;
  user_id: string | null;
  /** The Gatehouse session (register, reauth) or pending login id (mfa) it belongs to. */
  bound_to: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

/** A password login waiting for its second factor (the `gh_mfa` cookie names its id). */
export interface MfaPendingTable {
  id: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  failures: number;
  /** Set when completed, or killed after too many wrong codes: never usable again. */
  ended_at: number | null;
  /** How the first step was made (an external provider's auth method); null: the password. */
  first_method: Generated<string | null>;
}

/** An external account (OIDC subject or GitHub user id) linked to one user. */
export interface IdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  subject: string;
  /** The provider's verified email when linked (informational: accounts are found by provider+subject). */
  email: string | null;
  created_at: number;
}

/** A started authorization request (the gh_oauth cookie names its id); deleted when used. */
export interface OauthStatesTable {
  id: string;
  provider: string;
  state: string;
  nonce: string;
  code_verifier: string;
  next: string;
  mode: 'signin' | 'link';
  user_id: string | null;
  session_id: string | null;
  created_at: number;
  expires_at: number;
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
  mfa_totp: MfaTotpTable;
  recovery_codes: RecoveryCodesTable;
  passkeys: PasskeysTable;
  webauthn_challenges: WebauthnChallengesTable;
  mfa_pending: MfaPendingTable;
  identities: IdentitiesTable;
  oauth_states: OauthStatesTable;
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
export type MfaTotp = Selectable<MfaTotpTable>;
export type Passkey = Selectable<PasskeysTable>;
export type NewPasskey = Insertable<PasskeysTable>;
export type WebauthnChallenge = Selectable<WebauthnChallengesTable>;
export type MfaPending = Selectable<MfaPendingTable>;
export type Identity = Selectable<IdentitiesTable>;
export type OauthState = Selectable<OauthStatesTable>;
