import type { FastifyReply } from 'fastify';
import type { Services } from '../services.js';
import type { AuthMethod } from '../session/sessions.js';
import { setCeremonyCookie } from './cookies.js';
import { countFactors, hasSecondFactor, secondFactorMethods, type FactorCounts, type SecondFactorMethod } from './factors.js';
import { createPendingLogin, PENDING_TTL_MS } from './pending.js';

export interface MfaChallenge {
  readonly mfaRequired: true;
  readonly methods: SecondFactorMethod[];
}

/**
 * After a correct password: a user with a second factor gets a pending login (`gh_mfa`, HttpOnly,
 * 5 minutes, single use) and no session; null means there is no second factor to ask for.
 */
export async function beginSecondFactor(
  s: Services,
  reply: FastifyReply,
  userId: string,
  options: { readonly known?: FactorCounts; readonly firstMethod?: AuthMethod } = {},
): Promise<MfaChallenge | null> {
  const factors = options.known ?? (await countFactors(s.db.kysely, userId));
  if (!hasSecondFactor(factors)) return null;
  const pending = await createPendingLogin(s.db.kysely, s.mfaKeys, userId, s.clock.now(), options.firstMethod);
  setCeremonyCookie(reply, s.config, 'mfa', pending.token, PENDING_TTL_MS);
  return { mfaRequired: true, methods: secondFactorMethods(factors) };
}
