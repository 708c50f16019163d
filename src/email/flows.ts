import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import { newId } from '../crypto/random.js';
import type { EmailMessage } from './transports.js';
import { issueEmailToken, readEmailToken } from './email-tokens.js';
import { resetPasswordEmail, verificationEmail } from './templates.js';
import type { EmailTokenRow } from '../db/schema.js';

/** Queues a message; delivery problems are retried and recorded by the mailer, never surfaced here. */
export function notify(s: Services, message: EmailMessage): void {
  s.mailer.send(message);
}

/** Links are built from PUBLIC_URL only, never from Host or X-Forwarded-Host (no link poisoning). */
export function link(s: Services, path: string, token: string): string {
  return `${s.config.publicUrl}${path}?token=${encodeURIComponent(token)}`;
}

async function createEmailTokenRow(
  s: Services,
  purpose: EmailTokenRow['purpose'],
  user: { id: string; email: string },
  ttlMs: number,
): Promise<string> {
  const now = s.clock.now();
  const id = newId();
  await s.db.kysely
    .insertInto('email_tokens')
    .values({ id, purpose, user_id: user.id, email: user.email, created_at: now, expires_at: now + ttlMs, consumed_at: null })
    .execute();
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
  if (mode === 'strict') await s.limiter.consume(s.limits.emailAddress, user.email);
  else if (!(await s.limiter.tryConsume(s.limits.emailAddress, user.email))) return false;
  const token = await createEmailTokenRow(s, 'verify_email', user, s.config.verifyTokenTtlMs);
  notify(s, verificationEmail(user.email, user.name, link(s, '/verify-email', token), s.config.verifyTokenTtlMs));
  return true;
}

export async function sendResetEmail(s: Services, user: { id: string; email: string }): Promise<void> {
  const now = s.clock.now();
  // A new reset link supersedes every earlier one: only the newest email works.
  await s.db.kysely
    .updateTable('email_tokens')
    .set({ consumed_at: now })
    .where('user_id', '=', user.id)
    .where('purpose', '=', 'reset_password')
    .where('consumed_at', 'is', null)
    .execute();
  const token = await createEmailTokenRow(s, 'reset_password', user, s.config.resetTokenTtlMs);
  notify(s, resetPasswordEmail(user.email, link(s, '/reset-password', token), s.config.resetTokenTtlMs));
}

export interface ConsumableToken {
  readonly row: EmailTokenRow;
  readonly user: { id: string; email: string; password_changed_at: number; name: string; email_verified: number };
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
  const outcome = await readEmailToken(s.emailKeys, token, purpose, s.clock.now());
  if (!outcome.ok) throw new AppError('invalid_token');
  const row = await s.db.kysely.selectFrom('email_tokens').selectAll().where('id', '=', outcome.id).executeTakeFirst();
  if (row?.purpose !== purpose || row.user_id !== outcome.subject || row.consumed_at !== null) throw new AppError('invalid_token');
  const user = await s.db.kysely
    .selectFrom('users')
    .select(['id', 'email', 'name', 'password_changed_at', 'email_verified'])
    .where('id', '=', row.user_id)
    .executeTakeFirst();
  if (user === undefined) throw new AppError('invalid_token');
  // A verification link proves ownership of the address it was sent to, not of a later one.
  if (purpose === 'verify_email' && user.email !== row.email) throw new AppError('invalid_token');
  // A reset link dies with any password change after it was issued.
  if (purpose === 'reset_password' && user.password_changed_at > row.created_at) throw new AppError('invalid_token');
  if (outcome.expired || row.expires_at <= s.clock.now()) throw new AppError('token_expired');
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
