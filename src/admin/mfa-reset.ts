import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import type { AuthContext } from '../session/authenticate.js';
import { findUserById } from '../account/users.js';
import { removeAllFactors } from '../mfa/factors.js';
import { sendMfaNotice } from '../mfa/notices.js';

/**
 * An admin removes a user's TOTP, passkeys and recovery codes (a lost phone): audited in both logs
 * and emailed to the user, so a rogue reset cannot go unnoticed. Sessions are left alone: the
 * user signs in next time with the password and sets a factor up again.
 */
export async function resetUserFactors(s: Services, admin: AuthContext, userId: string, meta: RequestMeta): Promise<void> {
  const user = await findUserById(s.db.kysely, userId);
  if (user === undefined) throw new AppError('not_found');
  const now = s.clock.now();
  await s.db.kysely.transaction().execute(async (trx) => {
    await removeAllFactors(trx, user.id);
    await recordEvent(trx, { type: 'mfa_reset', userId: user.id, actor: { id: admin.user.id, email: admin.user.email }, target: { id: user.id, email: user.email }, meta, at: now });
  });
  sendMfaNotice(s, user.email, 'mfa_reset');
}
