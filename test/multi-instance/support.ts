import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, deleteMatchingKeys, freePort, redisProblem } from '../helpers/services.js';

/** Real server processes on one PostgreSQL database and one Redis, driven over HTTP like a load balancer would. */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX_LOADER = resolve(REPO, 'node_modules/tsx/dist/esm/index.mjs');
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export { TEST_REDIS_URL } from '../helpers/services.js';
/** A Redis logical database of its own, away from the default one. */
const REDIS_DB = 7;
const run = promisify(execFile);

async function postgresProblem(): Promise<string | null> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return `PostgreSQL not reachable at TEST_DATABASE_URL (${e instanceof Error ? e.message : 'error'})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The reason these tests cannot run on this machine, or null. */
export async function servicesProblem(): Promise<string | null> {
  const [p, r] = await Promise.all([postgresProblem(), redisProblem(TEST_REDIS_URL, 'TEST_REDIS_URL')]);
  return p ?? r;
}

/** The local cluster that `pg_ctlcluster` can restart (root on a Debian PostgreSQL), or null with the reason. */
export function restartableCluster(): { version: string; problem: null } | { version: null; problem: string } {
  const host = new URL(TEST_DATABASE_URL).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') return { version: null, problem: 'PostgreSQL is not local; it cannot be restarted from here' };
  if (!existsSync('/usr/bin/pg_ctlcluster') || !existsSync('/etc/postgresql')) return { version: null, problem: 'pg_ctlcluster not found' };
  if (process.getuid?.() !== 0) return { version: null, problem: 'restarting PostgreSQL needs root' };
  const versions = readdirSync('/etc/postgresql');
  if (versions.length !== 1 || versions[0] === undefined) return { version: null, problem: 'expected exactly one PostgreSQL cluster version in /etc/postgresql' };
  return { version: versions[0], problem: null };
}

export async function pgCluster(version: string, action: 'stop' | 'start'): Promise<void> {
  await run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action], { timeout: 30_000 });
}

export interface Fixture {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** A short-lived query on the run's database (a new connection each time: it survives restarts). */
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  dispose(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * A fresh database `gh_mi_<random>` (dropped by dispose()) and a dedicated Redis db. Redis is never
 * flushed, so overlapping runs cannot wipe each other's counters: every key this run creates names one
 * of its emails (which all contain `runId`), and dispose() deletes exactly those.
 */
export async function createFixture(runId: string): Promise<Fixture> {
  const name = `gh_mi_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client(TEST_DATABASE_URL);
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const databaseUrl = withDatabase(TEST_DATABASE_URL, name);
  const redisUrl = (() => {
    const u = new URL(TEST_REDIS_URL);
    u.pathname = `/${String(REDIS_DB)}`;
    return u.toString();
  })();
  return {
    databaseUrl,
    redisUrl,
    async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
      const c = new pg.Client(databaseUrl);
      await c.connect();
      try {
        return (await c.query<R>(text, values)).rows;
      } finally {
        await c.end();
      }
    },
    async dispose() {
      const r = new Redis(redisUrl);
      try {
        await deleteMatchingKeys(r, `*${runId}*`);
      } finally {
        r.disconnect();
      }
      const c = new pg.Client(TEST_DATABASE_URL);
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export interface Instance {
  readonly name: string;
  readonly base: string;
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

export async function startInstance(name: string, env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const cwd = mkdtempSync(join(tmpdir(), `gatehouse-mi-${name}-`));
  const child = spawn(process.execPath, ['--import', TSX_LOADER, resolve(REPO, 'src/server.ts')], {
    cwd,
    // Only what the server needs: nothing of the developer's own environment leaks in.
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOST: '127.0.0.1', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const exited = new Promise<number | null>((r) =>
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      r(code);
    }),
  );
  const base = `http://127.0.0.1:${String(port)}`;
  const deadline = Date.now() + 30_000;
  const state = { exited: false };
  void exited.then(() => {
    state.exited = true;
  });
  while (!state.exited && Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/readyz`)).status === 200) return { name, base, child, output: () => out, exited };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`instance ${name} did not become ready:\n${out}`);
}

export async function stopInstance(instance: Instance): Promise<number | null> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return instance.exited;
  instance.child.kill('SIGTERM');
  const timer = setTimeout(() => instance.child.kill('SIGKILL'), 10_000);
  const code = await instance.exited;
  clearTimeout(timer);
  return code;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly setCookies: string[];
  errorCode(): string | undefined;
}

/** A browser-like client: one cookie jar, sent to whichever instance the load balancer picks. */
export class Browser {
  readonly jar = new Map<string, string>();

  /** `ip`: the client address the proxy in front of the instances reports in X-Forwarded-For. */
  constructor(readonly ip = '192.0.2.1') {}

  async request(instance: Instance, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const h: Record<string, string> = { 'user-agent': 'multi-instance-test', 'x-forwarded-for': this.ip, ...headers };
    if (this.jar.size > 0) h.cookie = [...this.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = this.jar.get('gh_csrf');
    if (method !== 'GET' && csrf !== undefined) h['x-csrf-token'] = csrf;
    if (body !== undefined) h['content-type'] = 'application/json';
    const res = await fetch(`${instance.base}${path}`, { method, headers: h, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const cookieName = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired) this.jar.delete(cookieName);
      else this.jar.set(cookieName, value);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text === '' ? null : JSON.parse(text);
    } catch {
      parsed = text;
    }
    return {
      status: res.status,
      body: parsed,
      setCookies,
      errorCode(): string | undefined {
        const e = (parsed as { error?: { code?: string } } | null)?.error;
        return e?.code;
      },
    };
  }
  get(i: Instance, path: string): Promise<Reply> {
    return this.request(i, 'GET', path);
  }
  post(i: Instance, path: string, body?: unknown): Promise<Reply> {
    return this.request(i, 'POST', path, body);
  }
  patch(i: Instance, path: string, body?: unknown): Promise<Reply> {
    return this.request(i, 'PATCH', path, body);
  }
  delete(i: Instance, path: string, body?: unknown): Promise<Reply> {
    return this.request(i, 'DELETE', path, body);
  }
}

/** Polls (real time: the processes and the database run on real clocks) until the predicate holds. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await predicate().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
