import { AppError } from '../errors.js';
import type { Limit } from '../rate-limit/limits.js';
import type { Services } from '../services.js';

/**
 * The per-account ceiling (LOGIN_MAX_FAILURES_PER_ACCOUNT failures an hour, from all addresses)
 * stops guessing spread over many addresses. On its own it also let anyone lock a chosen account
 * out, correct password included, by spending those failures. So while the ceiling is reached, an
 * address from which the account signed in successfully within the last 30 days may still try:
 * the owner at home or at work gets in with the right password, while the attacker's addresses,
 * never successful, stay refused. A remembered address is still held to the per account + IP
 * limit (LOGIN_MAX_FAILURES per 15 minutes), and its failures still count toward the ceiling.
 *
 * Remembered in the counter store (Redis when configured, so every instance shares it; without
 * Redis, in the instance's memory, forgotten at restart), keyed by the normalized email and the
 * client address: a lookup costs one key read, and only while the ceiling is reached.
 */
export const KNOWN_ADDRESS_DAYS = 30;

const KNOWN_ADDRESS: Limit = { name: 'login-known', max: 1, windowMs: KNOWN_ADDRESS_DAYS * 86_400_000 };

function knownKey(email: string, ip: string | null): string {
  return `${email}|${ip ?? 'unknown'}`;
}

/**
 * Records a completed sign-in from this address. Call it only where a sign-in is complete: once
 * second factors exist, after the second factor, never after the password alone. The window
 * restarts at every sign-in, so an address in regular use never ages out.
 */
export async function rememberSignInAddress(s: Services, email: string, ip: string | null): Promise<void> {
  const key = knownKey(email, ip);
  await s.limiter.reset(KNOWN_ADDRESS, key);
  await s.limiter.record(KNOWN_ADDRESS, key);
}

/**
 * A check of the per-account ceiling for one login attempt; it may run more than once (on arrival
 * and again once a hashing slot is free), and looks the address up at most once.
 */
export function accountCeiling(s: Services, email: string, ip: string | null): () => Promise<void> {
  let known: Promise<boolean> | undefined;
  return async (): Promise<void> => {
    try {
      await s.limiter.check(s.limits.loginAccount, email);
    } catch (e) {
      if (!(e instanceof AppError) || e.code !== 'rate_limited') throw e;
      known ??= s.limiter.count(KNOWN_ADDRESS, knownKey(email, ip)).then((n) => n > 0);
      if (!(await known)) throw e;
    }
  };
}
