/**
 * The SQL part of the check, in process: Gatehouse's one auth-row statement (session, user,
 * membership, organization, impersonator and the MFA gate's two EXISTS) against the minimal check's
 * two primary-key lookups, on the same migrated SQLite file, as better-sqlite3 prepared statements.
 * Prints µs of CPU per request for each, and the auth row's query plan.
 *
 *   npx tsx bench/experiments/auth-row-cost.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { newId, randomToken } from '../../src/crypto/random.js';
import { authRowFromTuple, authRowStatement } from '../../src/session/auth-row.js';

function cpuPerCall(name: string, call: () => unknown, n = 200_000): void {
  for (let i = 0; i < 5000; i++) call();
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) call();
  const used = process.cpuUsage(before);
  process.stdout.write(`${name.padEnd(44)} ${((used.user + used.system) / n).toFixed(2)} µs CPU/request\n`);
}

/** The auth row's SQL text, as the session check prepares it. */
async function authRowSql(db: Db): Promise<string> {
  let text = '';
  const spy: Db = { ...db, prepared: (name, build, shape) => { text = build().sql; return db.prepared(name, build, shape); } };
  await authRowStatement(spy).run(['none']);
  return text;
}

const dir = mkdtempSync(join(tmpdir(), 'auth-row-cost-'));
const file = join(dir, 'cost.db');
try {
  const db = openDatabase(`sqlite:${file}`);
  await migrateToLatest(db);
  const now = Date.now();
  const userId = newId();
  const sessionId = randomToken();
  await db.kysely.insertInto('users').values({ id: userId, email: 'cost@bench.invalid', name: 'Cost', password_hash: 'x', email_verified: 1, role: 'user', disabled: 0, created_at: now, updated_at: now, password_changed_at: now, email_changed_at: now }).execute();
  await db.kysely.insertInto('sessions').values({ id: sessionId, user_id: userId, created_at: now, last_active_at: now, expires_at: now + 86_400_000, revoked_at: null, ip: null, user_agent: null, impersonator_id: null, impersonator_session_id: null }).execute();
  const text = await authRowSql(db);
  await db.close();
  const sqlite = new SQLite(file);
  const session = sqlite.prepare('select user_id, expires_at, revoked_at from sessions where id = ?');
  const user = sqlite.prepare('select id, email, name, role, disabled, email_verified, created_at from users where id = ?');
  const authRow = sqlite.prepare(text);
  const authTuple = sqlite.prepare(text).raw(true);
  for (let round = 0; round < 2; round++) {
    cpuPerCall('two primary-key lookups (the minimal check)', () => [session.get(sessionId), user.get(userId)]);
    cpuPerCall('the auth row as an object (before session 5)', () => authRow.get(sessionId));
    cpuPerCall('the auth row as a tuple + authRowFromTuple', () => authRowFromTuple(authTuple.get(sessionId) as unknown[]));
  }
  const plan = sqlite.prepare(`explain query plan ${text}`).all(sessionId) as { detail: string }[];
  process.stdout.write(`${plan.map((r) => `  ${r.detail}`).join('\n')}\n`);
  sqlite.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
