import { describe, expect, it } from 'vitest';
import { createTokenKeys, signToken, verifyToken, type TokenKeys } from '../../src/crypto/jwt.js';

const SECRET = 'verified-tokens-test-secret-0123456789abcdef';
const T0 = Date.UTC(2026, 10, 22, 12, 0, 0);
const sec = (ms: number): number => Math.floor(ms / 1000);

async function sessionKeys(capacity: number): Promise<TokenKeys> {
  return createTokenKeys('gatehouse-session', SECRET, undefined, { verifiedCapacity: capacity });
}

async function token(keys: TokenKeys, subject: string, issuedAtMs: number, expiresAtMs: number): Promise<string> {
  return signToken(keys, { sid: `sid-${subject}-0123456789`, csrf: 'csrf-0123456789abcdef' }, { subject, issuedAtSec: sec(issuedAtMs), expiresAtSec: sec(expiresAtMs) });
}

/** Flips one character of the signature: same length, still base64url, wrong MAC. */
function tamper(jwt: string): string {
  const last = jwt.at(-2) === 'A' ? 'B' : 'A';
  return `${jwt.slice(0, -2)}${last}${jwt.slice(-1)}`;
}

describe('remembered session-token verifications', () => {
  it('answer exactly like a fresh verification, and only genuine tokens are remembered', async () => {
    const keys = await sessionKeys(100);
    const fresh = await sessionKeys(0);
    expect(fresh.verified).toBeUndefined();
    const jwt = await token(keys, 'alice', T0, T0 + 3_600_000);
    const first = await verifyToken(keys, jwt, T0);
    const again = await verifyToken(keys, jwt, T0 + 1000);
    expect(first.ok && again.ok).toBe(true);
    expect(again).toEqual(await verifyToken(fresh, jwt, T0 + 1000));
    expect(keys.verified?.size).toBe(1);

    for (const forged of [tamper(jwt), `${jwt}x`, jwt.replace(/^[^.]+/, 'eyJhbGciOiJub25lIn0'), 'not.a.jwt']) {
      expect(await verifyToken(keys, forged, T0)).toEqual({ ok: false, reason: 'invalid' });
    }
    expect(keys.verified?.size).toBe(1);
  });

  it('still check the time on every use: a remembered token expires, a future one becomes valid', async () => {
    const keys = await sessionKeys(100);
    const short = await token(keys, 'bob', T0, T0 + 60_000);
    expect((await verifyToken(keys, short, T0)).ok).toBe(true);
    // 5 s of leeway, then expired, although its verification is remembered.
    expect((await verifyToken(keys, short, T0 + 64_000)).ok).toBe(true);
    const late = await verifyToken(keys, short, T0 + 66_000);
    expect(late).toMatchObject({ ok: false, reason: 'expired' });

    const future = await token(keys, 'carol', T0 + 60_000, T0 + 3_600_000);
    expect(await verifyToken(keys, future, T0)).toEqual({ ok: false, reason: 'invalid' });
    expect((await verifyToken(keys, future, T0 + 60_000)).ok).toBe(true);
  });

  it('keep at most their capacity, oldest out first, and a dropped token verifies again from scratch', async () => {
    const keys = await sessionKeys(3);
    const tokens = await Promise.all(['u1', 'u2', 'u3', 'u4', 'u5'].map((u) => token(keys, u, T0, T0 + 3_600_000)));
    for (const t of tokens) expect((await verifyToken(keys, t, T0)).ok).toBe(true);
    expect(keys.verified?.size).toBe(3);
    expect(keys.verified?.get(tokens[0] ?? '')).toBeUndefined();
    expect(keys.verified?.get(tokens[4] ?? '')).toBeDefined();
    const dropped = await verifyToken(keys, tokens[0] ?? '', T0);
    expect(dropped.ok && dropped.payload.sub).toBe('u1');
  });

  it('are per key set: a token of another secret is never taken from the cache', async () => {
    const keys = await sessionKeys(10);
    const other = await createTokenKeys('gatehouse-session', `${SECRET}-other`, undefined, { verifiedCapacity: 10 });
    const foreign = await token(other, 'mallory', T0, T0 + 3_600_000);
    expect((await verifyToken(other, foreign, T0)).ok).toBe(true);
    expect(await verifyToken(keys, foreign, T0)).toEqual({ ok: false, reason: 'invalid' });
    expect(keys.verified?.size).toBe(0);
  });
});
