/**
 * Compiles src/ to dist/ (one ES module per source file, same layout), so `npm start` runs plain
 * node: no TypeScript loader thread, no on-the-fly transforms, no source maps kept in memory
 * (measured in docs/PERFORMANCE.md). Type checking stays with `npm run typecheck`.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist`;

// A file deleted from src/ must not live on in dist/.
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/**/*.ts'],
  outbase: 'src',
  outdir,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
