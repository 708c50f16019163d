import { describe, expect, it } from 'vitest';
import { decode } from 'cbor2';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type PublicKeyCredentialCreationOptionsJSON,
  type WebAuthnCredential,
} from '@simplewebauthn/server';
import { CredentialExcludedError, FLAG_AT, FLAG_UP, FLAG_UV, SoftAuthenticator, fromB64url, newP256KeyPair } from '../helpers/webauthn.js';
import { parseOtpauthUri, totpCode, wrongTotpCode } from '../helpers/totp.js';

/** The test helpers themselves, checked against @simplewebauthn/server 13 and RFC 6238 vectors. */

const RP_ID = 'localhost';
const ORIGIN = 'http://localhost:3000';

async function creationOptions(exclude: string[] = []): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Gatehouse',
    rpID: RP_ID,
    userName: 'alice@example.test',
    userID: new TextEncoder().encode('user-alice-0001'),
    attestationType: 'none',
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    excludeCredentials: exclude.map((id) => ({ id })),
  });
}

/** Registers one credential and returns what a server would store. */
async function registered(auth: SoftAuthenticator): Promise<WebAuthnCredential> {
  const options = await creationOptions();
  const response = auth.createCredential(options);
  const v = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: true });
  expect(v.verified).toBe(true);
  if (!v.verified) throw new Error('registration not verified');
  return v.registrationInfo.credential;
}

async function verifyGet(response: AuthenticationResponseJSON, challenge: string, credential: WebAuthnCredential): Promise<boolean> {
  try {
    const v = await verifyAuthenticationResponse({ response, expectedChallenge: challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential, requireUserVerification: true });
    return v.verified;
  } catch {
    return false;
  }
}

