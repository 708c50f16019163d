/**
 * The reference servers of issue 16, run beside Gatehouse in the same run and pinned the same way:
 * `../shared/bench-reference/bare.mjs` and `minimal-honest-check.mjs` from where they are (never
 * copied here), and our own PostgreSQL twin of the minimal check (bench/references/minimal-check-pg.mjs).
 * All three are plain JavaScript run by plain node.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, REPO, SERVER_CORE, spawnPinned, waitReady } from './procs.js';
import type { RunningServer } from './gatehouse.js';

/** `../shared` stands beside every checkout. */
export const SHARED_REFERENCE_DIR = resolve(REPO, '..', 'shared', 'bench-reference');

const REGISTER = join(REPO, 'bench', 'references', 'register.mjs');

export interface ReferenceServer extends RunningServer {
  /** The measured route: GET /api/me. */
  readonly meUrl: string;
}

async function startPlain(cwd: string, args: readonly string[], env: Record<string, string>, readyPath: string): Promise<ReferenceServer> {
  const port = await freePort();
  const child = spawnPinned(SERVER_CORE, args, { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port), ...env }, cwd);
  const url = `http://127.0.0.1:${String(port)}`;
  try {
    await waitReady(child, `${url}${readyPath}`);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { url, child, secret: '', meUrl: `${url}/api/me` };
}

/** `bare.mjs` or `minimal-honest-check.mjs` from ../shared/bench-reference, as they are. */
export async function startSharedReference(cwd: string, file: 'bare.mjs' | 'minimal-honest-check.mjs'): Promise<ReferenceServer> {
  const path = join(SHARED_REFERENCE_DIR, file);
  if (!existsSync(path)) throw new Error(`reference server not found: ${path} (../shared must stand beside the checkout)`);
  const readyPath = file === 'bare.mjs' ? '/api/me' : '/__stats';
  return startPlain(cwd, ['--import', REGISTER, path], { BENCH_REFERENCE_DIR: SHARED_REFERENCE_DIR }, readyPath);
}

/** The same minimal check on PostgreSQL (its own two tables in `databaseUrl`). */
export async function startMinimalPostgres(cwd: string, databaseUrl: string): Promise<ReferenceServer> {
  return startPlain(cwd, [join(REPO, 'bench', 'references', 'minimal-check-pg.mjs')], { DATABASE_URL: databaseUrl }, '/__stats');
}

/** POST /api/login on a minimal check: the `Cookie` header its GET /api/me needs. */
export async function referenceLogin(server: ReferenceServer): Promise<string> {
  const res = await fetch(`${server.url}/api/login`, { method: 'POST' });
  await res.body?.cancel();
  const sid = res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '').find((c) => c.startsWith('sid='));
  if (res.status !== 200 || sid === undefined) throw new Error(`reference login: HTTP ${String(res.status)}, no sid cookie`);
  const me = await fetch(server.meUrl, { headers: { cookie: sid } });
  await me.body?.cancel();
  if (me.status !== 200) throw new Error(`reference /api/me with its cookie: HTTP ${String(me.status)}`);
  return sid;
}
