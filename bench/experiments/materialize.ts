import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO } from '../lib/procs.js';
import { startGatehouse, type Launch, type RunningServer } from '../lib/gatehouse.js';
import type { Variant } from './variants.js';

/**
 * Builds an override folder for a prototype: copies of the src files a patch touches, with the
 * patches (bench/experiments/patches/<name>.diff, unified diffs against src/) applied. Returns the
 * folder mirroring src/ for override-hooks.mjs, or undefined when there is nothing to override.
 * The folders stay in node_modules/.cache/gatehouse-bench/ (small; delete at will).
 */
export function materialize(patches: readonly string[]): string | undefined {
  if (patches.length === 0) return undefined;
  // Inside the repository (under node_modules/, ignored by git) so package imports resolve as from src/.
  const cache = join(REPO, 'node_modules', '.cache', 'gatehouse-bench');
  mkdirSync(cache, { recursive: true });
  const into = mkdtempSync(join(cache, 'override-'));
  for (const name of patches) {
    const file = join(REPO, 'bench', 'experiments', 'patches', `${name}.diff`);
    const diff = readFileSync(file, 'utf8');
    for (const m of diff.matchAll(/^\+\+\+ b\/(src\/\S+)/gm)) {
      const rel = m[1] ?? '';
      mkdirSync(dirname(join(into, rel)), { recursive: true });
      // Already copied by an earlier patch, or a new file the patch creates: nothing to copy.
      if (!existsSync(join(into, rel)) && existsSync(join(REPO, rel))) copyFileSync(join(REPO, rel), join(into, rel));
    }
    const r = spawnSync('patch', ['-p1', '-s', '--no-backup-if-mismatch', '-d', into], { input: diff });
    if (r.status !== 0) throw new Error(`patch ${name} does not apply to the current src/: ${r.stdout.toString()}${r.stderr.toString()}`);
  }
  return join(into, 'src');
}

/**
 * The whole of src/ (patches applied) bundled by esbuild into one ES module, packages left as
 * imports: what running compiled JavaScript instead of tsx changes. Returns the entry file.
 */
export async function compileVariant(patches: readonly string[]): Promise<string> {
  const cache = join(REPO, 'node_modules', '.cache', 'gatehouse-bench');
  mkdirSync(cache, { recursive: true });
  const root = mkdtempSync(join(cache, 'compiled-'));
  cpSync(join(REPO, 'src'), join(root, 'src'), { recursive: true });
  const overrides = materialize(patches);
  if (overrides !== undefined) cpSync(overrides, join(root, 'src'), { recursive: true });
  const { build } = await import('esbuild');
  const outfile = join(root, 'server.mjs');
  await build({ entryPoints: [join(root, 'src', 'server.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile, logLevel: 'warning' });
  return outfile;
}

/** How to start Gatehouse as this variant (prototype files, or a compiled bundle, plus node flags). */
export async function variantLaunch(variant: Variant): Promise<Launch> {
  const overrideDir = materialize(variant.patches);
  return {
    nodeArgs: variant.nodeArgs ?? [],
    ...(overrideDir === undefined ? {} : { overrideDir }),
    ...(variant.compiled === true ? { compiledEntry: await compileVariant(variant.patches) } : {}),
  };
}

export interface VariantServer extends RunningServer {
  readonly databaseUrl: string;
}

/** Starts the production server for one variant, on a fresh SQLite database under `tmp`. */
export async function startVariant(variant: Variant, tmp: string, mailUrl: string): Promise<VariantServer> {
  const dir = mkdtempSync(join(tmp, `${variant.name}-`));
  const launch = await variantLaunch(variant);
  const databaseUrl = `sqlite:${join(dir, 'bench.db')}`;
  const server = await startGatehouse({
    databaseUrl,
    mailUrl,
    cwd: dir,
    nodeArgs: launch.nodeArgs,
    launch,
    ...(variant.env === undefined ? {} : { env: variant.env }),
  });
  return { ...server, databaseUrl };
}

export function findVariants(names: readonly string[], known: readonly Variant[]): Variant[] {
  return names.map((n) => {
    const v = known.find((x) => x.name === n);
    if (v === undefined) throw new Error(`unknown variant ${n}; known: ${known.map((x) => x.name).join(', ')}`);
    return v;
  });
}
