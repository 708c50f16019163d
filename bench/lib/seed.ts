import { writeFileSync } from 'node:fs';
import { openDatabase } from '../../src/db/database.js';
import { createTokenKeys } from '../../src/crypto/jwt.js';
import { issueSessionToken } from '../../src/session/tokens.js';
import { newId, randomToken } from '../../src/crypto/random.js';
import { newUserRow } from '../../src/account/users.js';

export interface SeedResult {
  readonly sessions: number;
  /** autocannon `requests` entries, one per seeded session: GET /api/auth/me with its cookie pair. */
  readonly requestsFile: string;
}

const SESSIONS_PER_USER = 5;


/**
 * Stores `count` live sessions (5 per user, the default cap) straight into the server's database
 * and signs their tokens with the server's secret, as the contract allows any backend to.
 * Their lastActiveAt is two minutes old, so the first request on each one writes it once.
 */
export async function seedSessions(databaseUrl: string, secret: string, count: number, file: string): Promise<SeedResult> {
  const db = openDatabase(databaseUrl);
  const keys = await createTokenKeys('gatehouse-session', secret, undefined);
  const now = Date.now();
  const requests: { method: string; path: string; headers: Record<string, string> }[] = [];
  try {
    const users = Math.ceil(count / SESSIONS_PER_USER);
    for (let u = 0; u < users; u++) {
      const userId = newId();
      await db.kysely.insertInto('users').values(newUserRow({ id: userId, email: `seed-${String(u)}-${userId.toLowerCase()}@bench.invalid`, name: `Seed ${String(u)}`, passwordHash: 'not-a-hash', verified: true, now })).execute();
      const rows = [];
      for (let i = 0; i < SESSIONS_PER_USER && requests.length < count; i++) {
        const id = randomToken();
        const csrf = randomToken(24);
        rows.push({ id, user_id: userId, created_at: now, last_active_at: now - 120_000, expires_at: now + 86_400_000, revoked_at: null, ip: '127.0.0.1', user_agent: 'bench', impersonator_id: null, impersonator_session_id: null });
        const token = await issueSessionToken(keys, { sessionId: id, userId, csrf }, now, now + 86_400_000);
        requests.push({ method: 'GET', path: '/api/auth/me', headers: { cookie: `gh_session=${token}; gh_csrf=${csrf}` } });
      }
      await db.kysely.insertInto('sessions').values(rows).execute();
    }
  } finally {
    await db.close();
  }
  writeFileSync(file, JSON.stringify(requests));
  return { sessions: requests.length, requestsFile: file };
}

/** Inserts `count` verified accounts sharing one (real, production-parameter) password hash. */
export async function seedUsers(databaseUrl: string, count: number, passwordHash: string, prefix: string): Promise<string[]> {
  const db = openDatabase(databaseUrl);
  const now = Date.now();
  const emails = Array.from({ length: count }, (_, i) => `${prefix}-${String(i)}@bench.invalid`);
  try {
    await db.kysely.insertInto('users').values(emails.map((email) => newUserRow({ id: newId(), email, name: 'Bench Flooder', passwordHash, verified: true, now }))).execute();
  } finally {
    await db.close();
  }
  return emails;
}

export async function countSessions(databaseUrl: string): Promise<number> {
  const db = openDatabase(databaseUrl);
  try {
    const row = await db.kysely.selectFrom('sessions').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  } finally {
    await db.close();
  }
}
