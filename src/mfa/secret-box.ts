import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * TOTP secrets at rest: AES-256-GCM under HKDF-SHA256(SESSION_SECRET, salt = empty,
 * info = "gatehouse:mfa", 32 bytes), as the contract fixes it. A database dump alone does not
 * give an attacker anyone's authenticator codes. The user id is the additional authenticated
 * data, so a sealed secret copied onto another user's row does not open.
 *
 * Format: `v1.<iv>.<ciphertext>.<tag>` (base64url). During a key rotation the previous secret's
 * key still opens (never seals); `reseal` moves a value to the current key.
 */
const VERSION = 'v1';
const IV_BYTES = 12;

export interface SecretBox {
  seal(plaintext: string, userId: string): string;
  /** The plaintext, and whether it needed the previous key (so the caller can reseal it); null when nothing opens it. */
  open(sealed: string, userId: string): { readonly plaintext: string; readonly stale: boolean } | null;
}

export function deriveMfaKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(secret, 'utf8'), Buffer.alloc(0), 'gatehouse:mfa', 32));
}

function openWith(key: Buffer, parts: readonly string[], userId: string): string | null {
  const [iv, ciphertext, tag] = parts.map((p) => Buffer.from(p, 'base64url'));
  if (iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== 16) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export function createSecretBox(secret: string, previousSecret: string | undefined): SecretBox {
  const current = deriveMfaKey(secret);
  const previous = previousSecret === undefined ? undefined : deriveMfaKey(previousSecret);
  return {
    seal(plaintext, userId) {
      // A fresh random 96-bit IV per seal: GCM must never reuse an IV under one key.
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, iv);
      cipher.setAAD(Buffer.from(userId, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, iv, ciphertext, cipher.getAuthTag()].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
    },
    open(sealed, userId) {
      const [version, ...parts] = sealed.split('.');
      if (version !== VERSION || parts.length !== 3) return null;
      const plaintext = openWith(current, parts, userId);
      if (plaintext !== null) return { plaintext, stale: false };
      const old = previous === undefined ? null : openWith(previous, parts, userId);
      return old === null ? null : { plaintext: old, stale: true };
    },
  };
}
