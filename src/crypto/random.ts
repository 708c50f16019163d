import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';

/** 144 random bits, URL-safe: session ids, CSRF values, token ids. */
export function randomToken(bytes = 18): string {
  return randomBytes(bytes).toString('base64url');
}

/** Public object ids (users, organizations, events): random, not guessable, not sequential. */
export function newId(): string {
  return randomBytes(12).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = createHash('sha256').update(a).digest();
  const bb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ab, bb);
}
