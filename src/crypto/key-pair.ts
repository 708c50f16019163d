import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface KeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export type KeyPairSpec = { readonly type: 'ec'; readonly namedCurve: 'P-256' } | { readonly type: 'rsa'; readonly modulusLength: number };

/** DER, encoded by the generation job itself while it is alive (see newKeyPair). */
const PUBLIC_DER = { type: 'spki', format: 'der' } as const;
const PRIVATE_DER = { type: 'pkcs8', format: 'der' } as const;

/**
 * A new key pair whose KeyObjects share nothing with the job Node used to generate it.
 *
 * Why not `generateKeyPairSync(type, options)` as is: on Node 20 the key-generation job keeps a copy
 * of the new key, and the KeyObjects it returns share that copy's mutex. The job's destructor takes
 * the mutex, and runs during a garbage collection once the job is unreachable; exporting one of the
 * KeyObjects (as a JWK, say) allocates on the JavaScript heap while holding the same mutex. A
 * collection at that moment waits on the mutex its own thread holds, forever: seen here as test
 * workers asleep in `KeyGenJob<EcKeyGenTraits>::~KeyGenJob`, under `Heap::CollectGarbage`, under a
 * string allocation. The job's DER output is encoded while the job is still alive, and keys imported
 * from it have mutexes of their own.
 */
export function newKeyPair(spec: KeyPairSpec): KeyPair {
  const der: { publicKey: Buffer; privateKey: Buffer } =
    spec.type === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: spec.namedCurve, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER })
      : generateKeyPairSync('rsa', { modulusLength: spec.modulusLength, publicKeyEncoding: PUBLIC_DER, privateKeyEncoding: PRIVATE_DER });
  return {
    privateKey: createPrivateKey({ key: der.privateKey, ...PRIVATE_DER }),
    publicKey: createPublicKey({ key: der.publicKey, ...PUBLIC_DER }),
  };
}
