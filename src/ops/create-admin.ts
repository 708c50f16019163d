import type { Db } from '../db/database.js';
import type { PasswordHasher } from '../account/hasher.js';
import { newId } from '../crypto/random.js';
import { recordEvent, type RequestMeta } from '../events/security-events.js';
import { createOrganizationWithOwner } from '../org/organizations.js';
import { findUserByEmail, insertUser, newUserRow, updateUser } from '../account/users.js';
import { checkPassword } from '../account/password-policy.js';
import { isValidEmail, normalizeEmail } from '../account/email-address.js';

export class AdminSetupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AdminSetupError';
  }
}

const CLI_META: RequestMeta = Object.freeze({ ip: null, userAgent: 'gatehouse-cli' });

/** Normalizes and checks an address exactly as registration does. */
export function requireAdminEmail(raw: string): string {
  const email = normalizeEmail(raw);
  if (!isValidEmail(email)) throw new AdminSetupError('invalid email address');
  return email;
}

export interface ExistingAccount {
  readonly id: string;
  readonly role: 'user' | 'admin';
  readonly verified: boolean;
  readonly disabled: boolean;
}

export async function findAccount(db: Db, email: string): Promise<ExistingAccount | undefined> {
  const user = await findUserByEmail(db.kysely, email);
  if (user === undefined) return undefined;
  return { id: user.id, role: user.role, verified: user.email_verified === 1, disabled: user.disabled === 1 };
}

/** Makes an existing account a verified site admin; its password and sessions are left as they are. */
export async function promoteToAdmin(db: Db, account: ExistingAccount, email: string, now: number): Promise<boolean> {
  if (account.role === 'admin' && account.verified) return false;
  await db.kysely.transaction().execute(async (trx) => {
    await updateUser(trx, account.id, { role: 'admin', email_verified: 1 }, now);
    const party = { id: account.id, email };
    await recordEvent(trx, { type: 'role_changed', userId: account.id, actor: null, target: party, meta: CLI_META, at: now });
  });
  return true;
}

export interface NewAdmin {
  readonly email: string;
  readonly password: string;
  readonly name: string;
  readonly passwordMinLength: number;
  readonly now: number;
}

/** Creates a verified site admin owning a new organization, under the same password policy as everyone. */
export async function createAdmin(db: Db, hasher: PasswordHasher, input: NewAdmin): Promise<string> {
  const problem = checkPassword(input.password, input.email, input.passwordMinLength);
  if (problem !== null) throw new AdminSetupError(`password refused: ${problem}`);
  const name = input.name.trim().normalize('NFC');
  if (name.length < 1 || name.length > 100 || /\p{Cc}/u.test(name)) throw new AdminSetupError('name must be 1 to 100 characters');
  const passwordHash = await hasher.hash(input.password);
  const userId = newId();
  const now = input.now;
  await db.kysely.transaction().execute(async (trx) => {
    await insertUser(trx, newUserRow({ id: userId, email: input.email, name, passwordHash, verified: true, role: 'admin', now }));
    await createOrganizationWithOwner(trx, { orgId: newId(), name: `${name}'s organization`, userId, now });
    const party = { id: userId, email: input.email };
    await recordEvent(trx, { type: 'user_registered', userId, actor: null, target: party, meta: CLI_META, at: now });
  });
  return userId;
}
