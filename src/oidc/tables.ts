import type { Kysely, Selectable } from 'kysely';
import type { Db } from '../db/database.js';
import type { Database } from '../db/schema.js';

/** The provider's tables (created by migration 0003_oidc). Times are epoch milliseconds. */

export interface OidcModelsTable {
  kind: string;
  id: string;
  /** oidc-provider's payload, as JSON text (identical on SQLite and PostgreSQL). */
  payload: string;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  expires_at: number | null;
  consumed_at: number | null;
  /** Our clock (not the provider's): when the row was first written. */
  created_at: number;
}

export interface OidcGrantLinksTable {
  grant_id: string;
  session_id: string;
  user_id: string;
  client_id: string;
  created_at: number;
}

export interface OidcClientsTable {
  id: string;
  name: string;
  /** SHA-256 of the secret (base64url); null for a public client. The secret itself is never stored. */
  secret_hash: string | null;
  /** JSON array of exact URIs. */
  redirect_uris: string;
  post_logout_redirect_uris: string;
  first_party: number;
  id_token_alg: 'ES256' | 'RS256';
  created_at: number;
}

export interface OidcConsentsTable {
  user_id: string;
  client_id: string;
  /** Space-separated scopes the user agreed to for this client. */
  scopes: string;
  granted_at: number;
}

export interface OidcKeysTable {
  kid: string;
  alg: 'ES256' | 'RS256';
  generation: number;
  public_jwk: string;
  /** The private JWK sealed with a key derived from SESSION_SECRET (see sealed.ts). */
  private_jwk: string;
  created_at: number;
  retired_at: number | null;
}

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible type.
export type OidcTables = {
  oidc_models: OidcModelsTable;
  oidc_grant_links: OidcGrantLinksTable;
  oidc_clients: OidcClientsTable;
  oidc_consents: OidcConsentsTable;
  oidc_keys: OidcKeysTable;
};

export type OidcDb = Kysely<Database & OidcTables>;
export type OidcClientRow = Selectable<OidcClientsTable>;

/** The shared database, typed with the provider's tables too (kept out of db/schema.ts on purpose). */
export function oidcDb(db: Db): OidcDb {
  return db.kysely.withTables<OidcTables>();
}
