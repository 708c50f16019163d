/** Trimmed, NFC-normalized, lower-cased: the only form an address is stored or compared in. */
export function normalizeEmail(raw: string): string {
  return raw.trim().normalize('NFC').toLowerCase();
}

// Deliberately simple: one @, no whitespace or control characters, a dot in the domain.
const EMAIL_SHAPE = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;

export function isValidEmail(normalized: string): boolean {
  if (normalized.length > 254) return false;
  const at = normalized.lastIndexOf('@');
  if (at < 1 || at > 64) return false;
  return EMAIL_SHAPE.test(normalized) && !normalized.includes('..');
}
