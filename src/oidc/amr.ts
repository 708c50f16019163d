import type { AuthMethod } from '../session/sessions.js';

/**
 * RFC 8176 authentication method references for how the Gatehouse session was made, so a relying
 * party can see in the ID token's `amr` whether the user presented a second factor: `pwd`, `otp`
 * (an authenticator-app or recovery code), `hwk` (a passkey: proof of a key the device holds) and
 * `mfa` when more than one factor was used (a passkey verifies the user too: two in one).
 */
export function amrOf(methods: readonly AuthMethod[]): string[] {
  const amr = new Set<string>();
  for (const m of methods) {
    if (m === 'password') amr.add('pwd');
    else if (m === 'totp' || m === 'recovery_code') amr.add('otp');
    else if (m === 'passkey') amr.add('hwk');
  }
  if (amr.size > 1 || amr.has('hwk')) amr.add('mfa');
  return [...amr];
}
