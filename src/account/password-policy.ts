import { dictionary } from '@zxcvbn-ts/language-common';

export const PASSWORD_MAX_LENGTH = 256;

/** ~49k most common passwords (zxcvbn-ts' ranked list), lower-cased for lookup. */
let common: ReadonlySet<string> | undefined;
function commonPasswords(): ReadonlySet<string> {
  const list = (dictionary as Record<string, readonly string[] | undefined>)['passwords-common'] ?? [];
  common ??= new Set(list.map((p) => p.toLowerCase()));
  return common;
}

export type PasswordProblem = string | null;

/**
 * NIST 800-63B style: length only (counted in Unicode code points), no composition rules, never
 * truncated or case-folded when hashed; refuse known-common passwords and ones built on the email.
 */
export function checkPassword(password: string, email: string, minLength: number): PasswordProblem {
  const length = Array.from(password).length;
  if (length < minLength) return `Use at least ${String(minLength)} characters.`;
  if (length > PASSWORD_MAX_LENGTH) return `Use at most ${String(PASSWORD_MAX_LENGTH)} characters.`;
  const lowered = password.toLowerCase();
  if (commonPasswords().has(lowered)) return 'This password is too common. Choose another.';
  const local = email.split('@')[0] ?? '';
  if (local.length >= 3 && lowered.includes(local.toLowerCase())) {
    return 'The password must not contain the part of your email address before the @.';
  }
  return null;
}
