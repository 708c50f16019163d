/**
 * What the auth row costs PostgreSQL itself: backend CPU (from /proc of the connection's backend
 * process) per execution of Gatehouse's auth-row statement, of two cut-down forms of it (without the
 * MFA gate's two EXISTS probes; without the impersonation joins; neither is a correct check, they
 * bound what each part costs), of the minimal check's two primary-key lookups and of one lookup.
 * Named prepared statements on one connection, a fresh database with 400 users of 5 sessions each.
 * Prints three interleaved rounds, then the auth row's plan.
 *
 *   npx tsx bench/experiments/pg-auth-row-cost.ts     (env: N executions per round, default 10000)
 */
import pg from 'pg';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { newId, randomToken } from '../../src/crypto/random.js';
import { newUserRow } from '../../src/account/users.js';
import { authRowStatement } from '../../src/session/auth-row.js';
import { createFreshDatabase } from '../lib/pg.js';
import { cpuSeconds } from '../lib/procs.js';

const USERS = 400;
const SESSIONS_PER_USER = 5;

async function seed(db: Db): Promise<string[]> {
  const now = Date.now();
  const sessionIds: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const userId = newId();
    await db.kysely.insertInto('users').values(newUserRow({ id: userId, email: `seed-${String(u)}@bench.invalid`, name: `Seed ${String(u)}`, passwordHash: 'x', verified: true, now })).execute();
    const rows = Array.from({ length: SESSIONS_PER_USER }, () => {
      const id = randomToken();
      sessionIds.push(id);
      return { id, user_id: userId, created_at: now, last_active_at: now, expires_at: now + 86_400_000, revoked_at: null, ip: '127.0.0.1', user_agent: 'bench', impersonator_id: null, impersonator_session_id: null };
    });
    await db.kysely.insertInto('sessions').values(rows).execute();
  }
  return sessionIds;
}

/** The auth row's SQL as the server prepares it (captured from the statement's builder). */
function authRowSql(db: Db): string {
  let captured = '';
  const capturing: Db = {
    ...db,
    prepared: (_name, build) => {
      captured = build().sql;
      return { now: () => undefined, run: () => Promise.resolve(undefined) };
    },
  };
  authRowStatement(capturing);
  return captured;
}

async function main(): Promise<void> {
  const n = Number(process.env.N ?? '10000');
  const fresh = await createFreshDatabase();
  if ('skipped' in fresh) throw new Error(fresh.skipped);
  const db = openDatabase(fresh.url);
  const client = new pg.Client({ connectionString: fresh.url });
  try {
    await migrateToLatest(db);
    const sids = await seed(db);
    const full = authRowSql(db);
    const noExists = full.replace(/case when \(exists.*?end as "has_mfa"/s, '0 as "has_mfa"');
    const noImpersonation = full
      .replace(/left join "users" as "iu".*?left join "sessions" as "isess" on "isess"\."id" = "s"\."impersonator_session_id"/s, '')
      .replace(/"(iu|isess)"\."\w+"/g, 'null');
    if (noExists === full || noImpersonation === full) throw new Error('the auth row changed shape: update the cut-down forms');
    await client.connect();
    const backend = (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid ?? -1;
    const sid = (i: number): string => sids[i % sids.length] ?? '';
    const variants: [string, (i: number) => Promise<unknown>][] = [
      ['auth row', (i) => client.query({ name: 'auth_row', text: full, values: [sid(i)] })],
      ['  without the EXISTS probes', (i) => client.query({ name: 'no_exists', text: noExists, values: [sid(i)] })],
      ['  without the impersonation joins', (i) => client.query({ name: 'no_imp', text: noImpersonation, values: [sid(i)] })],
      [
        'two primary-key lookups',
        async (i) => {
          const s = await client.query<{ user_id: string }>({ name: 'pk_session', text: 'select user_id, expires_at from sessions where id = $1', values: [sid(i)] });
          return client.query({ name: 'pk_user', text: 'select id, name, email, email_verified, created_at from users where id = $1', values: [s.rows[0]?.user_id] });
        },
      ],
      ['one primary-key lookup', (i) => client.query({ name: 'pk_only', text: 'select user_id, expires_at from sessions where id = $1', values: [sid(i)] })],
    ];
    for (let round = 1; round <= 3; round++) {
      process.stdout.write(`round ${String(round)}\n`);
      for (const [name, run] of variants) {
        for (let i = 0; i < 500; i++) await run(i);
        const cpu = cpuSeconds(backend);
        const started = performance.now();
        for (let i = 0; i < n; i++) await run(i);
        const wallUs = ((performance.now() - started) * 1000) / n;
        const cpuUs = ((cpuSeconds(backend) - cpu) * 1e6) / n;
        process.stdout.write(`  ${name.padEnd(36)} PostgreSQL CPU ${cpuUs.toFixed(1).padStart(6)} µs   round trip ${wallUs.toFixed(1).padStart(6)} µs\n`);
      }
    }
    const plan = await client.query<{ 'QUERY PLAN': string }>({ text: `explain (analyze, buffers) ${full.replace('$1', `'${sid(7)}'`)}` });
    process.stdout.write(`${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
  } finally {
    await client.end().catch(() => undefined);
    await db.close();
    await fresh.drop();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
