/**
 * Where one request's CPU goes, native code and kernel included: the compiled server (and the
 * minimal honest check) under load while Linux `perf record -g` samples them, then every sample is
 * charged to the innermost step of the request it was in (the PHASES below, first match from the
 * sampled frame outwards). V8's own profiler (bench/profile.ts) sees only JavaScript frames; this
 * one also sees SQLite, the system calls and the kernel's TCP work.
 *
 *   npx tsx bench/experiments/perf-phases.ts      (needs perf; env: DURATION, ENDPOINT, ENTRY=dist/server.js)
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startGatehouse } from '../lib/gatehouse.js';
import { startMailSink } from '../lib/mail-sink.js';
import { register } from '../lib/client.js';
import { runOne } from '../lib/measure.js';
import { REPO } from '../lib/procs.js';
import { referenceLogin, startSharedReference } from '../lib/references.js';

/** Steps of a request, innermost first where they nest; a sample goes to the first one found. */
const PHASES: readonly (readonly [string, RegExp])[] = [
  ['garbage collection', /Heap::|Scavenge|MarkCompact|GCTracer|Sweeper|ConcurrentMarking/],
  ['SQLite statement (better-sqlite3 get)', /Statement::JS_get/],
  ['writev(2): response out, loopback TCP', /StreamBase::Writev|__GI___writev/],
  ['read(2): request in', /uv__read\b|^read /],
  ['access line', /requestCompleted /],
  ['Fastify onResponse', /onResFinished /],
  ['response serialization', /JS:[*~^]?anonymous\d* :\d+/],
  ['the /me handler', /auth-routes\.js/],
  ['session check (token, row checks)', /checkSessionNow|judgeRow|readSessionTokenNow/],
  ['session hook (cookies read, result)', /requireSession /],
  ['headers written (writeHead)', /_storeHeader|writeHead /],
  ['response end (streams)', /onSendEnd |end node:_http_outgoing|clearBuffer/],
  ['reply.send', /Reply\.send /],
  ['cookie parsing', /fastifyCookieHandler|parseCookies/],
  ['security headers and /api/ checks hook', /hygiene\.js/],
  ['Fastify request and reply', /routeHandler /],
  ['routing', /preRouting |lookup /],
  ['Node request object', /parserOnIncoming/],
  ['HTTP parsing (llhttp)', /llhttp__internal_execute|parserOnHeadersComplete/],
  ['stream callbacks after the write', /afterWriteTick|afterWrite /],
  ['promise and nextTick queues', /RunMicrotasks|processTicksAndRejections/],
  ['event loop (epoll)', /uv__io_poll|epoll/],
];

function phaseTable(perfData: string, usPerRequest: number): string {
  const script = execFileSync('perf', ['script', '-i', perfData], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }).toString('utf8');
  const counts = new Map<string, number>();
  let samples = 0;
  for (const block of script.split('\n\n')) {
    const frames = block.split('\n').slice(1).map((l) => l.trim().replace(/^[0-9a-f]+ /, '')).filter((l) => l !== '');
    if (frames.length === 0) continue;
    samples += 1;
    let phase = 'other';
    for (const frame of frames) {
      const hit = PHASES.find(([, pattern]) => pattern.test(frame));
      if (hit !== undefined) {
        phase = hit[0];
        break;
      }
    }
    counts.set(phase, (counts.get(phase) ?? 0) + 1);
  }
  const rows = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  return rows.map(([name, n]) => `| ${name} | ${((100 * n) / samples).toFixed(1)}% | ${((usPerRequest * n) / samples).toFixed(1)} |`).join('\n');
}

async function measured(name: string, pid: number, url: string, cookie: string, seconds: number): Promise<void> {
  const load = { url, headers: { cookie }, connections: 10, durationSec: seconds, warmupSec: 0 };
  await runOne(pid, { ...load, durationSec: 2, warmupSec: 1 });
  const data = join(tmpdir(), `perf-phases-${name}.data`);
  const recorder = spawn('perf', ['record', '-F', '4999', '-g', '-p', String(pid), '-o', data], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const run = await runOne(pid, load);
  recorder.kill('SIGINT');
  await new Promise((r) => recorder.on('exit', r));
  const us = (run.cpu * 1e6) / run.rps;
  console.log(`\n${name}: ${run.rps.toFixed(0)} req/s, ${us.toFixed(1)} µs CPU/request while sampled\n\n| step | share | ≈ µs |\n|---|--:|--:|\n${phaseTable(data, us)}`);
}

const duration = Number(process.env.DURATION ?? '5');
const tmp = mkdtempSync(join(tmpdir(), 'perf-phases-'));
const sink = await startMailSink();
const minimal = await startSharedReference(tmp, 'minimal-honest-check.mjs');
const gatehouse = await startGatehouse({
  databaseUrl: `sqlite:${join(tmp, 'g.db')}`,
  mailUrl: sink.url,
  cwd: tmp,
  launch: { compiledEntry: resolve(REPO, process.env.ENTRY ?? 'dist/server.js') },
  // Names JIT-compiled JavaScript for perf; `npm start`'s own flag as well.
  nodeArgs: ['--perf-basic-prof', '--max-semi-space-size=1'],
});
try {
  await measured('minimal honest check (its JavaScript frames are unnamed)', minimal.child.pid, minimal.meUrl, await referenceLogin(minimal), duration);
  await measured('Gatehouse', gatehouse.child.pid, `${gatehouse.url}${process.env.ENDPOINT ?? '/api/auth/me'}`, await register(gatehouse.url, 'perf@bench.invalid'), duration);
} finally {
  await minimal.child.stop();
  await gatehouse.child.stop();
  await sink.close();
}
