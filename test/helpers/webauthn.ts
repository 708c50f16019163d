import { createHash, createSign, randomBytes, type KeyObject } from 'node:crypto';
import { newKeyPair, type KeyPair } from '../../src/crypto/key-pair.js';
import { encode } from 'cbor2';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

/**
 * A software WebAuthn authenticator for tests: ES256 (P-256) credentials, `none` attestation, real
 * CBOR, and a browser's clientDataJSON. Every credential it makes is discoverable (it keeps the
 * user handle and returns it in assertions). Overrides produce the negative cases a real browser
 * never would: another origin, RP ID or challenge, no UV flag, a chosen counter, someone else's
 * credential, a signature by another key.
 */

export const FLAG_UP = 0x01;
export const FLAG_UV = 0x04;
export const FLAG_BE = 0x08;
export const FLAG_BS = 0x10;
export const FLAG_AT = 0x40;

const AAGUID_NONE = new Uint8Array(16);

export interface SoftCredential {
  /** base64url credential id (what the server stores and lists in allow/excludeCredentials). */
  readonly id: string;
  readonly rawId: Uint8Array;
  readonly rpId: string;
  /** base64url user handle (`user.id` of the creation options). */
  readonly userHandle: string;
  readonly userName: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** COSE_Key bytes (kty 2, alg -7, crv 1, x, y). */
  readonly cosePublicKey: Uint8Array;
  /** The signature counter the next assertion will report (after incrementing). */
  counter: number;
}

/** What both ceremonies can be told to get wrong. */
interface CommonOverrides {
  /** clientDataJSON.origin (default: the authenticator's origin). */
  readonly origin?: string;
  /** rpIdHash = sha256(this) (default: the options' RP ID, else the authenticator's). */
  readonly rpId?: string;
  /** clientDataJSON.challenge (default: the options' challenge). */
  readonly challenge?: string;
  /** clientDataJSON.type. */
  readonly type?: string;
  readonly crossOrigin?: boolean;
  /** Set the UV flag (default true). */
  readonly userVerified?: boolean;
  /** Set the UP flag (default true). */
  readonly userPresent?: boolean;
  /** Backup eligible / backed up flags (default false). */
  readonly backupEligible?: boolean;
  readonly backedUp?: boolean;
}

export interface CreateOverrides extends CommonOverrides {
  /** Create even when the options exclude one of this authenticator's credentials. */
  readonly ignoreExcludeCredentials?: boolean;
  /** signCount in the new credential's authenticator data (default 0). */
  readonly counter?: number;
  /** Do not keep the credential (a registration that a test throws away). */
  readonly dontStore?: boolean;
}

export interface GetOverrides extends CommonOverrides {
  /** Assert with this credential (e.g. one from another authenticator), ignoring allowCredentials. */
  readonly credential?: SoftCredential;
  /** Pick this credential id from the authenticator's own ones. */
  readonly credentialId?: string;
  /** Report this signCount (and remember it) instead of counter + 1. */
  readonly counter?: number;
  /** Sign with this key instead of the credential's own. */
  readonly signWith?: KeyObject;
  /** userHandle in the response: a base64url string, or null to leave it out (default: the stored one). */
  readonly userHandle?: string | null;
  /** Response id/rawId (default: the credential's id). */
  readonly responseId?: string;
}

export class NoCredentialError extends Error {
  override readonly name = 'NoCredentialError';
}

export class CredentialExcludedError extends Error {
  override readonly name = 'InvalidStateError';
}

export function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromB64url(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

function sha256(data: Uint8Array | string): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

/** A plain Uint8Array copy (cbor2 encodes Node Buffers as tagged typed arrays otherwise). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes);
}

function u32be(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n >>> 0, false);
  return b;
}

function u16be(n: number): Uint8Array {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, n, false);
  return b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** A new ES256 key pair (e.g. for `signWith`). */
export function newP256KeyPair(): KeyPair {
  return newKeyPair({ type: 'ec', namedCurve: 'P-256' });
}

/** COSE_Key of an EC2 P-256 public key: {1: 2, 3: -7, -1: 1, -2: x, -3: y}. */
export function coseEs256(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) throw new Error('not an EC public key');
  const map = new Map<number, number | Uint8Array>([
    [1, 2],
    [3, -7],
    [-1, 1],
    [-2, fromB64url(jwk.x)],
    [-3, fromB64url(jwk.y)],
  ]);
  return encode(map);
}

function flagsByte(o: CommonOverrides, attested: boolean): number {
  let f = 0;
  if (o.userPresent !== false) f |= FLAG_UP;
  if (o.userVerified !== false) f |= FLAG_UV;
  if (o.backupEligible === true) f |= FLAG_BE;
  if (o.backedUp === true) f |= FLAG_BS;
  if (attested) f |= FLAG_AT;
  return f;
}

function clientData(type: string, challenge: string, origin: string, crossOrigin: boolean): Uint8Array {
  return new Uint8Array(Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin }), 'utf8'));
}