describe('SoftAuthenticator against @simplewebauthn/server', () => {
  it('registers an ES256 credential with none attestation that the server verifies', async () => {
    const auth = new SoftAuthenticator();
    const options = await creationOptions();
    const response = auth.createCredential(options);
    const v = await verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: true });
    expect(v.verified).toBe(true);
    if (!v.verified) return;
    expect(v.registrationInfo.fmt).toBe('none');
    expect(v.registrationInfo.aaguid).toBe('00000000-0000-0000-0000-000000000000');
    expect(v.registrationInfo.userVerified).toBe(true);
    expect(v.registrationInfo.credential.id).toBe(response.id);
    expect(v.registrationInfo.credential.counter).toBe(0);
    // The stored COSE key is the one the authenticator holds.
    const cose = decode<Map<number, unknown>>(v.registrationInfo.credential.publicKey);
    expect(cose.get(1)).toBe(2);
    expect(cose.get(3)).toBe(-7);
    expect(cose.get(-1)).toBe(1);
    expect(Buffer.from(v.registrationInfo.credential.publicKey)).toEqual(Buffer.from(auth.credentials[0]!.cosePublicKey));
    const authData = fromB64url(response.response.authenticatorData!);
    expect(authData[32]! & (FLAG_UP | FLAG_UV | FLAG_AT)).toBe(FLAG_UP | FLAG_UV | FLAG_AT);
  });

  it('keeps the user handle and returns it in discoverable assertions', async () => {
    const auth = new SoftAuthenticator();
    const options = await creationOptions();
    const credential = await registered(auth);
    const get = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
    const assertion = auth.getAssertion(get);
    expect(assertion.id).toBe(credential.id);
    expect(assertion.response.userHandle).toBe(auth.credentials[0]!.userHandle);
    expect(typeof options.user.id).toBe('string');
    expect(await verifyGet(assertion, get.challenge, credential)).toBe(true);
  });

  it('signs assertions the server verifies, with a counter that goes up', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registered(auth);
    for (const expected of [1, 2]) {
      const get = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }], userVerification: 'required' });
      const v = await verifyAuthenticationResponse({ response: auth.getAssertion(get), expectedChallenge: get.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential, requireUserVerification: true });
      expect(v.verified).toBe(true);
      expect(v.authenticationInfo.newCounter).toBe(expected);
      credential.counter = v.authenticationInfo.newCounter;
    }
  });

  it('honours excludeCredentials like a browser (InvalidStateError)', async () => {
    const auth = new SoftAuthenticator();
    const credential = await registered(auth);
    const options = await creationOptions([credential.id]);
    expect(() => auth.createCredential(options)).toThrow(CredentialExcludedError);
    expect(auth.credentials).toHaveLength(1);
  });

  describe('negative overrides are refused by the server', () => {
    it('registration: another origin, another RP ID, another challenge, no UV', async () => {
      const options = await creationOptions();
      const cases = [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: 'b3RoZXItY2hhbGxlbmdl' }, { userVerified: false }, { type: 'webauthn.get' }];
      for (const overrides of cases) {
        const response = new SoftAuthenticator().createCredential(options, overrides);
        await expect(
          verifyRegistrationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: true }),
          JSON.stringify(overrides),
        ).rejects.toThrow();
      }
    });

    it('assertion: another origin, RP ID, challenge, no UV', async () => {
      const auth = new SoftAuthenticator();
      const credential = await registered(auth);
      const get = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
      for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { challenge: 'b3RoZXItY2hhbGxlbmdl' }, { userVerified: false }]) {
        expect(await verifyGet(auth.getAssertion(get, overrides), get.challenge, { ...credential }), JSON.stringify(overrides)).toBe(false);
      }
    });

    it('assertion: a counter that goes backwards', async () => {
      const auth = new SoftAuthenticator();
      const credential = await registered(auth);
      const get = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
      expect(await verifyGet(auth.getAssertion(get, { counter: 3 }), get.challenge, { ...credential, counter: 5 })).toBe(false);
      auth.setCounter(credential.id, 4);
      expect(await verifyGet(auth.getAssertion(get), get.challenge, { ...credential, counter: 5 })).toBe(false);
      // Sanity: the next counter above the stored one passes.
      auth.setCounter(credential.id, 5);
      expect(await verifyGet(auth.getAssertion(get), get.challenge, { ...credential, counter: 5 })).toBe(true);
    });

    it('assertion: signed by another key, or someone else’s credential', async () => {
      const mine = new SoftAuthenticator();
      const theirs = new SoftAuthenticator();
      const credential = await registered(mine);
      await registered(theirs);
      const get = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: 'required' });
      expect(await verifyGet(mine.getAssertion(get, { signWith: newP256KeyPair().privateKey }), get.challenge, { ...credential })).toBe(false);
      const foreign = theirs.getAssertion(get);
      expect(foreign.id).not.toBe(credential.id);
      expect(await verifyGet(foreign, get.challenge, { ...credential })).toBe(false);
    });
  });
});

describe('TOTP helpers', () => {
  // RFC 6238 appendix B, SHA-1, seed "12345678901234567890" (base32 below), truncated to 6 digits.
  const RFC_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

  it('computes the RFC 6238 test vectors', () => {
    expect(totpCode(RFC_SECRET, 59_000)).toBe('287082');
    expect(totpCode(RFC_SECRET, 1_111_111_109_000)).toBe('081804');
    expect(totpCode(RFC_SECRET, 1_234_567_890_000)).toBe('005924');
    expect(totpCode(RFC_SECRET, 2_000_000_000_000)).toBe('279037');
    expect(totpCode(RFC_SECRET, 1_111_111_109_000 + 30_000, -1)).toBe('081804');
  });

  it('finds a wrong code and parses an otpauth URI', () => {
    const now = 1_234_567_890_000;
    const wrong = wrongTotpCode(RFC_SECRET, now);
    expect(wrong).toMatch(/^\d{6}$/);
    for (const i of [-2, -1, 0, 1, 2]) expect(wrong).not.toBe(totpCode(RFC_SECRET, now, i));
    const p = parseOtpauthUri(`otpauth://totp/Gatehouse:alice%40example.test?issuer=Gatehouse&secret=${RFC_SECRET}&algorithm=SHA1&digits=6&period=30`);
    expect(p).toMatchObject({ type: 'totp', issuer: 'Gatehouse', label: 'alice@example.test', secret: RFC_SECRET, algorithm: 'SHA1', digits: 6, period: 30, path: 'Gatehouse:alice@example.test' });
  });
});
