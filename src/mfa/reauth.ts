import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { AppError, invalidRequest } from '../errors.js';
import type { Services } from '../services.js';
import type { RequestMeta } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import { confirmPassword } from '../account/auth-service.js';
import { assertPasskey } from './passkey-auth.js';

export interface ReauthProof {
  readonly password?: string | undefined;
  readonly passkey?: AuthenticationResponseJSON | undefined;
}

/**
 * Re-authentication for sensitive changes: the password, or (for a user with a passkey) a fresh
 * assertion of one of their own passkeys for a challenge issued to this very session. Both run
 * under the login limits, so a stolen session cannot guess its way through.
 */
export async function reauthenticate(s: Services, auth: AuthContext, proof: ReauthProof, meta: RequestMeta, field = 'password'): Promise<void> {
  if (proof.password !== undefined && proof.passkey !== undefined) throw invalidRequest({ [field]: 'Send a password or a passkey, not both.' });
  if (proof.passkey !== undefined) {
    const key = `${auth.user.email}|${meta.ip ?? 'unknown'}`;
    await s.limiter.check(s.limits.loginAccountIp, key);
    const outcome = await assertPasskey(s, proof.passkey, { purpose: 'reauth', boundTo: auth.sessionId, userId: auth.user.id }, auth.user.id, meta);
    if (!outcome.ok) {
      await s.limiter.record(s.limits.loginAccountIp, key);
      throw new AppError('invalid_credentials', 'That passkey could not be verified.');
    }
    return;
  }
  if (proof.password === undefined) throw invalidRequest({ [field]: 'Enter your password.' });
  await confirmPassword(s, auth.user.id, proof.password, meta);
}
