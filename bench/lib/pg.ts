import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the PostgreSQL rows run when a server is reachable (override with BENCH_PG_URL). */
export const PG_ADMIN_URL = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, empty database for this run, or null (with the reason) when PostgreSQL is not reachable. */
export async function createFreshDatabase(): Promise<FreshDatabase | { readonly skipped: string }> {
  const name = `gh_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`create database ${name}`);
  } catch (e) {
    return { skipped: `PostgreSQL not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//…@')} (${e instanceof Error ? e.message : String(e)})` };
  } finally {
    await admin.end().catch(() => undefined);
  }
  return {
    url: withDatabase(PG_ADMIN_URL, name),
    async drop() {
      const c = new pg.Client({ connectionString: PG_ADMIN_URL });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
