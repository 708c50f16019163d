/**
 * Login throughput and login-flood fairness per variant (argon2 scheduling prototypes):
 * logins alone, /me alone, then /me while a login flood runs, in interleaved rounds.
 *
 *   npx tsx bench/experiments/flood.ts baseline argon2-c1 argon2-nice   (env: ROUNDS, DURATION, FLOOD)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { hash, type Algorithm } from '@node-rs/argon2';
import { startMailSink } from '../lib/mail-sink.js';
import { BENCH_PASSWORD, register } from '../lib/client.js';
import { assertAllOk, runLoad, runOne } from '../lib/measure.js';
import { seedUsers } from '../lib/seed.js';
import { OWASP_ARGON2 } from '../../src/account/hasher.js';
import { findVariants, startVariant, type VariantServer } from './materialize.js';
import { VARIANTS } from './variants.js';

// `Algorithm.Argon2id` is a const enum, which isolated modules cannot read at run time.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const ARGON2ID = 2 as Algorithm.Argon2id;

interface Round {
  readonly login: number;
  readonly meAlone: number;
  readonly meDuring: number;
  readonly p99During: number;
  readonly loginsDuring: number;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] ?? Number.NaN;
};

async function main(): Promise<void> {
  const variants = findVariants(process.argv.slice(2), VARIANTS);
  const rounds = Number(process.env.ROUNDS ?? '2');
  const duration = Number(process.env.DURATION ?? '5');
  const floodConnections = Number(process.env.FLOOD ?? '32');
  const tmp = mkdtempSync(join(tmpdir(), 'gatehouse-flood-'));
  const sink = await startMailSink();
  const servers: VariantServer[] = [];
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2;
  const passwordHash = await hash(BENCH_PASSWORD, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism });
  try {
    const probes: string[] = [];
    const bodies: string[][] = [];
    for (const v of variants) {
      const server = await startVariant(v, tmp, sink.url);
      servers.push(server);
      probes.push(await register(server.url, 'probe@bench.invalid'));
      const emails = await seedUsers(server.databaseUrl, floodConnections, passwordHash, 'flooder');
      bodies.push(emails.map((email) => JSON.stringify({ email, password: BENCH_PASSWORD })));
    }
    const results: Round[][] = variants.map(() => []);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < variants.length; i++) {
        const server = servers[i];
        if (server === undefined) continue;
        const common = { durationSec: duration, warmupSec: 1 };
        const login = { ...common, url: `${server.url}/api/auth/login`, method: 'POST' as const, headers: { 'content-type': 'application/json' }, bodies: bodies[i] ?? [] };
        const me = { ...common, url: `${server.url}/api/auth/me`, headers: { cookie: probes[i] ?? '' }, connections: 10 };
        const l = await runOne(server.child.pid, { ...login, connections: 8 });
        assertAllOk('login', l);
        const alone = await runOne(server.child.pid, me);
        assertAllOk('me', alone);
        const flood = await runLoad(server.child.pid, [{ ...login, connections: floodConnections }, me]);
        const [fl, during] = flood.results;
        if (fl === undefined || during === undefined) throw new Error('no flood result');
        assertAllOk('flood', fl, { allowNone: true });
        assertAllOk('me during flood', during);
        const r = { login: l.rps, meAlone: alone.rps, meDuring: during.rps, p99During: during.p99, loginsDuring: fl.rps };
        results[i]?.push(r);
        process.stderr.write(`round ${String(round + 1)} ${variants[i]?.name ?? ''}: ${JSON.stringify(r)}\n`);
      }
    }
    const lines = [`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}; ${String(rounds)} rounds × ${String(duration)} s; flood ${String(floodConnections)} connections`];
    lines.push('| variant | logins/s alone | /me alone | /me during flood | kept | p99 during ms | logins/s during |');
    lines.push('|---|--:|--:|--:|--:|--:|--:|');
    variants.forEach((v, i) => {
      const rs = results[i] ?? [];
      const m = (f: (r: Round) => number): number => median(rs.map(f));
      lines.push(
        `| ${v.name} | ${m((r) => r.login).toFixed(1)} | ${m((r) => r.meAlone).toFixed(0)} | ${m((r) => r.meDuring).toFixed(0)} | ${m((r) => r.meDuring / r.meAlone).toFixed(2)} | ${m((r) => r.p99During).toFixed(1)} | ${m((r) => r.loginsDuring).toFixed(1)} |`,
      );
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    for (const s of servers) await s.child.stop();
    await sink.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
  process.exit(1);
});
