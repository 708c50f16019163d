/**
 * `npm run bench`: starts every server itself (pinned to core 0), drives them from a separate
 * load-generator process (pinned to core 1), prints one table. Never part of `npm test`.
 * See docs/PERFORMANCE.md for the method and how to read the table.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatTable, type Row } from './lib/table.js';
import { readSettings } from './lib/settings.js';
import { startMailSink } from './lib/mail-sink.js';
import { niceness, pinningAvailable, REPO, useNiceness } from './lib/procs.js';
import { setDefaultLaunch } from './lib/gatehouse.js';
import { findVariants, variantLaunch } from './experiments/materialize.js';
import { VARIANTS } from './experiments/variants.js';
import { throughputPhase, postgresPhase, statementsPhase } from './lib/phases.js';
import { attempt, authPhases } from './lib/auth-phases.js';
import { createFreshDatabase } from './lib/pg.js';
import { oidcPhase } from './lib/oidc-phase.js';

/** `npm start`'s command (`node <flags> <entry>`), so the bench measures what ships. */
function startCommand(): { nodeArgs: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const words = (pkg.scripts.start ?? '').split(' ').filter((w) => w !== '');
  const entry = words.at(-1);
  if (words[0] !== 'node' || entry === undefined) throw new Error(`bench: cannot read npm start's command: ${pkg.scripts.start ?? ''}`);
  return { nodeArgs: words.slice(1, -1), entry };
}

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** BENCH_PARTS=me,pg (any of me, auth, oidc, pg) runs only those parts, for quick iterations. */
function wanted(part: 'me' | 'auth' | 'oidc' | 'pg'): boolean {
  const parts = process.env.BENCH_PARTS;
  return parts === undefined || parts === '' || parts.split(',').includes(part);
}

async function main(): Promise<void> {
  const settings = readSettings();
  const started = Date.now();
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const sink = await startMailSink();
  const rows: Row[] = [];
  log(`node ${process.version}, ${String(cpus().length)} cores (${cpus()[0]?.model ?? 'unknown cpu'}), load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  log(pinningAvailable() ? 'server on core 0, load generator on core 1 (taskset)' : 'taskset not found: processes are NOT pinned');
  log(niceness() === undefined ? 'normal priority (BENCH_NICE unset or 0)' : `every benchmark process at nice ${niceness() ?? ''}`);
  // Gatehouse runs as `npm start` runs it (prebench compiled src/ to dist/). BENCH_ENTRY=src runs
  // tsx src/server.ts instead; BENCH_ENTRY=<file> (with BENCH_NODE_ARGS) another compiled entry.
  const shipped = startCommand();
  const entry = process.env.BENCH_ENTRY ?? shipped.entry;
  if (entry === 'src') {
    log('Gatehouse runs as tsx src/server.ts (BENCH_ENTRY=src)');
  } else {
    const nodeArgs = process.env.BENCH_ENTRY === undefined ? shipped.nodeArgs : (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    setDefaultLaunch({ nodeArgs, compiledEntry: resolve(REPO, entry) });
    log(`Gatehouse runs as node ${[...nodeArgs, resolve(REPO, entry)].join(' ')}`);
  }
  const variantName = process.env.BENCH_VARIANT;
  if (variantName !== undefined && variantName !== '') {
    const [variant] = findVariants([variantName], VARIANTS);
    if (variant !== undefined) setDefaultLaunch(await variantLaunch(variant));
    log(`Gatehouse runs as prototype "${variantName}" (bench/experiments/variants.ts), not as src/ is`);
  }
  try {
    const sqliteUrl = `sqlite:${join(tmp, 'bench.db')}`;
    const statements = await statementsPhase(`sqlite:${join(tmp, 'statements.db')}`, log);
    const base = await throughputPhase({ settings, tmp, sink, databaseUrl: sqliteUrl, statements, log });
    rows.push(...base.rows);
    try {
      if (wanted('auth')) rows.push(...(await authPhases({ settings, tmp, sink, server: base.server, databaseUrl: sqliteUrl, probe: base.probe, log })));
    } finally {
      await base.server.child.stop();
    }
    if (wanted('oidc')) await attempt(rows, 'OIDC, SQLite', () => oidcPhase({ settings, tmp, sink, databaseUrl: `sqlite:${join(tmp, 'oidc.db')}`, label: 'SQLite', log }));
    const pgDb = wanted('pg') ? await createFreshDatabase() : { skipped: 'not in BENCH_PARTS' };
    if ('skipped' in pgDb) {
      log(`PostgreSQL rows skipped: ${pgDb.skipped}`);
      rows.push({ variant: `GET /api/auth/me, PostgreSQL: skipped (${pgDb.skipped})` });
    } else {
      useNiceness(false);
      try {
        await attempt(rows, 'GET /api/auth/me, PostgreSQL', () => postgresPhase({ settings, tmp, sink, databaseUrl: pgDb.url, bareRps: base.bareRps, log }));
      } finally {
        await pgDb.drop();
      }
      const oidcDb = wanted('oidc') ? await createFreshDatabase() : { skipped: 'not in BENCH_PARTS' };
      if (!('skipped' in oidcDb)) {
        try {
          await attempt(rows, 'OIDC, PostgreSQL', () => oidcPhase({ settings, tmp, sink, databaseUrl: oidcDb.url, label: 'PostgreSQL', log }));
        } finally {
          await oidcDb.drop();
        }
      }
    }
  } finally {
    await sink.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  const failed = rows.filter((r) => r.met === false).length;
  process.stdout.write(
    `\n${failed === 0 ? 'Every target met.' : `${String(failed)} target(s) not met.`} ` +
      `(${((Date.now() - started) / 1000).toFixed(0)} s, load average at end ${loadavg().map((l) => l.toFixed(2)).join(' ')})\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
