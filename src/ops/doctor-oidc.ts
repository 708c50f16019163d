import type { Db } from '../db/database.js';
import type { Finding } from '../doctor.js';
import { SIGNING_ALGS } from '../oidc/keys.js';
import { unseal } from '../oidc/sealed.js';
import { oidcDb, type OidcClientRow } from '../oidc/tables.js';

/** Past this age doctor recommends `oidc-keys rotate`: a key that signs for years gives a leak years of use. */
export const SIGNING_KEY_MAX_AGE_MS = 180 * 86_400_000;
const DAY_MS = 86_400_000;
const SHOWN_URIS = 3;

export interface OidcCheckOptions {
  readonly now: number;
  /** SESSION_SECRET then SESSION_SECRET_PREVIOUS, as the server would try them; empty: not checked. */
  readonly secrets: readonly string[];
}

/**
 * RFC 8252 lets native apps receive the code on a loopback port over plain http (it never leaves the
 * machine); any other http redirect URI sends codes, and with them the user's sign-in, in clear text.
 */
export function insecureRedirectUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return true;
  }
  if (url.protocol === 'https:') return false;
  const host = url.hostname;
  return !(url.protocol === 'http:' && (host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)));
}

function uriList(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function clientFindings(rows: readonly OidcClientRow[]): Finding[] {
  const publicCount = rows.filter((r) => r.secret_hash === null).length;
  const findings: Finding[] = [{
    severity: 'info',
    subject: 'OIDC clients',
    message: rows.length === 0
      ? 'no OpenID Connect client is registered (add one with `npm run cli -- oidc-client add`)'
      : `${String(rows.length)} OpenID Connect client(s) registered: ${String(rows.length - publicCount)} confidential, ${String(publicCount)} public`,
  }];
  for (const r of rows) {
    const insecure = [...uriList(r.redirect_uris), ...uriList(r.post_logout_redirect_uris)].filter(insecureRedirectUri);
    if (insecure.length === 0) continue;
    const shown = insecure.slice(0, SHOWN_URIS).join(', ') + (insecure.length > SHOWN_URIS ? ` and ${String(insecure.length - SHOWN_URIS)} more` : '');
    findings.push({
      severity: 'warning',
      subject: 'OIDC clients',
      message: `client "${r.name}" (${r.id}) has redirect URI(s) that are not https (${shown}): authorization codes and logout redirects would travel in clear text; only http://localhost or 127.0.0.1 loopback URIs of native apps are fine over http`,
    });
  }
  return findings;
}

interface KeyRow {
  readonly kid: string;
  readonly alg: string;
  readonly generation: number;
  readonly private_jwk: string;
  readonly created_at: number;
}

function keyFindings(active: readonly KeyRow[], anyKey: boolean, options: OidcCheckOptions): Finding[] {
  if (!anyKey) return [{ severity: 'info', subject: 'OIDC signing keys', message: 'no signing key yet: the server makes one per algorithm at its first start' }];
  const findings: Finding[] = [];
  for (const alg of SIGNING_ALGS) {
    const newest = active.filter((k) => k.alg === alg).sort((a, b) => b.generation - a.generation)[0];
    if (newest === undefined) {
      findings.push({ severity: 'warning', subject: 'OIDC signing keys', message: `no active ${alg} signing key (only retired ones): run \`npm run cli -- oidc-keys rotate\`` });
      continue;
    }
    const ageMs = options.now - newest.created_at;
    if (ageMs > SIGNING_KEY_MAX_AGE_MS) {
      findings.push({
        severity: 'warning',
        subject: 'OIDC signing keys',
        message: `the active ${alg} signing key (${newest.kid}) is ${String(Math.floor(ageMs / DAY_MS))} days old, over ${String(SIGNING_KEY_MAX_AGE_MS / DAY_MS)}: run \`npm run cli -- oidc-keys rotate\` (the old key stays published while its tokens live)`,
      });
    }
  }
  if (options.secrets.length > 0) {
    for (const k of active) {
      try {
        unseal(options.secrets, k.private_jwk);
      } catch {
        // The server loads active keys at start and stops when one does not open: production would not run.
        findings.push({
          severity: 'error',
          subject: 'OIDC signing keys',
          message: `the active ${k.alg} signing key (${k.kid}) is sealed under a secret neither SESSION_SECRET nor SESSION_SECRET_PREVIOUS is: the server refuses to start; restore the previous secret as SESSION_SECRET_PREVIOUS`,
        });
      }
    }
  }
  return findings;
}

/**
 * `doctor`, for the OpenID Connect provider: the registered clients (how many; redirect URIs that are
 * not https), and the signing keys (one active per algorithm, its age, whether the configured secrets
 * open it). Read-only.
 */
export async function oidcChecks(db: Db, options: OidcCheckOptions): Promise<Finding[]> {
  const k = oidcDb(db);
  const clients = await k.selectFrom('oidc_clients').selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
  const keys = await k.selectFrom('oidc_keys').select(['kid', 'alg', 'generation', 'private_jwk', 'created_at', 'retired_at']).execute();
  const active = keys.filter((r) => r.retired_at === null);
  return [...clientFindings(clients), ...keyFindings(active, keys.length > 0, options)];
}
