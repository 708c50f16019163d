import { join } from 'node:path';
import type { Settings } from './settings.js';
import type { MailSink } from './mail-sink.js';
import type { Row } from './table.js';
import type { LoadResult } from './load-types.js';
import { currentLaunch, startBare, startGatehouse, startNaive, tsxLaunch, type RunningServer } from './gatehouse.js';
import { expectStatus, register } from './client.js';
import { assertAllOk, runOne, spec } from './measure.js';
import { LOADER_CORE, REPO, runJsonChild } from './procs.js';
import { referenceLogin, startMinimalPostgres, startSharedReference, type ReferenceServer } from './references.js';

export type { Log } from './settings.js';
import type { Log } from './settings.js';
export type Sample = LoadResult & { readonly cpu: number };

export interface Statements {
  readonly perMe: number;
  readonly writesAfterMinute: number;
  readonly perLogin: number;
}

/** Statement counts from the real app over a counting Kysely (bench/statements.ts). */
export async function statementsPhase(databaseUrl: string, log: Log): Promise<Statements> {
  log(`counting SQL statements per request (${databaseUrl.split(':')[0] ?? ''})`);
  const tsx = tsxLaunch(currentLaunch());
  return runJsonChild<Statements>(LOADER_CORE, [...tsx.args, join(REPO, 'bench', 'statements.ts'), databaseUrl], undefined, tsx.env);
}

/** Issue 16: /me at least as fast as the minimal honest check (SQLite), 0.9 of it on PostgreSQL. */
export const ME_TARGET = 1.0;
export const ME_PG_TARGET = 0.9;

interface Yardsticks {
  /** ../shared/bench-reference/bare.mjs in the same run. */
  readonly bareRps: number;
  /** The minimal honest check on the same database engine, in the same run. */
  readonly minimal: Sample;
  readonly naiveRps?: number;
}

function cpuPerRequest(s: Sample): number {
  return s.cpu / s.rps;
}

function meRow(name: string, me: Sample, y: Yardsticks, statements: Statements, target: number): Row {
  const vsMinimal = me.rps / y.minimal.rps;
  // The same ratio from server CPU per request: req/s alone flatters whichever server did not
  // saturate its core (a starved load generator or a database round trip left it idle).
  const vsMinimalCpu = cpuPerRequest(y.minimal) / cpuPerRequest(me);
  const vsNaive = y.naiveRps === undefined ? '' : `, ${(me.rps / y.naiveRps).toFixed(2)} × naive`;
  const oneStatement = statements.perMe === 1 && statements.writesAfterMinute <= 1;
  const sql = `${statements.perMe.toFixed(2)} SQL/req, +${String(statements.writesAfterMinute)} write/session-minute`;
  return {
    variant: `${name} (${sql})`,
    rps: me.rps,
    p50: me.p50,
    p99: me.p99,
    cpu: me.cpu,
    ratio: `${(me.rps / y.bareRps).toFixed(3)} × bare, ${vsMinimal.toFixed(2)} × minimal check (${vsMinimalCpu.toFixed(2)} by CPU/req)${vsNaive}`,
    target: `≥ ${target.toFixed(2)} × minimal check (req/s and CPU/req), 1 SQL/req`,
    met: oneStatement && vsMinimal >= target && vsMinimalCpu >= target,
  };
}

function plainRow(variant: string, s: Sample, ratio: string): Row {
  return { variant, rps: s.rps, p50: s.p50, p99: s.p99, cpu: s.cpu, ratio };
}

function best(a: Sample | undefined, b: Sample): Sample {
  return a === undefined || b.rps > a.rps ? b : a;
}

export interface ThroughputInput {
  readonly settings: Settings;
  readonly tmp: string;
  readonly sink: MailSink;
  readonly databaseUrl: string;
  readonly statements: Statements;
  readonly log: Log;
}

export interface ThroughputOutput {
  readonly rows: Row[];
  readonly server: RunningServer;
  /** Cookie header of the probe account (GET /api/auth/me). */
  readonly probe: string;
  readonly bareRps: number;
}

/**
 * Bare Fastify, Gatehouse /healthz and /me, interleaved over `rounds` rounds so a burst of outside
 * load on the machine hits all three alike; the best round of each is kept.
 */
