import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Browser,
  createFixture,
  eventually,
  pgCluster,
  restartableCluster,
  servicesProblem,
  startInstance,
  stopInstance,
  type Fixture,
  type Instance,
  type Reply,
} from './support.js';

const IN_CI = process.env.CI === 'true';
const PROBLEM = await servicesProblem();
const SKIP = PROBLEM !== null && !IN_CI;
const NOTE = SKIP ? ` [skipped: ${PROBLEM}]` : '';
if (SKIP) process.stdout.write(`skipped: multi-instance suite: ${PROBLEM}\n`);
const CLUSTER = restartableCluster();
const SKIP_RESTART = SKIP || (CLUSTER.problem !== null && !IN_CI);
const RESTART_NOTE = SKIP ? NOTE : CLUSTER.problem !== null && !IN_CI ? ` [skipped: ${CLUSTER.problem}]` : '';
if (!SKIP && SKIP_RESTART) process.stdout.write(`skipped: database restart test: ${CLUSTER.problem ?? ''}\n`);

const PASSWORD = 'correct horse battery staple';
const RUN = `mi${randomBytes(4).toString('hex')}`;
const MAX_SESSIONS = 5;
const LOGIN_MAX_FAILURES = 4;

let fixture: Fixture;
let a: Instance;
let b: Instance;
let emails = 0;
const started: Instance[] = [];
const disposers: (() => Promise<void>)[] = [];

function email(prefix: string): string {
  emails += 1;
  return `${prefix}-${RUN}-${String(emails)}@example.test`;
}

async function register(on: Instance, name = 'Multi Instance'): Promise<{ browser: Browser; email: string; id: string }> {
  const browser = new Browser();
  const address = email('user');
  const res = await browser.post(on, '/api/auth/register', { email: address, password: PASSWORD, name });
  expect(res.status).toBe(201);
  return { browser, email: address, id: (res.body as { user: { id: string } }).user.id };
}

async function login(on: Instance, address: string, password = PASSWORD, ip?: string): Promise<{ browser: Browser; res: Reply }> {
  const browser = new Browser(ip);
  return { browser, res: await browser.post(on, '/api/auth/login', { email: address, password }) };
}

async function activeSessions(userId: string): Promise<number> {
  const rows = await fixture.query<{ n: string }>('select count(*) as n from sessions where user_id = $1 and revoked_at is null and expires_at > $2', [userId, Date.now()]);
  return Number(rows[0]?.n);
}

function expectError(res: Reply, status: number, code: string): void {
  expect({ status: res.status, code: res.errorCode() }).toEqual({ status, code });
}

