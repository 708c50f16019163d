import { AppError } from '../errors.js';
import type { Executor } from '../db/database.js';
import { findOrganization } from './organizations.js';

/**
 * Uses an invitation up inside the caller's transaction, for joining and for registering through a
 * join link alike. Conditional on it being still unused and unrevoked: of two concurrent uses of one
 * link exactly one wins, and the other gets 400 invalid_token (its transaction then rolls back).
 */
export async function claimInvitation(trx: Executor, invitation: { id: string; org_id: string }, userId: string, now: number): Promise<void> {
  const used = await trx
    .updateTable('invitations')
    .set({ used_at: now, used_by: userId })
    .where('id', '=', invitation.id)
    .where('used_at', 'is', null)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new AppError('invalid_token');
  if ((await findOrganization(trx, invitation.org_id)) === undefined) throw new AppError('invalid_token');
}
