import { Secret, TOTP, URI } from 'otpauth';

/** RFC 6238 as the contract fixes it: SHA-1, 6 digits, 30 s steps. */
export const TOTP_PERIOD_MS = 30_000;

function totpFor(secret: string): TOTP {
  return new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
}

/** The 6-digit code of a base32 secret at `atMs` (epoch ms), `stepOffset` steps away (e.g. -1 for the previous code). */
export function totpCode(secret: string, atMs: number, stepOffset = 0): string {
  return totpFor(secret).generate({ timestamp: atMs + stepOffset * TOTP_PERIOD_MS });
}

/** The RFC 6238 step counter at `atMs`. */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / TOTP_PERIOD_MS);
}

/** A code that is not the right one within ±`window` steps of `atMs` (for wrong-code tests). */
export function wrongTotpCode(secret: string, atMs: number, window = 2): string {
  const valid = new Set<string>();
  for (let i = -window; i <= window; i += 1) valid.add(totpCode(secret, atMs, i));
  for (let n = 0; ; n += 1) {
    const candidate = String((123_456 + n * 7_919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

export interface ParsedOtpauthUri {
  readonly type: 'totp' | 'hotp';
  readonly issuer: string;
  readonly label: string;
  readonly secret: string;
  readonly algorithm: string;
  readonly digits: number;
  /** Seconds (TOTP only; 0 for HOTP). */
  readonly period: number;
  /** The raw query parameters, for checks the parser normalizes away. */
  readonly params: URLSearchParams;
  /** The path of the URI, decoded: `Issuer:account`. */
  readonly path: string;
}

/** Parses an `otpauth://` URI with otpauth's own parser, plus its raw parts. */
export function parseOtpauthUri(uri: string): ParsedOtpauthUri {
  const otp = URI.parse(uri);
  const url = new URL(uri);
  const path = decodeURIComponent(url.pathname.replace(/^\/+/, ''));
  return {
    type: otp instanceof TOTP ? 'totp' : 'hotp',
    issuer: otp.issuer,
    label: otp.label,
    secret: otp.secret.base32,
    algorithm: otp.algorithm,
    digits: otp.digits,
    period: otp instanceof TOTP ? otp.period : 0,
    params: url.searchParams,
    path,
  };
}