describe.skipIf(SKIP)(`two server processes on one PostgreSQL database and one Redis${NOTE}`, () => {
  beforeAll(async () => {
    fixture = await createFixture(RUN);
    disposers.push(() => fixture.dispose());
    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: fixture.databaseUrl,
      REDIS_URL: fixture.redisUrl,
      // Fake, test-only secret shared by both instances (as every instance behind one proxy must).
      SESSION_SECRET: 'multi-instance-test-secret-not-for-production-0123456789',
      PUBLIC_URL: 'http://localhost:8080',
      MAIL_TRANSPORT: 'outbox',
      LOG_LEVEL: 'warn',
      MAX_SESSIONS: String(MAX_SESSIONS),
      LOGIN_MAX_FAILURES: String(LOGIN_MAX_FAILURES),
      REGISTER_MAX_PER_IP: '1000',
      // The test plays the reverse proxy: client addresses arrive in X-Forwarded-For from loopback.
      TRUST_PROXY: '127.0.0.1',
    };
    // Both at once on a fresh database, as a deployment would: they race to apply the migrations
    // (Kysely's migrator serializes them with a lock); both must come up.
    const boots = await Promise.allSettled([startInstance('a', env), startInstance('b', env)]);
    for (const boot of boots) if (boot.status === 'fulfilled') started.push(boot.value);
    for (const boot of boots) if (boot.status === 'rejected') throw boot.reason;
    [a, b] = started as [Instance, Instance];
  });

  afterAll(async () => {
    // A crashed instance explains most failures: show what it said.
    for (const i of started) {
      if (i.child.exitCode !== null && i.child.exitCode !== 0) process.stdout.write(`instance ${i.name} exited ${String(i.child.exitCode)}:\n${i.output()}\n`);
    }
    await Promise.all(started.map((i) => stopInstance(i)));
    for (const dispose of disposers) await dispose();
  });

  it('both instances are ready on the shared database and Redis', async () => {
    for (const i of [a, b]) {
      const res = await new Browser().get(i, '/readyz');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ database: true, counters: true });
    }
  });

  it('a session revoked on A is refused on B on the very next request (cookies cleared); the revoking session lives on', async () => {
    const user = await register(a);
    const { browser: phone, res } = await login(b, user.email);
    expect(res.status).toBe(200);
    const me = await phone.get(b, '/api/auth/me');
    expect(me.status).toBe(200);
    const phoneSession = (me.body as { session: { id: string } }).session.id;

    expect((await user.browser.delete(a, `/api/sessions/${phoneSession}`)).status).toBe(204);

    const refused = await phone.get(b, '/api/auth/me');
    expectError(refused, 401, 'unauthenticated');
    expect(refused.setCookies.some((c) => c.startsWith('gh_session=;') || /^gh_session=[^;]*;.*max-age=0/i.test(c))).toBe(true);
    expect(phone.jar.has('gh_session')).toBe(false);
    // Refused on A as well, and the caller's own session still works on both.
    expectError(await new Browser().request(a, 'GET', '/api/auth/me', undefined, { cookie: `gh_session=${String(res.setCookies[0]?.split(';')[0]?.split('=')[1])}` }), 401, 'unauthenticated');
    expect((await user.browser.get(b, '/api/auth/me')).status).toBe(200);
    expect((await user.browser.get(a, '/api/auth/me')).status).toBe(200);
  });

  it('a user disabled on B is refused on A on the very next request (403 account_inactive), and cannot sign in on either', async () => {
    const admin = await register(a, 'Admin');
    await fixture.query(`update users set role = 'admin' where id = $1`, [admin.id]);
    const victim = await register(a, 'Victim');
    expect((await victim.browser.get(a, '/api/auth/me')).status).toBe(200);

    const disabled = await admin.browser.patch(b, `/api/admin/users/${victim.id}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect((disabled.body as { user: { disabled: boolean } }).user.disabled).toBe(true);

    expectError(await victim.browser.get(a, '/api/auth/me'), 403, 'account_inactive');
    expectError(await victim.browser.patch(a, '/api/profile', { name: 'Still here' }), 403, 'account_inactive');
    for (const i of [a, b]) expectError((await login(i, victim.email)).res, 403, 'account_inactive');
    const [row] = await fixture.query<{ name: string; disabled: number }>('select name, disabled from users where id = $1', [victim.id]);
    expect(row).toEqual({ name: 'Victim', disabled: 1 });
    expect(await activeSessions(victim.id)).toBe(0);
  });

  it('deletion, demotion and the end of an impersonation on one instance are refused on the other on the very next request', async () => {
    const admin = await register(a, 'Admin');
    await fixture.query(`update users set role = 'admin' where id = $1`, [admin.id]);
    // Deleted on A: refused on B.
    const doomed = await register(b, 'Doomed');
    expect((await doomed.browser.get(b, '/api/auth/me')).status).toBe(200);
    expect((await admin.browser.delete(a, `/api/admin/users/${doomed.id}`)).status).toBe(204);
    expectError(await doomed.browser.get(b, '/api/auth/me'), 401, 'unauthenticated');

    // Demoted on B: the former admin is refused admin routes on A (and keeps an ordinary session).
    const second = await register(a, 'Second admin');
    await fixture.query(`update users set role = 'admin' where id = $1`, [second.id]);
    expect((await second.browser.get(a, '/api/admin/users')).status).toBe(200);
    expect((await admin.browser.patch(b, `/api/admin/users/${second.id}`, { role: 'user' })).status).toBe(200);
    expectError(await second.browser.get(a, '/api/admin/users'), 403, 'forbidden');
    expect((await second.browser.get(a, '/api/auth/me')).status).toBe(200);

    // Impersonation stopped on A: a copy of the impersonation cookie pair (another tab) is refused on B.
    const target = await register(b, 'Target');
    const started = await admin.browser.post(a, '/api/admin/impersonate', { userId: target.id });
    expect(started.status).toBe(200);
    const tab = new Browser();
    for (const [k, v] of admin.browser.jar) tab.jar.set(k, v);
    const seen = await tab.get(b, '/api/auth/me');
    expect(seen.status).toBe(200);
    expect((seen.body as { user: { id: string }; impersonator: { id: string } | null })).toMatchObject({ user: { id: target.id }, impersonator: { id: admin.id } });
    expect((await admin.browser.post(a, '/api/admin/impersonate/stop')).status).toBe(200);
    expectError(await tab.get(b, '/api/auth/me'), 401, 'unauthenticated');
    // The admin is back in their own session, on both instances.
    const back = await admin.browser.get(b, '/api/auth/me');
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ user: { id: admin.id }, impersonator: null });
  });

  it(`failed logins split over A and B hit one shared limit: after ${String(LOGIN_MAX_FAILURES)} the next attempt on either is 429, even with the right password`, async () => {
    const user = await register(b);
    const before = await activeSessions(user.id);
    const client = '198.51.100.7';
    for (const [n, i] of [a, b, a, b].entries()) {
      expectError((await login(i, user.email, `wrong password ${String(n)}`, client)).res, 401, 'invalid_credentials');
    }
    for (const i of [a, b]) {
      const { res, browser } = await login(i, user.email, PASSWORD, client);
      expectError(res, 429, 'rate_limited');
      expect(browser.jar.size).toBe(0);
    }
    expect(await activeSessions(user.id)).toBe(before);
    // The limit is per account and client address as reported by the trusted proxy: another client still signs in.
    expect((await login(b, user.email, PASSWORD, '198.51.100.8')).res.status).toBe(200);
  });

  it(`20 concurrent logins split over A and B leave exactly MAX_SESSIONS (${String(MAX_SESSIONS)}) sessions active`, async () => {
    const user = await register(a);
    // From 20 client addresses (as a proxy reports them), so that only the session cap is at work.
    const results = await Promise.all(Array.from({ length: 20 }, (_, n) => login(n % 2 === 0 ? a : b, user.email, PASSWORD, `203.0.113.${String(n + 1)}`)));
    expect(results.map((r) => r.res.status)).toEqual(Array(20).fill(200));
    expect(await activeSessions(user.id)).toBe(MAX_SESSIONS);
    // The survivors really work; the evicted ones are refused — on both instances.
    let alive = 0;
    for (const [n, r] of results.entries()) {
      const res = await r.browser.get(n % 2 === 0 ? b : a, '/api/auth/me');
      expect([200, 401]).toContain(res.status);
      if (res.status === 200) alive += 1;
    }
    expect(alive).toBe(MAX_SESSIONS);
  });

  it.skipIf(SKIP_RESTART)(`a PostgreSQL restart mid-run is survived: errors only during the outage, /readyz 503 then 200, no acknowledged write lost, no server restart${RESTART_NOTE}`, async () => {
    expect(CLUSTER.problem).toBeNull();
    const version = CLUSTER.version ?? '';
    const users = [await register(a, 'Writer 0'), await register(b, 'Writer 1')];
    interface Call {
      readonly kind: 'rename' | 'invite' | 'me';
      readonly start: number;
      readonly end: number;
      readonly res: Reply | null;
      readonly value: string;
    }
    const calls: Call[][] = [[], []];
    let running = true;
    async function call(user: number, kind: Call['kind'], value: string, send: () => Promise<Reply>): Promise<void> {
      const start = Date.now();
      const res = await send().catch(() => null);
      calls[user]?.push({ kind, start, end: Date.now(), res, value });
    }
    async function load(u: number): Promise<void> {
      const user = users[u];
      if (user === undefined) return;
      for (let n = 0; running; n += 1) {
        const [first, second] = n % 2 === 0 ? [a, b] : [b, a];
        const name = `Writer ${String(u)} #${String(n)}`;
        const invitee = email(`invitee${String(u)}-${String(n)}`);
        await call(u, 'rename', name, () => user.browser.patch(first, '/api/profile', { name }));
        await call(u, 'invite', invitee, () => user.browser.post(second, '/api/org/invitations', { email: invitee }));
        await call(u, 'me', '', () => user.browser.get(first, '/api/auth/me'));
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    const loops = [load(0), load(1)];
    const warmedUp = await eventually(() => Promise.resolve(calls.every((l) => l.length >= 6)), 10_000);
    expect(warmedUp).toBe(true);

    const outageStart = Date.now();
    await pgCluster(version, 'stop');
    let recovered = Number.POSITIVE_INFINITY;
    try {
      for (const i of [a, b]) {
        const ready = await new Browser().get(i, '/readyz');
        expect(ready.status).toBe(503);
        expect(ready.body).toMatchObject({ error: { code: 'unavailable' }, database: false, counters: true });
        expect((await new Browser().get(i, '/healthz')).status).toBe(200);
      }
      await new Promise((r) => setTimeout(r, 800));
    } finally {
      await pgCluster(version, 'start');
    }
    const back = await eventually(async () => (await Promise.all([a, b].map((i) => new Browser().get(i, '/readyz')))).every((r) => r.status === 200), 20_000);
    recovered = Date.now();
    expect(back).toBe(true);
    const kept = await eventually(() => Promise.resolve(calls.every((l) => l.filter((c) => c.start >= recovered).length >= 6)), 10_000);
    expect(kept).toBe(true);
    running = false;
    await Promise.all(loops);

    for (const [u, list] of calls.entries()) {
      const ok = (c: Call): boolean => c.res !== null && c.res.status >= 200 && c.res.status < 300;
      const before = list.filter((c) => c.end < outageStart);
      const during = list.filter((c) => c.end >= outageStart && c.start < recovered);
      const after = list.filter((c) => c.start >= recovered);
      expect(before.length).toBeGreaterThan(3);
      expect(after.length).toBeGreaterThan(3);
      expect(before.filter((c) => !ok(c)).map((c) => c.res?.status)).toEqual([]);
      // Afterwards every request succeeds again, on both instances, without restarting them.
      expect(after.filter((c) => !ok(c)).map((c) => [c.kind, c.res?.status, c.res?.body])).toEqual([]);
      // The outage was really felt, and only as a server-side error: never a 401 that signs the user out.
      const failed = during.filter((c) => !ok(c));
      expect(failed.length).toBeGreaterThan(0);
      for (const c of failed) {
        expect(c.res).not.toBeNull();
        expect([500, 503]).toContain(c.res?.status);
        expect(c.res?.errorCode()).toMatch(/^(internal_error|unavailable)$/);
        expect(c.res?.setCookies).toEqual([]);
      }
      // No acknowledged write is lost: every invitation answered 201 is there...
      const user = users[u];
      if (user === undefined) throw new Error('no user');
      const acked = list.filter((c) => c.kind === 'invite' && c.res?.status === 201).map((c) => c.value);
      const pending = await user.browser.get(a, '/api/org/invitations');
      expect(pending.status).toBe(200);
      const listed = new Set((pending.body as { invitations: { email: string }[] }).invitations.map((i) => i.email));
      expect(acked.filter((e) => !listed.has(e))).toEqual([]);
      const stored = await fixture.query<{ email: string }>('select email from invitations where email = any($1)', [acked]);
      expect(stored).toHaveLength(acked.length);
      // ...and the name is the last one acknowledged (the last write came after the recovery).
      const renames = list.filter((c) => c.kind === 'rename');
      const lastAcked = renames.filter((c) => c.res?.status === 200).at(-1);
      expect(renames.at(-1)).toBe(lastAcked);
      const [row] = await fixture.query<{ name: string }>('select name from users where id = $1', [user.id]);
      expect(row?.name).toBe(lastAcked?.value);
    }
    // The servers were never restarted.
    expect([a.child.exitCode, b.child.exitCode]).toEqual([null, null]);
  });

  it('SIGTERM on A finishes its in-flight requests, closes its pools and exits 0, while B keeps serving', async () => {
    const user = await register(b);
    const before = await activeSessions(user.id);
    const logged = a.output().length;
    const inflight = Array.from({ length: 6 }, (_, n) => login(a, user.email, PASSWORD, `203.0.113.${String(100 + n)}`).then((r) => r.res.status, (e: unknown) => (e instanceof Error ? e.message : 'error')));
    await new Promise((r) => setTimeout(r, 30));
    a.child.kill('SIGTERM');
    const started = Date.now();
    const code = await a.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await Promise.all(inflight)).toEqual(Array(6).fill(200));
    expect(await activeSessions(user.id)).toBe(Math.min(MAX_SESSIONS, before + 6));
    // Nothing went wrong while stopping (earlier tests' outage errors are not this test's business).
    expect(a.output().slice(logged)).not.toMatch(/"level":(50|60)/);
    expect((await new Browser().get(b, '/readyz')).status).toBe(200);
    expect((await login(b, user.email)).res.status).toBe(200);
  });
});
