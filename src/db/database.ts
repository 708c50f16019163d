import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type CompiledQuery, type SqliteDatabase } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

/** The one place that knows which SQL dialect is in use. */
export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: Dialect;
  /**
   * A SELECT compiled once (on first use, by `build`) and run by the driver's own prepared
   * statement, for the per-request hot path (SQLite: compiled once by better-sqlite3; PostgreSQL: a
   * named statement, parsed and planned once per connection). Kept per database under `name`.
   * Rows travel as arrays (no column names made per row) and `shape` turns the first one into R.
   */
  prepared<R>(name: string, build: () => CompiledQuery, shape: RowShape<R>): PreparedSelect<R>;
  close(): Promise<void>;
}

export type Executor = Kysely<Database>;

/**
 * How a prepared SELECT's row becomes an object: its column names in select order (checked against
 * the statement when it is prepared) and a function from the array of values to the row.
 */
export interface RowShape<R> {
  readonly columns: readonly string[];
  fromTuple(values: readonly unknown[]): R;
}

/** `now` could not run the statement at once: use `run` (see PreparedSelect). */
export const MUST_WAIT: unique symbol = Symbol('must wait');

export interface PreparedSelect<R> {
  /** The first row. */
  run(parameters: readonly unknown[]): Promise<R | undefined>;
  /**
   * The first row without a promise when the driver can answer at once (SQLite outside a
   * transaction), else MUST_WAIT. The hot path skips a promise and a microtask this way.
   */
  now(parameters: readonly unknown[]): R | undefined | typeof MUST_WAIT;
}

/** One prepared statement per name and database, built on first use. */
function memoizeByName(prepare: <R>(name: string, query: CompiledQuery, shape: RowShape<R>) => PreparedSelect<R>): Db['prepared'] {
  const byName = new Map<string, PreparedSelect<unknown>>();
  return <R>(name: string, build: () => CompiledQuery, shape: RowShape<R>): PreparedSelect<R> => {
    let run = byName.get(name) as PreparedSelect<R> | undefined;
    if (run === undefined) {
      run = prepare(name, build(), shape);
      byName.set(name, run);
    }
    return run;
  };
}

/** A statement whose columns are not the shape's would fill every field from the wrong column. */
function checkColumns(name: string, actual: readonly string[], shape: RowShape<unknown>): void {
  if (actual.length !== shape.columns.length || actual.some((c, i) => c !== shape.columns[i])) {
    throw new Error(`prepared statement ${name}: columns [${actual.join(', ')}] are not [${shape.columns.join(', ')}]`);
  }
}

/** A row that came back as an object (through Kysely) as the shape's tuple. */
function objectToTuple(row: Readonly<Record<string, unknown>>, shape: RowShape<unknown>): unknown[] {
  return shape.columns.map((c) => row[c]);
}

/** Distinct SQL texts kept compiled; far more than the app has (an `in (…)` list adds one per length). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely asks better-sqlite3 to prepare (parse and plan) the SQL of every query it runs; the app
 * runs the same few texts over and over, so each compiled statement is kept and reused.
 * Safe on the single connection: Kysely never runs two queries on it at once.
 */
/** Kysely's SqliteDatabase, whose statements are better-sqlite3's own (so `get` is at hand). */
interface CachingSqlite extends SqliteDatabase {
  prepare(text: string): SQLite.Statement;
}

function withStatementCache(sqlite: SQLite.Database): CachingSqlite {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string): SQLite.Statement {
      let statement = cache.get(text);
      if (statement === undefined) {
        statement = sqlite.prepare(text);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value ?? '');
        cache.set(text, statement);
      }
      return statement;
    },
  };
}

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
  const database = withStatementCache(sqlite);
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  return {
    kysely,
    dialect: 'sqlite',
    prepared: memoizeByName(<R>(name: string, query: CompiledQuery, shape: RowShape<R>): PreparedSelect<R> => {
      // Its own statement, not the one Kysely shares from the cache: raw mode returns arrays, so
      // better-sqlite3 makes no column-name strings and no object per row.
      const statement = sqlite.prepare(query.sql).raw(true);
      checkColumns(name, statement.columns().map((c) => c.name), shape);
      const now = (parameters: readonly unknown[]): R | undefined | typeof MUST_WAIT => {
        // Inside another request's open transaction (same single connection) a direct read would
        // see its uncommitted writes: then it must queue behind it through Kysely.
        if (sqlite.inTransaction) return MUST_WAIT;
        const tuple = statement.get(...parameters) as unknown[] | undefined;
        return tuple === undefined ? undefined : shape.fromTuple(tuple);
      };
      return {
        now,
        async run(parameters) {
          const at = now(parameters);
          if (at !== MUST_WAIT) return at;
          const row = (await kysely.executeQuery<Record<string, unknown>>({ ...query, parameters })).rows[0];
          return row === undefined ? undefined : shape.fromTuple(objectToTuple(row, shape));
        },
      };
    }),
    close: () => kysely.destroy(),
  };
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
  return {
    kysely,
    dialect: 'postgres',
    prepared: memoizeByName(<R>(name: string, query: CompiledQuery, shape: RowShape<R>): PreparedSelect<R> => {
      let checked = false;
      return {
        now: () => MUST_WAIT,
        async run(parameters) {
          const result = await pool.query<unknown[]>({ name, text: query.sql, values: [...parameters], rowMode: 'array' });
          if (!checked) {
            checkColumns(name, result.fields.map((f) => f.name), shape);
            checked = true;
          }
          const tuple = result.rows[0];
          return tuple === undefined ? undefined : shape.fromTuple(tuple);
        },
      };
    }),
    close: () => kysely.destroy(),
  };
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
