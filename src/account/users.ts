import type { Nullable, SelectQueryBuilder } from 'kysely';
import type { Executor } from '../db/database.js';
import type { Database, MembershipsTable, NewUser, OrganizationsTable, User } from '../db/schema.js';
import { factorColumns, toFactorCounts, type FactorCounts } from '../mfa/factors.js';
import { isoTime } from '../http/iso-time.js';
import { queryTemplate } from '../db/template.js';

export type OrgRole = 'owner' | 'admin' | 'member';

export interface UserWithOrg extends User {
  org_id: string | null;
  org_name: string | null;
  org_role: OrgRole | null;
}

/** What a session check knows of its user: the public fields and the organization, never credentials. */
export type AuthUser = Pick<UserWithOrg, 'id' | 'email' | 'name' | 'email_verified' | 'role' | 'disabled' | 'created_at' | 'org_id' | 'org_name' | 'org_role'>;

export interface UserView {
  id: string;
  email: string;
  name: string;
  emailVerified: boolean;
  role: 'user' | 'admin';
  disabled: boolean;
  createdAt: string;
  organization: { id: string; name: string; role: OrgRole } | null;
}

export function toUserView(u: AuthUser): UserView {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    emailVerified: u.email_verified === 1,
    role: u.role,
    disabled: u.disabled === 1,
    createdAt: isoTime(u.created_at),
    organization:
      u.org_id !== null && u.org_name !== null && u.org_role !== null
        ? { id: u.org_id, name: u.org_name, role: u.org_role }
        : null,
  };
}

/** The schema as seen through the two left joins below: membership and organization columns may be null. */
type UserWithOrgTables = Omit<Database, 'memberships' | 'organizations'> & {
  memberships: Nullable<MembershipsTable>;
  organizations: Nullable<OrganizationsTable>;
};

type UserWithOrgQuery = SelectQueryBuilder<UserWithOrgTables, 'users' | 'memberships' | 'organizations', UserWithOrg>;

function userWithOrgQuery(db: Executor): UserWithOrgQuery {
  return db
    .selectFrom('users')
    .leftJoin('memberships', 'memberships.user_id', 'users.id')
    .leftJoin('organizations', 'organizations.id', 'memberships.org_id')
    .selectAll('users')
    .select(['organizations.id as org_id', 'organizations.name as org_name', 'memberships.role as org_role']);
}

const userWithOrgById = queryTemplate('userWithOrgById', ['id'], (db, p: { id: string }) => userWithOrgQuery(db).where('users.id', '=', p.id));

export async function findUserWithOrg(db: Executor, userId: string): Promise<UserWithOrg | undefined> {
  return userWithOrgById.first(db, { id: userId });
}

export async function findUsersWithOrg(db: Executor, userIds: readonly string[]): Promise<UserWithOrg[]> {
  if (userIds.length === 0) return [];
  return userWithOrgQuery(db).where('users.id', 'in', userIds).execute();
}

const loginUserByEmail = queryTemplate('loginUserByEmail', ['email'], (db, p: { email: string }) => userWithOrgQuery(db).select(factorColumns()).where('users.email', '=', p.email));

/** The credential lookup of a login: the user, their organization and their second factors, in one statement. */
export async function findLoginUserByEmail(db: Executor, email: string): Promise<(UserWithOrg & { factors: FactorCounts }) | undefined> {
  const row = await loginUserByEmail.first(db, { email });
  if (row === undefined) return undefined;
  const { f_totp, f_passkeys, f_codes, ...user } = row;
  return { ...user, factors: toFactorCounts({ f_totp, f_passkeys, f_codes }) };
}

export async function findUserByEmail(db: Executor, email: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

export async function findUserById(db: Executor, id: string): Promise<User | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface NewAccount {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly passwordHash: string;
  readonly verified: boolean;
  readonly role?: 'user' | 'admin';
  readonly now: number;
}

/** A new user row: enabled, every timestamp `now` (the row shape is written here only). */
export function newUserRow(a: NewAccount): NewUser {
  return {
    id: a.id,
    email: a.email,
    name: a.name,
    password_hash: a.passwordHash,
    email_verified: a.verified ? 1 : 0,
    role: a.role ?? 'user',
    disabled: 0,
    created_at: a.now,
    updated_at: a.now,
    password_changed_at: a.now,
    email_changed_at: a.now,
  };
}

export async function insertUser(db: Executor, user: NewUser): Promise<void> {
  await db.insertInto('users').values(user).execute();
}

export type UserPatch = Partial<Pick<User, 'email' | 'name' | 'password_hash' | 'email_verified' | 'role' | 'disabled' | 'password_changed_at' | 'email_changed_at'>>;

export async function updateUser(db: Executor, id: string, patch: UserPatch, now: number): Promise<void> {
  await db.updateTable('users').set({ ...patch, updated_at: now }).where('id', '=', id).execute();
}
