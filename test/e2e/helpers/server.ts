import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');
/** Obviously fake, test-only secret (longer than the 32 bytes production demands). */
const E2E_SECRET = 'e2e-test-secret-not-for-production-0123456789abcdef';

export interface Email {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface RunningServer {
  readonly url: string;
  readonly env: Readonly<Record<string, string>>;
  /** Emails sent so far (GET /api/dev/outbox), newest first. */
  outbox(): Promise<Email[]>;
  /** Waits for an email to `to` that contains a `${url}${page}?token=` link, and returns the link. */
  linkFromEmail(to: string, page: string, options?: { readonly skip?: number }): Promise<string>;
  /** true when the route answers anything but 404 to an anonymous request (the API may still be in the making). */
  routeExists(method: 'GET' | 'POST', path: string): Promise<boolean>;
  /** Creates a verified site admin with the CLI (same environment as the server). */
  createAdmin(email: string, password: string): void;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => { done(port); });
    });
  });
}

/** Builds web/dist when missing or stale (one build even when several test files ask at once). */
export function ensureWebBuilt(): void {
  const result = spawnSync(process.execPath, tsxArgs('web/ensure-built.ts', '--strict'), { cwd: REPO, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`building the web UI failed:\n${result.stderr}`);
}

function tsxArgs(script: string, ...args: string[]): string[] {
  return [join(REPO, 'node_modules/tsx/dist/cli.mjs'), join(REPO, script), ...args];
}

async function waitUntilUp(url: string, child: ChildProcess, logs: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${logs()}`);
    try {
      const response = await fetch(`${url}/healthz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the server did not come up:\n${logs()}`);
}

/** The real server process (`tsx src/server.ts`) on a free port, with its own SQLite file and the dev outbox. */
export async function startServer(extraEnv: Readonly<Record<string, string>> = {}): Promise<RunningServer> {
  ensureWebBuilt();
  // A caller may fix the port (e.g. to register the callback URL with a test IdP before the start).
  const port = extraEnv.PORT === undefined ? await freePort() : Number(extraEnv.PORT);
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  const url = `http://localhost:${port}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: url,
    DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`,
    MAIL_TRANSPORT: 'outbox',
    SESSION_SECRET: E2E_SECRET,
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  let output = '';
  // Its own process group, so stopping it also stops the node process tsx starts.
  const child = spawn(process.execPath, tsxArgs('src/server.ts'), { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<void>((done) => child.once('exit', () => { done(); }));
  try {
    await waitUntilUp(url, child, () => output);
  } catch (e) {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    throw e;
  }

  async function outbox(): Promise<Email[]> {
    const response = await fetch(`${url}/api/dev/outbox`);
    if (!response.ok) throw new Error(`GET /api/dev/outbox answered ${response.status}`);
    return ((await response.json()) as { emails: Email[] }).emails;
  }

  return {
    url,
    env,
    outbox,
    async linkFromEmail(to, page, options = {}): Promise<string> {
      const prefix = `${url}${page}?token=`;
      // The first `<url><page>?token=<token>` link in a mail's text.
      function linkIn(text: string): string | undefined {
        for (let at = text.indexOf(prefix); at !== -1; at = text.indexOf(prefix, at + 1)) {
          const value = /^[A-Za-z0-9._~%-]+/.exec(text.slice(at + prefix.length))?.[0];
          if (value !== undefined) return prefix + value;
        }
        return undefined;
      }
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        const links = (await outbox())
          .filter((e) => e.to === to)
          .map((e) => linkIn(e.text))
          .filter((l): l is string => l !== undefined);
        const link = links[options.skip ?? 0];
        if (link !== undefined) return link;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`no email to ${to} with a ${page} link`);
    },
    async routeExists(method, path): Promise<boolean> {
      const response = await fetch(`${url}${path}`, { method, headers: { accept: 'application/json' } });
      return response.status !== 404;
    },
    createAdmin(email, password): void {
      const result = spawnSync(process.execPath, tsxArgs('src/cli.ts', 'create-admin', '--email', email), { cwd: REPO, env, input: `${password}\n`, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`create-admin failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
    },
    async stop(): Promise<void> {
      if (child.pid !== undefined && child.exitCode === null) {
        process.kill(-child.pid, 'SIGTERM');
        const timer = setTimeout(() => child.pid !== undefined && child.exitCode === null && process.kill(-child.pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
