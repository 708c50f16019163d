import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Helpers that run the real entry points (server, CLI) as child processes, as an operator would. */

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TSX_LOADER = resolve(REPO, 'node_modules/tsx/dist/esm/index.mjs');

export function tempDir(prefix = 'gatehouse-ops-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * Only what the child needs: PATH (and TZ, so the TZ=America/Los_Angeles run reaches it). Nothing of
 * the developer's own environment (a DATABASE_URL, say) leaks into the process under test.
 */
export function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  if (process.env.TZ !== undefined) base.TZ = process.env.TZ;
  return { ...base, ...env };
}

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Running {
  readonly child: ChildProcess;
  output(): { stdout: string; stderr: string };
  finished: Promise<Finished>;
}

export interface StartOptions {
  readonly env: Record<string, string>;
  /** Working directory (where `.env` and `./data` are looked up); a fresh temp dir by default. */
  readonly cwd?: string;
  /** Written to stdin, which is then closed. Without it stdin is an empty pipe (not a TTY). */
  readonly input?: string;
  readonly timeoutMs?: number;
}

/** A TypeScript file of the repository, run by tsx (as `npm run cli` does). */
export function start(script: string, args: readonly string[], options: StartOptions): Running {
  return startNode(['--import', TSX_LOADER, resolve(REPO, script), ...args], options);
}

/** Plain `node <nodeArgs>` (paths relative to the repository root are the caller's to resolve). */
export function startNode(nodeArgs: readonly string[], options: StartOptions): Running {
  const child = spawn(process.execPath, nodeArgs, {
    cwd: options.cwd ?? tempDir(),
    env: childEnv(options.env),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString('utf8');
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  child.stdin.end(options.input ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
  const finished = new Promise<Finished>((resolvePromise) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
  return { child, output: () => ({ stdout, stderr }), finished };
}

export function runCli(args: readonly string[], options: StartOptions): Promise<Finished> {
  return start('src/cli.ts', args, options).finished;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolvePromise(port);
      });
    });
  });
}

export async function isListening(port: number): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolvePromise(true);
    });
    socket.once('error', () => {
      resolvePromise(false);
    });
  });
}

/** Polls until the server answers /healthz or the process ends. Real processes take real time to boot. */
async function waitForHealthy(port: number, running: Running, timeoutMs = 20_000): Promise<boolean> {
  const state = { exited: false };
  void running.finished.then(() => {
    state.exited = true;
  });
  const deadline = Date.now() + timeoutMs;
  while (!state.exited && Date.now() < deadline) {
    try {
      const res = await fetch(`http://127.0.0.1:${String(port)}/healthz`);
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** How long a booting server may take on a loaded 2-core CI machine (idle, it takes about a second). */
export const BOOT_LIMIT_MS = 60_000;

/**
 * Waits for /healthz like waitForHealthy, and when the server does not come up, fails with what the
 * process printed, whether it exited, and how long it was given: a bare `false` says nothing of why
 * (a CI run once failed that way with nothing to go on).
 */
export async function expectHealthy(port: number, running: Running, timeoutMs = BOOT_LIMIT_MS): Promise<void> {
  const started = Date.now();
  if (await waitForHealthy(port, running, timeoutMs)) return;
  const { exitCode, signalCode } = running.child;
  const ended = exitCode === null && signalCode === null ? 'still running' : `exited with code ${String(exitCode)}, signal ${String(signalCode)}`;
  const { stdout, stderr } = running.output();
  throw new Error(
    `the server on port ${String(port)} did not answer /healthz after ${String(Date.now() - started)} ms (${ended})\n` +
      `stdout (last 3000 characters):\n${stdout.slice(-3000)}\nstderr (last 3000 characters):\n${stderr.slice(-3000)}`,
  );
}
