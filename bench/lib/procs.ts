import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
/** The tsx loader, resolved from the repository so children can run with any working directory. */
export const TSX = import.meta.resolve('tsx');

/** Core 0 serves, core 1 generates load (when taskset exists and there are two cores). */
export const SERVER_CORE = 0;
export const LOADER_CORE = 1;

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;

export function pinningAvailable(): boolean {
  return hasTaskset;
}

/**
 * Every benchmark process runs at nice -10 when we may raise priority (root), so other work on a
 * shared machine disturbs the measurement less; BENCH_NICE=<n> picks another value, 0 turns it off.
 */
let NICE = ((): string | undefined => {
  const wanted = process.env.BENCH_NICE ?? (process.getuid?.() === 0 ? '-10' : '0');
  return wanted === '0' || !/^-?\d+$/.test(wanted) ? undefined : wanted;
})();
const CONFIGURED_NICE = NICE;

export function niceness(): string | undefined {
  return NICE;
}

/**
 * The PostgreSQL rows run at normal priority: the database server's own processes (not ours to
 * renice) would otherwise wait behind the benchmark's and the round trips would measure that.
 */
export function useNiceness(enabled: boolean): void {
  NICE = enabled ? CONFIGURED_NICE : undefined;
}

/** [command, args] running `node …args` pinned to one core when possible. */
export function pinnedNode(core: number, args: readonly string[]): [string, string[]] {
  const pinned: [string, string[]] = hasTaskset ? ['taskset', ['-c', String(core), process.execPath, ...args]] : [process.execPath, [...args]];
  return NICE === undefined ? pinned : ['nice', ['-n', NICE, pinned[0], ...pinned[1]]];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => {
        resolve(port);
      });
    });
  });
}

export interface Spawned {
  readonly proc: ChildProcess;
  readonly pid: number;
  stderr(): string;
  stop(): Promise<void>;
}

export function spawnPinned(core: number, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Spawned {
  const [cmd, argv] = pinnedNode(core, args);
  // A stale terminal or a big log stream must never block the server: its stdout goes nowhere
  // (or, for debugging, to the file BENCH_SERVER_LOG names; every server appends to it).
  const logFile = process.env.BENCH_SERVER_LOG;
  const out = logFile === undefined || logFile === '' ? 'ignore' : openSync(logFile, 'a');
  const proc = spawn(cmd, argv, { env, cwd, stdio: ['ignore', out, 'pipe'] });
  if (typeof out === 'number') closeSync(out);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err = (err + d.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => {
    proc.once('exit', () => {
      resolve();
    });
  });
  return {
    proc,
    pid: proc.pid ?? -1,
    stderr: () => err,
    async stop() {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers `status`; fails fast when the child exits. */
export async function waitReady(child: Spawned, url: string, timeoutMs = 30_000, status = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.proc.exitCode !== null) throw new Error(`server exited (${String(child.proc.exitCode)}): ${child.stderr()}`);
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.status === status) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${String(timeoutMs)} ms: ${child.stderr()}`);
}

/** Clock ticks per second of /proc's CPU times. */
export const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

/** User + system CPU seconds used so far by a process (all its threads). */
export function cpuSeconds(pid: number): number {
  const file = `/proc/${String(pid)}/stat`;
  if (!existsSync(file)) return Number.NaN;
  const stat = readFileSync(file, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** Resident set and its peak, in MB, from /proc (NaN where /proc is missing). */
export function memoryMb(pid: number): { rss: number; peak: number } {
  const file = `/proc/${String(pid)}/status`;
  if (!existsSync(file)) return { rss: Number.NaN, peak: Number.NaN };
  const status = readFileSync(file, 'utf8');
  // eslint-disable-next-line security/detect-non-literal-regexp -- the key is one of our fixed /proc status field names
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

/** Runs a child to completion and parses the last line of its stdout as JSON. */
export async function runJsonChild<T>(core: number, args: readonly string[], onLine?: (line: string) => void, env: Record<string, string> = {}): Promise<T> {
  const [cmd, argv] = pinnedNode(core, args);
  const proc = spawn(cmd, argv, { env: { ...process.env, ...env }, cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let seen = 0;
  proc.stdout.on('data', (d: Buffer) => {
    out += d.toString('utf8');
    const lines = out.split('\n');
    for (; seen < lines.length - 1; seen++) onLine?.(lines[seen] ?? '');
  });
  proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString('utf8')).slice(-4000)));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const last = out.trim().split('\n').pop() ?? '';
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${String(code)}): ${err}`);
  return JSON.parse(last) as T;
}
