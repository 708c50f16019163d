import { createHash } from 'node:crypto';
import type { Db } from '../db/database.js';
import { randomToken, safeEqual } from '../crypto/random.js';
import { oidcDb, type OidcClientRow } from './tables.js';

export interface NewClientInput {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly public?: boolean;
  readonly firstParty?: boolean;
  readonly idTokenAlg?: 'ES256' | 'RS256';
}

export interface ClientView {
  clientId: string;
  name: string;
  public: boolean;
  firstParty: boolean;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
  idTokenSignedResponseAlg: 'ES256' | 'RS256';
  createdAt: string;
}

export class ClientInputError extends Error {}

/**
 * Client secrets are stored as SHA-256 only (they are 256 random bits, so a plain hash is enough): a
 * database dump does not reveal them. oidc-provider's own comparison is replaced by hashSecret +
 * constant-time compare (provider.ts), and secret-keyed algorithms (HS256, client_secret_jwt,
 * symmetric encryption) are never offered, since they would need the secret itself.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

export function secretMatches(presented: string, storedHash: string): boolean {
  return safeEqual(hashSecret(presented), storedHash);
}

/** Exact, absolute http(s) URIs without a fragment; matching at the provider is exact string equality. */
export function checkRedirectUri(uri: string): string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    throw new ClientInputError(`not an absolute URL: ${uri}`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new ClientInputError(`redirect URIs must be http(s): ${uri}`);
  if (u.hash !== '' || uri.includes('#')) throw new ClientInputError(`redirect URIs must not have a fragment: ${uri}`);
  if (u.username !== '' || u.password !== '') throw new ClientInputError(`redirect URIs must not carry credentials: ${uri}`);
  if (uri.includes('*')) throw new ClientInputError(`wildcards are not allowed: ${uri}`);
  return uri;
}

function parseList(json: string): string[] {
  const v: unknown = JSON.parse(json);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function toClientView(r: OidcClientRow): ClientView {
  return {
    clientId: r.id,
    name: r.name,
    public: r.secret_hash === null,
    firstParty: r.first_party === 1,
    redirectUris: parseList(r.redirect_uris),
    postLogoutRedirectUris: parseList(r.post_logout_redirect_uris),
    idTokenSignedResponseAlg: r.id_token_alg,
    createdAt: new Date(r.created_at).toISOString(),
  };
}

/** The client as oidc-provider sees it (from the Client adapter). */
export function toProviderMetadata(r: OidcClientRow): Record<string, unknown> {
  const view = toClientView(r);
  return {
    client_id: r.id,
    client_name: r.name,
    ...(r.secret_hash === null ? { token_endpoint_auth_method: 'none' } : { client_secret: r.secret_hash, token_endpoint_auth_method: 'client_secret_basic' }),
    redirect_uris: view.redirectUris,
    post_logout_redirect_uris: view.postLogoutRedirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    id_token_signed_response_alg: r.id_token_alg,
  };
}

export async function addClient(db: Db, input: NewClientInput, now: number): Promise<{ client: ClientView; secret: string | null }> {
  const name = input.name.trim();
  if (name === '' || name.length > 200) throw new ClientInputError('the name must be 1 to 200 characters');
  if (input.redirectUris.length === 0) throw new ClientInputError('at least one redirect URI is required');
  const redirectUris = input.redirectUris.map(checkRedirectUri);
  const postLogout = (input.postLogoutRedirectUris ?? []).map(checkRedirectUri);
  const secret = input.public === true ? null : randomToken(32);
  const row: OidcClientRow = {
    id: `gh_${randomToken(12)}`,
    name,
    secret_hash: secret === null ? null : hashSecret(secret),
    redirect_uris: JSON.stringify(redirectUris),
    post_logout_redirect_uris: JSON.stringify(postLogout),
    first_party: input.firstParty === true ? 1 : 0,
    id_token_alg: input.idTokenAlg ?? 'ES256',
    created_at: now,
  };
  await oidcDb(db).insertInto('oidc_clients').values(row).execute();
  return { client: toClientView(row), secret };
}

export async function findClientRow(db: Db, id: string): Promise<OidcClientRow | undefined> {
  return oidcDb(db).selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listClients(db: Db): Promise<ClientView[]> {
  const rows = await oidcDb(db).selectFrom('oidc_clients').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
  return rows.map(toClientView);
}

/** Removes the client with its consents, grants and every code and token issued to it. */
export async function removeClient(db: Db, id: string): Promise<boolean> {
  return oidcDb(db)
    .transaction()
    .execute(async (trx) => {
      const grants = trx.selectFrom('oidc_grant_links').select('grant_id').where('client_id', '=', id);
      await trx.deleteFrom('oidc_models').where('grant_id', 'in', grants).execute();
      await trx.deleteFrom('oidc_grant_links').where('client_id', '=', id).execute();
      await trx.deleteFrom('oidc_consents').where('client_id', '=', id).execute();
      const r = await trx.deleteFrom('oidc_clients').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
}
