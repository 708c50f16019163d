import type { Logger } from 'pino';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import type { PasswordHasher } from './account/hasher.js';
import type { Mailer } from './email/mailer.js';
import type { Limit, Limiter } from './rate-limit/limits.js';
import type { TokenKeys } from './crypto/jwt.js';
import type { SecretBox } from './mfa/secret-box.js';

export interface Limits {
  readonly loginAccountIp: Limit;
  readonly loginAccount: Limit;
  readonly registerIp: Limit;
  readonly emailAddress: Limit;
  readonly emailRequestIp: Limit;
}

export function limitsFor(config: Config): Limits {
  return {
    loginAccountIp: { name: 'login-acct-ip', max: config.loginMaxFailures, windowMs: 15 * 60_000 },
    loginAccount: { name: 'login-acct', max: config.loginMaxFailuresPerAccountHour, windowMs: 3_600_000 },
    registerIp: { name: 'register-ip', max: config.registerMaxPerIp, windowMs: 3_600_000 },
    emailAddress: { name: 'email-addr', max: config.emailMaxPerAddress, windowMs: 3_600_000 },
    emailRequestIp: { name: 'email-ip', max: Math.max(20, config.emailMaxPerAddress * 4), windowMs: 3_600_000 },
  };
}

/** Everything a route needs, built once per app from the frozen config and injected dependencies. */
export interface Services {
  readonly config: Config;
  readonly db: Db;
  readonly clock: Clock;
  readonly hasher: PasswordHasher;
  readonly mailer: Mailer;
  readonly limiter: Limiter;
  readonly limits: Limits;
  readonly sessionKeys: TokenKeys;
  readonly emailKeys: TokenKeys;
  /** Pending second-factor logins (`gh_mfa`): their own audience and key. */
  readonly mfaKeys: TokenKeys;
  /** Seals TOTP secrets at rest. */
  readonly mfaBox: SecretBox;
  readonly logger: Logger;
}
