// Builds the web UI into web/dist when it is missing or older than its sources.
// Run by `npm start` (prestart) and by the e2e tests, so a fresh clone needs no extra step.
// Usage: tsx web/ensure-built.ts [--strict]   (--strict: a failed build exits non-zero)
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = dirname(fileURLToPath(import.meta.url));
const builtIndex = join(webDir, 'dist', 'index.html');
const lockDir = join(webDir, '.build-lock');
const strict = process.argv.includes('--strict');
const LOCK_STALE_MS = 5 * 60_000;

function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestSource(join(path, entry)));
  return newest;
}

function isFresh(): boolean {
  if (!existsSync(builtIndex)) return false;
  const sources = ['src', 'index.html', 'vite.config.ts'].map((p) => join(webDir, p)).filter((p) => existsSync(p));
  const newest = Math.max(...sources.map(newestSource));
  return statSync(builtIndex).mtimeMs >= newest;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

// Several test files (separate processes) may ask at once: one builds, the others wait for it.
function acquireLock(): void {
  const deadline = Date.now() + LOCK_STALE_MS;
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > LOCK_STALE_MS) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // The other builder just released it.
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for another web build');
      sleep(200);
    }
  }
}

function fail(message: string): never {
  process.stderr.write(`web UI: ${message}\n`);
  if (strict) process.exit(1);
  process.stderr.write('web UI: the server still starts; its pages say the UI is not built.\n');
  process.exit(0);
}

function viteCli(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin', 'vite.js');
  } catch {
    return fail('vite is not installed (run `npm ci` without --omit=dev to build the UI).');
  }
}

function main(): void {
  if (isFresh()) return;
  const vite = viteCli();
  acquireLock();
  try {
    if (isFresh()) return;
    process.stderr.write('web UI: building web/dist…\n');
    const result = spawnSync(process.execPath, [vite, 'build', '--config', join(webDir, 'vite.config.ts'), '--logLevel', 'warn'], { stdio: 'inherit' });
    if (result.status !== 0) fail('the build failed (see above).');
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

main();
