import type { Adapter, AdapterFactory, AdapterPayload } from 'oidc-provider';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { touchSession, TOUCH_INTERVAL_MS } from '../session/sessions.js';
import { oidcDb, type OidcDb } from './tables.js';
import { toProviderMetadata } from './clients.js';

/**
 * Codes and tokens that belong to a grant, and so to the Gatehouse session the grant was made in.
 * Each read of one re-checks that session and its user in the same SQL statement: there is no cache
 * anywhere, so a revoked session (devices page, logout, password reset, eviction by the cap), a
 * disabled or deleted user, ends them on the very next request on every instance.
 */
const SESSION_BOUND: ReadonlySet<string> = new Set(['AuthorizationCode', 'AccessToken', 'RefreshToken', 'Grant']);

export interface AdapterDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly sessionIdleMs: number;
}

interface BoundRow {
  payload: string;
  consumed_at: number | null;
  expires_at: number | null;
  session_id: string | null;
  revoked_at: number | null;
  session_expires_at: number | null;
  last_active_at: number | null;
  disabled: number | null;
}

function decode(row: { payload: string; consumed_at: number | null }): AdapterPayload {
  const payload = JSON.parse(row.payload) as AdapterPayload;
  return row.consumed_at === null ? payload : { ...payload, consumed: Math.floor(row.consumed_at / 1000) };
}

async function findBound(k: OidcDb, deps: AdapterDeps, kind: string, id: string): Promise<AdapterPayload | undefined> {
  const row: BoundRow | undefined = await k
    .selectFrom('oidc_models as m')
    .leftJoin('oidc_grant_links as l', 'l.grant_id', 'm.grant_id')
    .leftJoin('sessions as s', 's.id', 'l.session_id')
    .leftJoin('users as u', 'u.id', 's.user_id')
    .select(['m.payload', 'm.consumed_at', 'm.expires_at', 'l.session_id', 's.revoked_at', 's.expires_at as session_expires_at', 's.last_active_at', 'u.disabled'])
    .where('m.kind', '=', kind)
    .where('m.id', '=', id)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  const now = deps.clock.now();
  if (row.expires_at !== null && row.expires_at <= now) return undefined;
  const live =
    row.session_id !== null &&
    row.revoked_at === null &&
    row.session_expires_at !== null &&
    row.session_expires_at > now &&
    row.last_active_at !== null &&
    row.last_active_at + deps.sessionIdleMs > now &&
    row.disabled === 0;
  if (!live) return undefined;
  // An app using its tokens is activity of the session they came from (at most one write a minute).
  if (row.session_id !== null && row.last_active_at !== null && now - row.last_active_at >= TOUCH_INTERVAL_MS) {
    await touchSession(deps.db.kysely, row.session_id, now);
  }
  return decode(row);
}

class KyselyAdapter implements Adapter {
  readonly #k: OidcDb;
  constructor(
    readonly kind: string,
    readonly deps: AdapterDeps,
  ) {
    this.#k = oidcDb(deps.db);
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const now = this.deps.clock.now();
    const grantId = this.kind === 'Grant' ? id : (payload.grantId ?? null);
    const values = {
      payload: JSON.stringify(payload),
      grant_id: grantId,
      uid: payload.uid ?? null,
      user_code: payload.userCode ?? null,
      expires_at: expiresIn === undefined ? null : now + expiresIn * 1000,
    };
    await this.#k
      .insertInto('oidc_models')
      .values({ kind: this.kind, id, ...values, consumed_at: null, created_at: now })
      .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet(values))
      .execute();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    if (this.kind === 'Client') {
      const row = await this.#k.selectFrom('oidc_clients').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? undefined : toProviderMetadata(row);
    }
    if (SESSION_BOUND.has(this.kind)) return findBound(this.#k, this.deps, this.kind, id);
    const row = await this.#k.selectFrom('oidc_models').select(['payload', 'consumed_at', 'expires_at']).where('kind', '=', this.kind).where('id', '=', id).executeTakeFirst();
    if (row === undefined || (row.expires_at !== null && row.expires_at <= this.deps.clock.now())) return undefined;
    return decode(row);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const row = await this.#k.selectFrom('oidc_models').select('id').where('kind', '=', this.kind).where('uid', '=', uid).executeTakeFirst();
    return row === undefined ? undefined : this.find(row.id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const row = await this.#k.selectFrom('oidc_models').select('id').where('kind', '=', this.kind).where('user_code', '=', userCode).executeTakeFirst();
    return row === undefined ? undefined : this.find(row.id);
  }

  async consume(id: string): Promise<void> {
    await this.#k.updateTable('oidc_models').set({ consumed_at: this.deps.clock.now() }).where('kind', '=', this.kind).where('id', '=', id).execute();
  }

  async destroy(id: string): Promise<void> {
    await this.#k.deleteFrom('oidc_models').where('kind', '=', this.kind).where('id', '=', id).execute();
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    await this.#k.deleteFrom('oidc_models').where('grant_id', '=', grantId).where('kind', '=', this.kind).execute();
  }
}

/** oidc-provider's storage: every model in the database (SQLite or PostgreSQL), clients from oidc_clients. */
export function kyselyAdapter(deps: AdapterDeps): AdapterFactory {
  return (name: string): Adapter => new KyselyAdapter(name, deps);
}

/** Deletes expired provider rows (run with the session pruning). */
export async function pruneOidcModels(db: Db, now: number): Promise<number> {
  const r = await oidcDb(db).deleteFrom('oidc_models').where('expires_at', '<', now).executeTakeFirst();
  return Number(r.numDeletedRows);
}
