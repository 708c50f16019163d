import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { freePort, REPO, SERVER_CORE, spawnPinned, TSX, waitReady, type Spawned } from './procs.js';

export interface ServerOptions {
  readonly databaseUrl: string;
  readonly mailUrl: string;
  /** Working directory of the server (a scratch directory: no stray .env is read). */
  readonly cwd: string;
  /** Extra node flags placed before the entry point (profilers, module overrides). */
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
  /** Overrides or a compiled entry for this server only (see Launch). */
  readonly launch?: Omit<Launch, 'nodeArgs'>;
}

/**
 * How Gatehouse is started: extra node flags, a folder of prototype files replacing some of src/
 * (bench/experiments/override-hooks.mjs), or a compiled entry point run without tsx.
 */
export interface Launch {
  readonly nodeArgs: readonly string[];
  readonly overrideDir?: string;
  readonly compiledEntry?: string;
}

let defaultLaunch: Launch = { nodeArgs: [] };

/** node flags and environment that run TypeScript from src/ (with the launch's overrides, if any). */
export function tsxLaunch(launch: Launch): { args: string[]; env: Record<string, string> } {
  if (launch.overrideDir === undefined) return { args: ['--import', TSX], env: {} };
  return {
    args: ['--import', TSX, '--import', join(REPO, 'bench', 'experiments', 'register-overrides.mjs')],
    env: { BENCH_OVERRIDE_DIR: launch.overrideDir },
  };
}

/** Every later startGatehouse uses this (BENCH_VARIANT: a prototype from bench/experiments). */
export function setDefaultLaunch(launch: Launch): void {
  defaultLaunch = launch;
}

export function currentLaunch(): Launch {
  return defaultLaunch;
}

export interface RunningServer {
  readonly url: string;
  readonly child: Spawned;
  readonly secret: string;
}

/** Production settings as shipped: every strict check on, info logging, Resend mail (to the sink). */
export function productionEnv(port: number, databaseUrl: string, mailUrl: string, secret: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://localhost:${String(port)}`,
    DATABASE_URL: databaseUrl,
    SESSION_SECRET: secret,
    MAIL_TRANSPORT: 'resend',
    RESEND_API_KEY: 're_bench_not_a_real_key',
    RESEND_BASE_URL: mailUrl,
    LOG_LEVEL: 'info',
  };
}

/**
 * One secret per database: every server started on the same database (statement counting, then
 * load) must open what the first sealed there (the OIDC signing keys).
 */
export function benchSecret(databaseUrl: string): string {
  return createHash('sha256').update(`gatehouse-bench:${databaseUrl}`).digest('base64url');
}

/** `node --import tsx src/server.ts` on the server core, as `npm start` runs it (minus the npm wrapper). */
export async function startGatehouse(options: ServerOptions): Promise<RunningServer> {
  const port = await freePort();
  const secret = benchSecret(options.databaseUrl);
  const launch: Launch = {
    nodeArgs: [...defaultLaunch.nodeArgs, ...(options.nodeArgs ?? [])],
    ...(defaultLaunch.overrideDir === undefined ? {} : { overrideDir: defaultLaunch.overrideDir }),
    ...(options.launch?.overrideDir === undefined ? {} : { overrideDir: options.launch.overrideDir }),
  };
  const compiled = options.launch?.compiledEntry ?? defaultLaunch.compiledEntry;
  const tsx = tsxLaunch(launch);
  const env = { ...productionEnv(port, options.databaseUrl, options.mailUrl, secret), ...(compiled === undefined ? tsx.env : {}), ...options.env };
  const args = compiled === undefined ? [...tsx.args, ...launch.nodeArgs, join(REPO, 'src', 'server.ts')] : [...launch.nodeArgs, compiled];
  const child = spawnPinned(SERVER_CORE, args, env, options.cwd);
  const url = `http://127.0.0.1:${String(port)}`;
  try {
    await waitReady(child, `${url}/healthz`);
  } catch (e) {
    await child.stop();
    throw e;
  }
  return { url, child, secret };
}

/** bench/naive-server.ts over the same SQLite file and secret as a running Gatehouse. */
export async function startNaive(cwd: string, databasePath: string, secret: string): Promise<RunningServer> {
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port), DATABASE_PATH: databasePath, SESSION_SECRET: secret };
  const child = spawnPinned(SERVER_CORE, ['--import', TSX, join(REPO, 'bench', 'naive-server.ts')], env, cwd);
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(child, `${url}/api/auth/me`, 30_000, 401);
  return { url, child, secret };
}

export async function startBare(cwd: string, nodeArgs: readonly string[] = []): Promise<RunningServer> {
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port) };
  const child = spawnPinned(SERVER_CORE, ['--import', TSX, ...nodeArgs, join(REPO, 'bench', 'bare-server.ts')], env, cwd);
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(child, `${url}/`);
  return { url, child, secret: '' };
}
