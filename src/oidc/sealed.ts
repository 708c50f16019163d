import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption (AES-256-GCM) for secrets the provider must keep in the database (its
 * private signing keys). The key is HKDF-SHA256(SESSION_SECRET, info "gatehouse:oidc-keys"), so a
 * database dump alone does not reveal them; during a SESSION_SECRET rotation the previous secret
 * still opens what it sealed, and whatever it opened is sealed again with the current one.
 */
const INFO = 'gatehouse:oidc-keys';
const VERSION = 'v1';

function keyFrom(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), INFO, 32));
}

export function seal(secret: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFrom(secret), iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [VERSION, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/**
 * Opens with the first secret that authenticates; throws when none does. `stale`: it took a secret
 * other than the current one (the first), so the caller should seal it again with the current one.
 */
export function unseal(secrets: readonly string[], sealed: string): { readonly plaintext: string; readonly stale: boolean } {
  const [version, iv, body, tag] = sealed.split('.');
  if (version !== VERSION || iv === undefined || body === undefined || tag === undefined) throw new Error('sealed value: bad format');
  for (const [i, secret] of secrets.entries()) {
    try {
      const decipher = createDecipheriv('aes-256-gcm', keyFrom(secret), Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return { plaintext: Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8'), stale: i > 0 };
    } catch {
      // Not this secret: try the next one.
    }
  }
  throw new Error('sealed value: no configured secret opens it (was SESSION_SECRET changed without SESSION_SECRET_PREVIOUS?)');
}
