import { createPublicKey, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newKeyPair } from '../../src/crypto/key-pair.js';

describe('newKeyPair (keys imported from the generation job\'s DER, not the job\'s own KeyObjects)', () => {
  it('P-256: a private and a public key of one pair, exportable as JWKs, that sign and verify', () => {
    const pair = newKeyPair({ type: 'ec', namedCurve: 'P-256' });
    expect(pair.privateKey.type).toBe('private');
    expect(pair.publicKey.type).toBe('public');
    expect(pair.privateKey.asymmetricKeyType).toBe('ec');
    expect(pair.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const jwk = pair.privateKey.export({ format: 'jwk' });
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(typeof jwk.d).toBe('string');
    expect(pair.publicKey.export({ format: 'jwk' })).toEqual({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y });
    const data = Buffer.from('gatehouse');
    const signature = sign('sha256', data, pair.privateKey);
    expect(verify('sha256', data, pair.publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('gatehousE'), pair.publicKey, signature)).toBe(false);
  });

  it('RSA: the modulus length asked for, and the public key is the private key\'s', () => {
    const pair = newKeyPair({ type: 'rsa', modulusLength: 2048 });
    expect(pair.privateKey.asymmetricKeyType).toBe('rsa');
    expect(pair.privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    const derived = createPublicKey(pair.privateKey).export({ format: 'der', type: 'spki' });
    expect(Buffer.compare(derived, pair.publicKey.export({ format: 'der', type: 'spki' }))).toBe(0);
  });

  it('every call makes a new pair', () => {
    const a = newKeyPair({ type: 'ec', namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    const b = newKeyPair({ type: 'ec', namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
    expect(a.d).not.toBe(b.d);
  });
});
