import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The one place that knows which SQL dialect is in use. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

export type Executor = Kysely<Database>;

function openSqlite(path: string): Db {
  // The path comes from DATABASE_URL (operator configuration), never from a request.
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- operator-configured path
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // SQLite's built-in lower() folds ASCII only; searches must be case-insensitive for every script.
  sqlite.function('lower', { deterministic: true }, (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v));
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { kysely, dialect: 'sqlite', close: () => kysely.destroy() };
}

function openPostgres(url: string): Db {
  // Epoch-millisecond columns are BIGINT; they fit a JS number exactly.
  pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: 5000 });
  // A dropped connection (database restart, failover, network cut) must not crash the process.
  // The pool only listens for errors on idle clients; a client checked out for a transaction
  // that loses its server between two queries emits 'error' with nobody listening, which would
  // be an uncaught exception. The failing query reports it, and the pool discards the client on
  // release (it is no longer queryable), so the next request gets a fresh connection.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { kysely, dialect: 'postgres', close: () => kysely.destroy() };
}

export function openDatabase(url: string): Db {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url);
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  throw new Error('DATABASE_URL must start with sqlite: or postgres://');
}

export async function ping(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db.kysely);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serializes writers that touch one user's sessions or memberships. SQLite already runs one
 * transaction at a time on its single connection; PostgreSQL takes a row lock on the user.
 */
export async function lockUser(trx: Executor, dialect: Dialect, userId: string): Promise<void> {
  if (dialect === 'postgres') {
    await trx.selectFrom('users').select('id').where('id', '=', userId).forUpdate().execute();
  }
}

export async function lockOrganization(trx: Executor, dialect: Dialect, orgId: string): Promise<void> {
  if (dialect === 'postgres') {
    await trx.selectFrom('organizations').select('id').where('id', '=', orgId).forUpdate().execute();
  }
}
