import type { JsonWebKey } from 'node:crypto';
import type { Db } from '../db/database.js';
import { newKeyPair } from '../crypto/key-pair.js';
import { randomToken } from '../crypto/random.js';
import { oidcDb, type OidcKeysTable } from './tables.js';
import { seal, unseal } from './sealed.js';

export type SigningAlg = OidcKeysTable['alg'];
export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'RS256'];

/** A key retired by a rotation stays in the JWKS this long: longer than any ID token it signed lives. */
export const RETIRED_KEY_RETENTION_MS = 25 * 3_600_000;

export interface SigningJwk extends JsonWebKey {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

export interface KeySet {
  /** Private JWKs for oidc-provider: the active key of each algorithm first (it signs), then retired ones. */
  readonly keys: SigningJwk[];
  /** Changes whenever the set changes (a rotation on any instance). */
  readonly fingerprint: string;
}

function generate(alg: SigningAlg): { publicJwk: SigningJwk; privateJwk: SigningJwk } {
  const pair = newKeyPair(alg === 'ES256' ? { type: 'ec', namedCurve: 'P-256' } : { type: 'rsa', modulusLength: 2048 });
  const kid = randomToken(12);
  const meta = { kid, alg, use: 'sig' as const };
  return {
    publicJwk: { ...pair.publicKey.export({ format: 'jwk' }), ...meta },
    privateJwk: { ...pair.privateKey.export({ format: 'jwk' }), ...meta },
  };
}

async function insertGeneration(db: Db, secret: string, alg: SigningAlg, generation: number, now: number): Promise<void> {
  const { publicJwk, privateJwk } = generate(alg);
  await oidcDb(db)
    .insertInto('oidc_keys')
    .values({
      kid: publicJwk.kid,
      alg,
      generation,
      public_jwk: JSON.stringify(publicJwk),
      private_jwk: seal(secret, JSON.stringify(privateJwk)),
      created_at: now,
      retired_at: null,
    })
    // Another instance starting at the same moment made this generation already: keep theirs.
    .onConflict((oc) => oc.columns(['alg', 'generation']).doNothing())
    .execute();
}

/** At first start: one ES256 and one RS256 key. Idempotent and safe under concurrent starts. */
export async function ensureSigningKeys(db: Db, secret: string, now: number): Promise<void> {
  const existing = await oidcDb(db).selectFrom('oidc_keys').select('alg').distinct().execute();
  const have = new Set(existing.map((r) => r.alg));
  for (const alg of SIGNING_ALGS) {
    if (!have.has(alg)) await insertGeneration(db, secret, alg, 1, now);
  }
}

export async function loadKeySet(db: Db, secrets: readonly string[], now: number): Promise<KeySet> {
  const rows = await oidcDb(db)
    .selectFrom('oidc_keys')
    .selectAll()
    .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', now - RETIRED_KEY_RETENTION_MS)]))
    .orderBy('generation', 'desc')
    .orderBy('alg', 'asc')
    .execute();
  // oidc-provider signs with the first key of the requested algorithm: active keys go first.
  const ordered = [...rows.filter((r) => r.retired_at === null), ...rows.filter((r) => r.retired_at !== null)];
  const keys: SigningJwk[] = [];
  const kept: string[] = [];
  for (const r of ordered) {
    let opened: ReturnType<typeof unseal>;
    try {
      opened = unseal(secrets, r.private_jwk);
    } catch (e) {
      // A retired key sealed under a SESSION_SECRET that is no longer configured only drops out of
      // the JWKS early; an active key that cannot be opened must stop the start (nothing could sign).
      if (r.retired_at !== null) continue;
      throw e;
    }
    if (opened.stale && secrets[0] !== undefined) await resealKey(db, r.kid, r.private_jwk, seal(secrets[0], opened.plaintext));
    keys.push(JSON.parse(opened.plaintext) as SigningJwk);
    kept.push(`${r.kid}:${r.retired_at === null ? 'a' : 'r'}`);
  }
  return { keys, fingerprint: kept.join(',') };
}

/**
 * A key opened only by SESSION_SECRET_PREVIOUS moves to the current secret at once (every instance
 * loads the set at start and every 30 s), so finishing a secret rotation — dropping the previous
 * secret — cannot leave the provider with a signing key nothing opens. Compare-and-set on the old
 * value: of instances doing this at once, one write wins and every value stays openable.
 */
async function resealKey(db: Db, kid: string, was: string, now: string): Promise<void> {
  await oidcDb(db).updateTable('oidc_keys').set({ private_jwk: now }).where('kid', '=', kid).where('private_jwk', '=', was).execute();
}

export interface RotationResult {
  readonly added: { kid: string; alg: SigningAlg }[];
  readonly retired: string[];
  readonly removed: number;
}

/**
 * A new key per algorithm signs from now on; the previous ones are retired but stay published for
 * RETIRED_KEY_RETENTION_MS (their ID tokens must still verify), and keys retired before that are deleted.
 */
export async function rotateSigningKeys(db: Db, secret: string, now: number): Promise<RotationResult> {
  const k = oidcDb(db);
  const active = await k.selectFrom('oidc_keys').select(['kid', 'alg', 'generation']).where('retired_at', 'is', null).execute();
  const added: { kid: string; alg: SigningAlg }[] = [];
  for (const alg of SIGNING_ALGS) {
    const max = await k.selectFrom('oidc_keys').select((eb) => eb.fn.max('generation').as('g')).where('alg', '=', alg).executeTakeFirst();
    await insertGeneration(db, secret, alg, (max?.g ?? 0) + 1, now);
    const row = await k.selectFrom('oidc_keys').select('kid').where('alg', '=', alg).orderBy('generation', 'desc').limit(1).executeTakeFirstOrThrow();
    added.push({ kid: row.kid, alg });
  }
  const retired = active.map((r) => r.kid);
  if (retired.length > 0) await k.updateTable('oidc_keys').set({ retired_at: now }).where('kid', 'in', retired).execute();
  const removed = await k.deleteFrom('oidc_keys').where('retired_at', '<', now - RETIRED_KEY_RETENTION_MS).executeTakeFirst();
  return { added, retired, removed: Number(removed.numDeletedRows) };
}

export async function listSigningKeys(db: Db): Promise<{ kid: string; alg: string; createdAt: number; retiredAt: number | null }[]> {
  const rows = await oidcDb(db).selectFrom('oidc_keys').select(['kid', 'alg', 'created_at', 'retired_at']).orderBy('generation', 'desc').execute();
  return rows.map((r) => ({ kid: r.kid, alg: r.alg, createdAt: r.created_at, retiredAt: r.retired_at }));
}
