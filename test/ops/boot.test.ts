import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { BOOT_LIMIT_MS, expectHealthy, freePort, isListening, REPO, runCli, start, startNode, tempDir } from './processes.js';

/** Obviously fake values; long enough that a partial echo would still be caught. */
const GOOD_SECRET = 'fake-canary-secret-for-boot-tests-0123456789-abcdefghij';
const SHORT_SECRET = 'fake-canary-short-secret-31byte';
const FAKE_RESEND_KEY = 're_fake_key_canary_for_boot_tests';

function productionEnv(port: number, dir: string): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: `http://localhost:${String(port)}`,
    DATABASE_URL: `sqlite:${join(dir, 'x.db')}`,
    SESSION_SECRET: GOOD_SECRET,
    MAIL_TRANSPORT: 'resend',
    RESEND_API_KEY: FAKE_RESEND_KEY,
    RESEND_BASE_URL: 'http://127.0.0.1:9',
  };
}

describe('production boot refusal', () => {
  it('a secret of 31 bytes is refused; 32 is the minimum', () => {
    expect(Buffer.byteLength(SHORT_SECRET)).toBe(31);
  });

  const unsafe: [string, Record<string, string | undefined>, RegExp][] = [
    ['SESSION_SECRET missing', { SESSION_SECRET: undefined }, /SESSION_SECRET is required in production/],
    ['SESSION_SECRET shorter than 32 bytes', { SESSION_SECRET: SHORT_SECRET }, /SESSION_SECRET must be at least 32 bytes/],
    ['SESSION_SECRET_PREVIOUS shorter than 32 bytes', { SESSION_SECRET_PREVIOUS: SHORT_SECRET }, /SESSION_SECRET_PREVIOUS must be at least 32 bytes/],
    ['MAIL_TRANSPORT missing', { MAIL_TRANSPORT: undefined }, /MAIL_TRANSPORT is required in production/],
    ['MAIL_TRANSPORT=outbox', { MAIL_TRANSPORT: 'outbox' }, /MAIL_TRANSPORT=outbox is for development only/],
    ['MAIL_TRANSPORT=console', { MAIL_TRANSPORT: 'console' }, /MAIL_TRANSPORT=console is for development only/],
    ['resend without RESEND_API_KEY', { RESEND_API_KEY: undefined }, /RESEND_API_KEY/],
    ['a NODE_ENV typo', { NODE_ENV: 'prod' }, /NODE_ENV must be one of/],
  ];

  it.each(unsafe)('%s: non-zero exit, clear message, nothing listening, no secret printed', async (_name, patch, message) => {
    const port = await freePort();
    const dir = tempDir();
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...productionEnv(port, dir), ...patch })) if (v !== undefined) env[k] = v;
    const result = await start('src/server.ts', [], { env, cwd: dir }).finished;

    expect(result.code).not.toBe(0);
    expect(result.code).not.toBeNull();
    expect(result.stderr).toMatch(/refusing to start/);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).not.toMatch(/listening/i);
    expect(await isListening(port)).toBe(false);
    for (const secret of [GOOD_SECRET, SHORT_SECRET, FAKE_RESEND_KEY]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  it('a valid production environment starts, serves, hides the dev outbox and stops cleanly on SIGTERM', { timeout: BOOT_LIMIT_MS + 60_000 }, async () => {
    const port = await freePort();
    const dir = tempDir();
    const running = start('src/server.ts', [], { env: productionEnv(port, dir), cwd: dir, timeoutMs: BOOT_LIMIT_MS + 30_000 });
    try {
      await expectHealthy(port, running);
      const base = `http://127.0.0.1:${String(port)}`;
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      expect((await fetch(`${base}/api/dev/outbox`)).status).toBe(404);
      // A request that carries the secret-bearing kinds of input, to check none reaches the logs.
      const login = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie: `gh_session=${GOOD_SECRET}` },
        body: JSON.stringify({ email: 'nobody@example.com', password: GOOD_SECRET }),
      });
      expect(login.status).toBe(401);
      // Log lines are written in batches, yet one request on an idle server still reaches the log
      // promptly (the batch is flushed at least once a second), not only when 4 KiB have gathered.
      const loggedWithin = Date.now() + 10_000;
      while (!/"url":"\/api\/auth\/login".*"statusCode":401/.test(running.output().stdout) && Date.now() < loggedWithin) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(running.output().stdout).toMatch(/"url":"\/api\/auth\/login".*"statusCode":401/);
    } finally {
      running.child.kill('SIGTERM');
    }
    const result = await running.finished;
    expect(result.signal).toBeNull();
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/shutting down/);
    // The last lines are flushed before the process exits.
    expect(result.stdout).toMatch(/"msg":"stopped"/);
    expect(await isListening(port)).toBe(false);
    for (const secret of [GOOD_SECRET, FAKE_RESEND_KEY]) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });
});

describe('npm start', () => {
  // The build may take up to a minute and the boot up to BOOT_LIMIT_MS on a loaded CI machine.
  it('runs what the build compiled: node dist/server.js serves the API and stops cleanly', { timeout: BOOT_LIMIT_MS + 120_000 }, async () => {
    // The same two steps as `npm start` (prestart builds, start runs the compiled entry).
    const build = await start('scripts/build-server.ts', [], { env: {}, timeoutMs: 60_000 }).finished;
    expect(build.code).toBe(0);
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const [command, ...args] = (pkg.scripts.start ?? '').split(' ');
    expect(command).toBe('node');
    expect(args.at(-1)).toBe('dist/server.js');
    const port = await freePort();
    const dir = tempDir();
    const running = startNode([...args.slice(0, -1), join(REPO, 'dist', 'server.js')], { env: productionEnv(port, dir), cwd: dir, timeoutMs: BOOT_LIMIT_MS + 30_000 });
    try {
      await expectHealthy(port, running);
      const res = await fetch(`http://127.0.0.1:${String(port)}/api/auth/me`);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
    } finally {
      running.child.kill('SIGTERM');
    }
    const result = await running.finished;
    expect(result.code).toBe(0);
    expect(await isListening(port)).toBe(false);
    // The CLI (run by tsx) and the compiled server share the database they migrated.
    expect((await runCli(['migrate'], { env: productionEnv(port, dir), cwd: dir })).code).toBe(0);
  });
});
