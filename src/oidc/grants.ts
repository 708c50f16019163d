import type { Db } from '../db/database.js';
import { oidcDb } from './tables.js';

/**
 * Grants, consents and the link from every grant to the Gatehouse session it was made in. A grant
 * is only ever created by Gatehouse code that has just checked that session (the interaction routes
 * and loadExistingGrant), and linked before anything can read it: a grant without a link is dead.
 */

export async function linkGrant(db: Db, link: { grantId: string; sessionId: string; userId: string; clientId: string }, now: number): Promise<void> {
  await oidcDb(db)
    .insertInto('oidc_grant_links')
    .values({ grant_id: link.grantId, session_id: link.sessionId, user_id: link.userId, client_id: link.clientId, created_at: now })
    .onConflict((oc) => oc.column('grant_id').doNothing())
    .execute();
}

/** The newest grant this session holds for this client, if any. */
export async function linkedGrantId(db: Db, sessionId: string, clientId: string): Promise<string | undefined> {
  const row = await oidcDb(db)
    .selectFrom('oidc_grant_links')
    .select('grant_id')
    .where('session_id', '=', sessionId)
    .where('client_id', '=', clientId)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.grant_id;
}

export function splitScopes(scopes: string): string[] {
  return scopes.split(' ').filter((x) => x !== '');
}

export async function consentedScopes(db: Db, userId: string, clientId: string): Promise<Set<string>> {
  const row = await oidcDb(db).selectFrom('oidc_consents').select('scopes').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
  return new Set(row === undefined ? [] : splitScopes(row.scopes));
}

/** Remembers (adds to) what the user agreed to for this client. */
export async function rememberConsent(db: Db, userId: string, clientId: string, scopes: readonly string[], now: number): Promise<void> {
  const merged = [...new Set([...(await consentedScopes(db, userId, clientId)), ...scopes])].sort().join(' ');
  await oidcDb(db)
    .insertInto('oidc_consents')
    .values({ user_id: userId, client_id: clientId, scopes: merged, granted_at: now })
    .onConflict((oc) => oc.columns(['user_id', 'client_id']).doUpdateSet({ scopes: merged, granted_at: now }))
    .execute();
}

export interface ConsentView {
  clientId: string;
  clientName: string;
  scopes: string[];
  grantedAt: string;
}

export async function listConsents(db: Db, userId: string): Promise<ConsentView[]> {
  const rows = await oidcDb(db)
    .selectFrom('oidc_consents as c')
    .innerJoin('oidc_clients as k', 'k.id', 'c.client_id')
    .select(['c.client_id', 'k.name', 'c.scopes', 'c.granted_at'])
    .where('c.user_id', '=', userId)
    .orderBy('c.granted_at', 'desc')
    .execute();
  return rows.map((r) => ({ clientId: r.client_id, clientName: r.name, scopes: splitScopes(r.scopes), grantedAt: new Date(r.granted_at).toISOString() }));
}

/** Withdraws the consent and ends every grant (so every code and token) the user gave this client. */
export async function withdrawConsent(db: Db, userId: string, clientId: string): Promise<boolean> {
  return oidcDb(db)
    .transaction()
    .execute(async (trx) => {
      const grants = trx.selectFrom('oidc_grant_links').select('grant_id').where('user_id', '=', userId).where('client_id', '=', clientId);
      await trx.deleteFrom('oidc_models').where('grant_id', 'in', grants).execute();
      await trx.deleteFrom('oidc_grant_links').where('user_id', '=', userId).where('client_id', '=', clientId).execute();
      const r = await trx.deleteFrom('oidc_consents').where('user_id', '=', userId).where('client_id', '=', clientId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    });
}

export interface SessionApps {
  sessionId: string;
  apps: { clientId: string; name: string }[];
}

/** The apps signed in through each of the user's unrevoked sessions (a grant that still exists). */
export async function appsBySession(db: Db, userId: string): Promise<SessionApps[]> {
  const rows = await oidcDb(db)
    .selectFrom('oidc_grant_links as l')
    .innerJoin('oidc_clients as k', 'k.id', 'l.client_id')
    .innerJoin('oidc_models as m', (j) => j.onRef('m.id', '=', 'l.grant_id').on('m.kind', '=', 'Grant'))
    .innerJoin('sessions as s', 's.id', 'l.session_id')
    .select(['l.session_id', 'l.client_id', 'k.name'])
    .distinct()
    .where('l.user_id', '=', userId)
    .where('s.revoked_at', 'is', null)
    .orderBy('l.session_id')
    .orderBy('k.name')
    .execute();
  const bySession = new Map<string, SessionApps>();
  for (const r of rows) {
    let entry = bySession.get(r.session_id);
    if (entry === undefined) {
      entry = { sessionId: r.session_id, apps: [] };
      bySession.set(r.session_id, entry);
    }
    entry.apps.push({ clientId: r.client_id, name: r.name });
  }
  return [...bySession.values()];
}

/** Links of grants whose session is long gone (pruned) are dead weight: delete them with their grant rows. */
export async function pruneGrantLinks(db: Db): Promise<void> {
  const k = oidcDb(db);
  const orphans = k.selectFrom('oidc_grant_links as l').leftJoin('sessions as s', 's.id', 'l.session_id').select('l.grant_id').where('s.id', 'is', null);
  await k.deleteFrom('oidc_models').where('grant_id', 'in', orphans).execute();
  await k.deleteFrom('oidc_grant_links').where('grant_id', 'in', k.selectFrom('oidc_grant_links as l').leftJoin('sessions as s', 's.id', 'l.session_id').select('l.grant_id').where('s.id', 'is', null)).execute();
}
