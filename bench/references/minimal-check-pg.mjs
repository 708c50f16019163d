/* global process, Buffer, console */
// The minimal honest check of ../shared/bench-reference/minimal-honest-check.mjs, done on
// PostgreSQL: the yardstick of Gatehouse's PostgreSQL /me row. Same steps, same HS256 verification
// (node:crypto HMAC, header pinned), same JSON; the two primary-key lookups are pg prepared
// statements (named: parsed and planned once per connection), over a pool of the size Gatehouse
// uses (10). Plain JavaScript run by plain node, like the shared references.
// Env: PORT, DATABASE_URL (a database of its own; it creates honest_user and honest_session there).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';

const PORT = Number(process.env.PORT ?? 4103);
const SECRET = Buffer.from('honest-bench-secret-0123456789abcdef0123456789', 'utf8');
const SESSION_TTL_S = 7 * 24 * 3600;

pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(`
  CREATE TABLE IF NOT EXISTS honest_user (id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL UNIQUE,
    "emailVerified" INTEGER NOT NULL, image TEXT, "createdAt" TEXT NOT NULL, "updatedAt" TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS honest_session (id TEXT PRIMARY KEY, "userId" TEXT NOT NULL REFERENCES honest_user(id),
    "expiresAt" BIGINT NOT NULL, "createdAt" TEXT NOT NULL);
`);
const now = new Date().toISOString();
const USER_ID = randomBytes(16).toString('base64url');
await pool.query('INSERT INTO honest_user VALUES ($1, $2, $3, 0, NULL, $4, $5)', [USER_ID, 'Bench User', `bench-${USER_ID}@example.com`, now, now]);
const SEL_SESSION = { name: 'honest_session', text: 'SELECT "userId", "expiresAt" FROM honest_session WHERE id = $1' };
const SEL_USER = { name: 'honest_user', text: 'SELECT id, name, email, "emailVerified", image, "createdAt", "updatedAt" FROM honest_user WHERE id = $1' };
const stats = { me: 0, sql: 0 };

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
function sign(payload) {
  const data = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${data}.${createHmac('sha256', SECRET).update(data).digest('base64url')}`;
}
function verify(token) {
  const i = token.indexOf('.');
  const j = token.lastIndexOf('.');
  if (i <= 0 || j <= i || token.slice(0, i) !== HEADER) return null;
  const sig = Buffer.from(token.slice(j + 1), 'base64url');
  const expected = createHmac('sha256', SECRET).update(token.slice(0, j)).digest();
  if (sig.length !== expected.length || !timingSafeEqual(sig, expected)) return null;
  let p;
  try {
    p = JSON.parse(Buffer.from(token.slice(i + 1, j), 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  return typeof p.exp === 'number' && p.exp * 1000 > Date.now() ? p : null;
}

function cookie(header, name) {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

const app = Fastify({ logger: false });

app.post('/api/login', async (_req, reply) => {
  const sid = randomBytes(24).toString('base64url');
  const exp = Math.floor(Date.now() / 1000) + SESSION_TTL_S;
  await pool.query('INSERT INTO honest_session (id, "userId", "expiresAt", "createdAt") VALUES ($1, $2, $3, $4)', [sid, USER_ID, exp * 1000, new Date().toISOString()]);
  const jwt = sign({ sub: USER_ID, sid, exp });
  return reply.header('set-cookie', `sid=${jwt}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_TTL_S}`).send({ ok: true });
});

app.get('/api/me', async (request, reply) => {
  stats.me++;
  const token = cookie(request.headers.cookie, 'sid');
  const claims = token && verify(token);
  if (!claims) return reply.code(401).send({ error: 'unauthorized' });
  stats.sql += 2;
  const s = (await pool.query({ ...SEL_SESSION, values: [claims.sid] })).rows[0];
  if (!s || s.userId !== claims.sub || s.expiresAt <= Date.now()) return reply.code(401).send({ error: 'unauthorized' });
  const u = (await pool.query({ ...SEL_USER, values: [s.userId] })).rows[0];
  if (!u) return reply.code(401).send({ error: 'unauthorized' });
  u.emailVerified = u.emailVerified === 1;
  return u;
});

app.get('/__stats', async () => stats);

const shutdown = async () => {
  await app.close();
  await pool.end();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
await app.listen({ port: PORT, host: '127.0.0.1' });
console.log(`honest-check on PostgreSQL listening on 127.0.0.1:${PORT}`);