export async function throughputPhase(input: ThroughputInput): Promise<ThroughputOutput> {
  const { settings, log } = input;
  const servers: { child: { stop(): Promise<void> } }[] = [];
  const bare = await startBare(input.tmp);
  servers.push(bare);
  let server: RunningServer;
  try {
    server = await startGatehouse({ databaseUrl: input.databaseUrl, mailUrl: input.sink.url, cwd: input.tmp });
  } catch (e) {
    // A server that fails to start (a broken build) must not leave the bare server running.
    await bare.child.stop();
    throw e;
  }
  let kept = false;
  try {
    const sharedBare: ReferenceServer = await startSharedReference(input.tmp, 'bare.mjs');
    servers.push(sharedBare);
    const minimal: ReferenceServer = await startSharedReference(input.tmp, 'minimal-honest-check.mjs');
    servers.push(minimal);
    const naive = await startNaive(input.tmp, input.databaseUrl.slice('sqlite:'.length), server.secret);
    servers.push(naive);
    const minimalCookie = await referenceLogin(minimal);
    const probe = await register(server.url, 'probe@bench.invalid');
    const meUrl = `${server.url}/api/auth/me`;
    await expectStatus(meUrl, { cookie: probe }, 200);
    // Interleaved, so a burst of outside load on the machine hits every row alike.
    const runs: { name: string; pid: number; url: string; cookie?: string }[] = [
      { name: 'bare Fastify (bench/bare-server.ts)', pid: bare.child.pid, url: `${bare.url}/` },
      { name: 'bare.mjs (../shared)', pid: sharedBare.child.pid, url: sharedBare.meUrl },
      { name: 'minimal honest check (../shared)', pid: minimal.child.pid, url: minimal.meUrl, cookie: minimalCookie },
      { name: '/healthz', pid: server.child.pid, url: `${server.url}/healthz` },
      { name: '/api/auth/me (SQLite)', pid: server.child.pid, url: meUrl, cookie: probe },
      { name: 'naive reference check', pid: naive.child.pid, url: `${naive.url}/api/auth/me`, cookie: probe },
    ];
    const bestOf: (Sample | undefined)[] = runs.map(() => undefined);
    for (let round = 1; round <= settings.rounds; round++) {
      for (const [i, run] of runs.entries()) {
        log(`round ${String(round)}/${String(settings.rounds)}: ${run.name}`);
        const r = await runOne(run.pid, spec(settings, run.url, run.cookie === undefined ? {} : { headers: { cookie: run.cookie } }));
        assertAllOk(run.name, r);
        bestOf[i] = best(bestOf[i], r);
      }
    }
    const [b, sb, mc, h, m, n] = bestOf;
    if (b === undefined || sb === undefined || mc === undefined || h === undefined || m === undefined || n === undefined) throw new Error('no rounds ran');
    const vsBare = (s: Sample): string => `${(s.rps / sb.rps).toFixed(3)} × bare`;
    const rows: Row[] = [
      plainRow('bare Fastify route, constant JSON (../shared/bench-reference/bare.mjs)', sb, '1.000 × bare'),
      plainRow('bare Fastify route, constant JSON (bench/bare-server.ts)', b, vsBare(b)),
      plainRow('minimal honest check (../shared): HS256 + 2 prepared PK lookups, no headers/logs', mc, `${vsBare(mc)}, 1.00 × minimal check`),
      plainRow('naive reference: jose verify + session row + user row (2 Kysely SQL), no logs/headers', n, vsBare(n)),
      plainRow('Gatehouse GET /healthz', h, `${vsBare(h)}, ${(h.rps / mc.rps).toFixed(2)} × minimal check`),
      meRow('Gatehouse GET /api/auth/me, SQLite', m, { bareRps: sb.rps, minimal: mc, naiveRps: n.rps }, input.statements, ME_TARGET),
    ];
    kept = true;
    return { rows, server, probe, bareRps: sb.rps };
  } finally {
    for (const s of servers) await s.child.stop();
    if (!kept) await server.child.stop();
  }
}

export interface PostgresInput {
  readonly settings: Settings;
  readonly tmp: string;
  readonly sink: MailSink;
  readonly databaseUrl: string;
  readonly bareRps: number;
  readonly log: Log;
}

/** /me on a fresh PostgreSQL database: saturating rate, then p99 at half that rate (paced). */
export async function postgresPhase(input: PostgresInput): Promise<Row[]> {
  const { settings, log } = input;
  const statements = await statementsPhase(input.databaseUrl, log);
  const server = await startGatehouse({ databaseUrl: input.databaseUrl, mailUrl: input.sink.url, cwd: input.tmp });
  let minimal: ReferenceServer | undefined;
  try {
    minimal = await startMinimalPostgres(input.tmp, input.databaseUrl);
    const minimalCookie = await referenceLogin(minimal);
    const probe = await register(server.url, 'probe-pg@bench.invalid');
    const meUrl = `${server.url}/api/auth/me`;
    await expectStatus(meUrl, { cookie: probe }, 200);
    let full: Sample | undefined;
    let ref: Sample | undefined;
    for (let round = 1; round <= settings.rounds; round++) {
      log(`round ${String(round)}/${String(settings.rounds)}: minimal honest check on PostgreSQL`);
      const rr = await runOne(minimal.child.pid, spec(settings, minimal.meUrl, { headers: { cookie: minimalCookie } }));
      assertAllOk('minimal check pg', rr);
      ref = best(ref, rr);
      log(`round ${String(round)}/${String(settings.rounds)}: /api/auth/me (PostgreSQL), saturating`);
      const rm = await runOne(server.child.pid, spec(settings, meUrl, { headers: { cookie: probe } }));
      assertAllOk('me pg', rm);
      full = best(full, rm);
    }
    if (full === undefined || ref === undefined) throw new Error('no rounds ran');
    const rate = Math.max(1, Math.floor(full.rps / 2));
    log(`/api/auth/me (PostgreSQL) paced at ${String(rate)} req/s`);
    const half = await runOne(server.child.pid, spec(settings, meUrl, { headers: { cookie: probe }, overallRate: rate }));
    assertAllOk('me pg half', half);
    return [
      plainRow('minimal honest check on PostgreSQL (bench/references/minimal-check-pg.mjs): 2 pg prepared PK lookups', ref, `${(ref.rps / input.bareRps).toFixed(3)} × bare`),
      meRow('Gatehouse GET /api/auth/me, PostgreSQL', full, { bareRps: input.bareRps, minimal: ref }, statements, ME_PG_TARGET),
      { ...plainRow(`  same, paced at half that rate (${String(rate)} req/s)`, half, `${(half.rps / input.bareRps).toFixed(3)} × bare`), target: 'report p99' },
    ];
  } finally {
    await minimal?.child.stop();
    await server.child.stop();
  }
}
