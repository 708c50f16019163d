import type { Config } from '../config.js';
import { createSecretBox, type SecretBox } from '../mfa/secret-box.js';
import { VERIFIED_SESSION_TOKENS } from '../session/tokens.js';
import { createTokenKeys, type TokenKeys } from './jwt.js';

/** Every key derived from SESSION_SECRET (and SESSION_SECRET_PREVIOUS), once per app. */
export interface Keyring {
  readonly sessionKeys: TokenKeys;
  readonly emailKeys: TokenKeys;
  readonly mfaKeys: TokenKeys;
  readonly mfaBox: SecretBox;
}

export async function createKeyring(config: Pick<Config, 'sessionSecret' | 'sessionSecretPrevious'>): Promise<Keyring> {
  const { sessionSecret: secret, sessionSecretPrevious: previous } = config;
  return {
    sessionKeys: await createTokenKeys('gatehouse-session', secret, previous, { verifiedCapacity: VERIFIED_SESSION_TOKENS }),
    emailKeys: await createTokenKeys('gatehouse-email', secret, previous),
    mfaKeys: await createTokenKeys('gatehouse-mfa', secret, previous),
    mfaBox: createSecretBox(secret, previous),
  };
}
