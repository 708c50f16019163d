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

const sourceDir = join(webDir, 'src');
const sourceFiles = [join(webDir, 'index.html'), join(webDir, 'vite.config.ts')];

/** Modification time, or 0 for a path that does not exist. */
function mtimeMs(path: string): number {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- only web/'s own sources reach here: the fixed paths above and the entries listed under web/src
  return statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? 0;
}

function newestSource(): number {
  const tree = existsSync(sourceDir) ? [sourceDir, ...readdirSync(sourceDir, { recursive: true, encoding: 'utf8' }).map((entry) => join(sourceDir, entry))] : [];
  return Math.max(...[...tree, ...sourceFiles].map(mtimeMs));
}

function isFresh(): boolean {
  if (!existsSync(builtIndex)) return false;
  return statSync(builtIndex).mtimeMs >= newestSource();
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
