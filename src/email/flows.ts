import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { lockUser } from '../db/database.js';
import { newId } from '../crypto/random.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import { findUserByEmail } from '../account/users.js';
import type { EmailMessage } from './transports.js';
import { issueEmailToken, readEmailToken } from './email-tokens.js';
import { resetPasswordEmail, verificationEmail } from './templates.js';
import type { EmailTokenRow } from '../db/schema.js';
import type { Limit } from '../rate-limit/limits.js';

/** Queues a message; delivery problems are retried and recorded by the mailer, never surfaced here. */
export function notify(s: Services, message: EmailMessage): void {
  s.mailer.send(message);
}

/** Links are built from PUBLIC_URL only, never from Host or X-Forwarded-Host (no link poisoning). */
export function link(s: Services, path: string, token: string): string {
  return `${s.config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

/**
 * forgot-password requests per address per hour, counted whether or not an account exists. It is
 * separate from the recipient's email budget (which other emails also spend) so that hitting the
 * 429 never reveals that the address has an account.
 */
export function resetRequestLimit(s: Services): Limit {
  return { name: 'reset-request-addr', max: s.config.emailMaxPerAddress, windowMs: 3_600_000 };
}

async function createEmailTokenRow(
  s: Services,
  purpose: EmailTokenRow['purpose'],
  user: { id: string; email: string },
  now: number,
  ttlMs: number,
): Promise<string> {
  const id = newId();
  await s.db.kysely.transaction().execute(async (trx) => {
    await lockUser(trx, s.db.dialect, user.id);
    // A new reset link supersedes every earlier one: only the newest email works. Under the user
    // lock, two concurrent requests cannot both leave a live link behind.
    if (purpose === 'reset_password') {
      await trx
        .updateTable('email_tokens')
        .set({ consumed_at: now })
        .where('user_id', '=', user.id)
        .where('purpose', '=', 'reset_password')
        .where('consumed_at', 'is', null)
        .execute();
    }
    await trx
      .insertInto('email_tokens')
      .values({ id, purpose, user_id: user.id, email: user.email, created_at: now, expires_at: now + ttlMs, consumed_at: null })
      .execute();
  });
  return issueEmailToken(s.emailKeys, { purpose, id, subject: user.id, issuedAtMs: now, expiresAtMs: now + ttlMs });
}

/**
 * Sends a verification link when the recipient's hourly email budget allows; returns whether it did.
 * `strict` callers (an explicit resend) get 429 instead of a silent skip.
 */
export async function sendVerificationEmail(
  s: Services,
  user: { id: string; email: string; name: string },
  mode: 'strict' | 'best_effort' = 'best_effort',
): Promise<boolean> {
  const now = s.clock.now();
  if (mode === 'strict') await s.limiter.consume(s.limits.emailAddress, user.email);
  else if (!(await s.limiter.tryConsume(s.limits.emailAddress, user.email))) return false;
  const token = await createEmailTokenRow(s, 'verify_email', user, now, s.config.verifyTokenTtlMs);
  notify(s, verificationEmail(user.email, user.name, link(s, '/verify-email', token), s.config.verifyTokenTtlMs));
  return true;
}

/**
 * The whole reset request, account lookup included, runs off the request path: the response is
 * then the same, in content and in timing, whether or not the address has an account.
 */
export function queuePasswordReset(s: Services, email: string, meta: RequestMeta): void {
  const now = s.clock.now();
  s.mailer.sendLater(async () => {
    const user = await findUserByEmail(s.db.kysely, email);
    if (user === undefined || user.disabled === 1) return null;
    if (!(await s.limiter.tryConsume(s.limits.emailAddress, email))) {
      s.logger.warn('password reset email skipped: the address reached its hourly email limit');
      return null;
    }
    const token = await createEmailTokenRow(s, 'reset_password', user, now, s.config.resetTokenTtlMs);
    const party = { id: user.id, email: user.email };
    await recordEvent(s.db.kysely, { type: 'password_reset_requested', userId: user.id, actor: null, target: party, meta, at: now });
    return resetPasswordEmail(user.email, link(s, '/reset-password', token), s.config.resetTokenTtlMs);
  });
}

export interface ConsumableToken {
  readonly row: EmailTokenRow;
  readonly user: { id: string; email: string; password_changed_at: number; email_changed_at: number; name: string; email_verified: number };
}

/**
 * Resolves a verification or reset token to its live database row. Anything wrong → 400
 * invalid_token; only a token that is otherwise fine but past its expiry → 410 token_expired.
 */
export async function resolveEmailToken(
  s: Services,
  token: string,
  purpose: 'verify_email' | 'reset_password',
): Promise<ConsumableToken> {
  const now = s.clock.now();
  const outcome = await readEmailToken(s.emailKeys, token, purpose, now);
  if (!outcome.ok) throw new AppError('invalid_token');
  const row = await s.db.kysely.selectFrom('email_tokens').selectAll().where('id', '=', outcome.id).executeTakeFirst();
  if (row?.purpose !== purpose || row.user_id !== outcome.subject || row.consumed_at !== null) throw new AppError('invalid_token');
  const user = await s.db.kysely
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_changed_at', 'email_changed_at', 'email_verified'])
    .where('id', '=', row.user_id)
    .executeTakeFirst();
  if (user === undefined) throw new AppError('invalid_token');
  // A verification link proves ownership of the address it was sent to, and dies with any email
  // change after it was issued (even a change back to the same address).
  if (purpose === 'verify_email' && (user.email !== row.email || user.email_changed_at > row.created_at)) throw new AppError('invalid_token');
  // A reset link dies with any password change after it was issued.
  if (purpose === 'reset_password' && user.password_changed_at > row.created_at) throw new AppError('invalid_token');
  if (outcome.expired || row.expires_at <= now) throw new AppError('token_expired');
  return { row, user };
}

/** Marks a token used; false when a concurrent request used it first (single use under races). */
export async function consumeEmailToken(s: Services, id: string): Promise<boolean> {
  const r = await s.db.kysely
    .updateTable('email_tokens')
    .set({ consumed_at: s.clock.now() })
    .where('id', '=', id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Marks the address verified only if it is still the account's address (no race with a change). */
export async function markEmailVerified(s: Services, userId: string, email: string): Promise<boolean> {
  const now = s.clock.now();
  const r = await s.db.kysely
    .updateTable('users')
    .set({ email_verified: 1, updated_at: now })
    .where('id', '=', userId)
    .where('email', '=', email)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
