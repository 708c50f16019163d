/**
 * The "naive" reference point: a Fastify route that verifies the session JWT with jose,
 * then looks up the session row and the user row with two Kysely queries (no logging, no
 * security headers, no CSRF, no idle or impersonation checks). Same Node, same database file and
 * tokens as the Gatehouse server it is compared with. Env: PORT, DATABASE_PATH, SESSION_SECRET.
 */
import Fastify from 'fastify';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { jwtVerify } from 'jose';
import { deriveKeyBytes } from '../src/crypto/jwt.js';
import type { Database } from '../src/db/schema.js';

const key = deriveKeyBytes(process.env.SESSION_SECRET ?? '', 'gatehouse-session');
const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(process.env.DATABASE_PATH ?? '') }) });
const app = Fastify({ logger: false });

function sessionCookie(header: string | undefined): string | undefined {
  const m = /(?:^|;\s*)gh_session=([^;]+)/.exec(header ?? '');
  return m?.[1];
}

app.get('/api/auth/me', async (request, reply) => {
  try {
    const { payload } = await jwtVerify(sessionCookie(request.headers.cookie) ?? '', key, { algorithms: ['HS256'], audience: 'gatehouse-session' });
    const session = await db.selectFrom('sessions').selectAll().where('id', '=', String(payload.sid)).executeTakeFirst();
    if (session === undefined || session.revoked_at !== null || session.expires_at < Date.now()) return await reply.code(401).send({ error: 'unauthenticated' });
    const user = await db.selectFrom('users').select(['id', 'email', 'name', 'role']).where('id', '=', session.user_id).executeTakeFirst();
    if (user === undefined) return await reply.code(401).send({ error: 'unauthenticated' });
    return { user, session: { id: session.id, expiresAt: new Date(session.expires_at).toISOString() } };
  } catch {
    return reply.code(401).send({ error: 'unauthenticated' });
  }
});

app
  .listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? '0') })
  .then((address) => process.stdout.write(`listening ${address}\n`))
  .catch((e: unknown) => {
    process.stderr.write(`naive server failed: ${String(e)}\n`);
    process.exit(1);
  });
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