function es256Sign(key: KeyObject, data: Uint8Array): Uint8Array {
  // WebAuthn ES256 signatures are ASN.1 DER (Node's default dsaEncoding).
  const signer = createSign('SHA256');
  signer.update(data);
  return new Uint8Array(signer.sign({ key, dsaEncoding: 'der' }));
}

export interface SoftAuthenticatorOptions {
  readonly rpId?: string;
  readonly origin?: string;
}

export class SoftAuthenticator {
  readonly rpId: string;
  readonly origin: string;
  readonly credentials: SoftCredential[] = [];

  constructor(options: SoftAuthenticatorOptions = {}) {
    this.rpId = options.rpId ?? 'localhost';
    this.origin = options.origin ?? 'http://localhost:3000';
  }

  /** navigator.credentials.create() for these options, as the JSON a browser library would send. */
  createCredential(options: PublicKeyCredentialCreationOptionsJSON, overrides: CreateOverrides = {}): RegistrationResponseJSON {
    const rpIdForCredential = options.rp.id ?? this.rpId;
    if (overrides.ignoreExcludeCredentials !== true) {
      const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
      if (this.credentials.some((c) => excluded.has(c.id) && c.rpId === rpIdForCredential)) {
        throw new CredentialExcludedError('an excluded credential is on this authenticator');
      }
    }
    if (!options.pubKeyCredParams.some((p) => p.alg === -7)) {
      throw new Error('the relying party does not accept ES256');
    }
    const { privateKey, publicKey } = newP256KeyPair();
    const rawId = new Uint8Array(randomBytes(32));
    const cosePublicKey = coseEs256(publicKey);
    const counter = overrides.counter ?? 0;
    const credential: SoftCredential = {
      id: b64url(rawId),
      rawId,
      rpId: rpIdForCredential,
      userHandle: options.user.id,
      userName: options.user.name,
      privateKey,
      publicKey,
      cosePublicKey,
      counter,
    };
    const authData = concat(
      sha256(overrides.rpId ?? rpIdForCredential),
      Uint8Array.of(flagsByte(overrides, true)),
      u32be(counter),
      AAGUID_NONE,
      u16be(rawId.length),
      rawId,
      cosePublicKey,
    );
    const attestationObject = encode({ fmt: 'none', attStmt: {}, authData: plain(authData) });
    const cdj = clientData(overrides.type ?? 'webauthn.create', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin, overrides.crossOrigin ?? false);
    if (overrides.dontStore !== true) this.credentials.push(credential);
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(cdj),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: ['internal'],
        publicKeyAlgorithm: -7,
        publicKey: b64url(spki),
      },
    };
  }

  /** navigator.credentials.get() for these options. */
  getAssertion(options: PublicKeyCredentialRequestOptionsJSON, overrides: GetOverrides = {}): AuthenticationResponseJSON {
    const rpId = options.rpId ?? this.rpId;
    const credential = overrides.credential ?? this.pick(rpId, options, overrides.credentialId);
    credential.counter = overrides.counter ?? credential.counter + 1;
    const authData = concat(sha256(overrides.rpId ?? rpId), Uint8Array.of(flagsByte(overrides, false)), u32be(credential.counter));
    const cdj = clientData(overrides.type ?? 'webauthn.get', overrides.challenge ?? options.challenge, overrides.origin ?? this.origin, overrides.crossOrigin ?? false);
    const signature = es256Sign(overrides.signWith ?? credential.privateKey, concat(authData, sha256(cdj)));
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    const id = overrides.responseId ?? credential.id;
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(cdj),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
    };
  }

  /** Sets the counter a credential holds (the next assertion reports value + 1). */
  setCounter(credentialId: string, value: number): void {
    this.credential(credentialId).counter = value;
  }

  credential(credentialId: string): SoftCredential {
    const c = this.credentials.find((x) => x.id === credentialId);
    if (c === undefined) throw new NoCredentialError(`no credential ${credentialId}`);
    return c;
  }

  /** Forgets a credential (as if deleted on the device). */
  remove(credentialId: string): void {
    const i = this.credentials.findIndex((x) => x.id === credentialId);
    if (i >= 0) this.credentials.splice(i, 1);
  }

  private pick(rpId: string, options: PublicKeyCredentialRequestOptionsJSON, credentialId: string | undefined): SoftCredential {
    const mine = this.credentials.filter((c) => c.rpId === rpId);
    if (credentialId !== undefined) return this.credential(credentialId);
    const allow = options.allowCredentials ?? [];
    // An empty allow list means discoverable credentials: the newest one on the device.
    const candidates = allow.length === 0 ? mine : mine.filter((c) => allow.some((a) => a.id === c.id));
    const chosen = candidates.at(-1);
    if (chosen === undefined) throw new NoCredentialError(`no credential for ${rpId} matches the request`);
    return chosen;
  }
}
