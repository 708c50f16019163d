import { join } from 'node:path';
import type { Settings } from './settings.js';
import type { MailSink } from './mail-sink.js';
import type { Row } from './table.js';
import type { LoadResult } from './load-types.js';
import { currentLaunch, startBare, startGatehouse, startNaive, tsxLaunch, type RunningServer } from './gatehouse.js';
import { expectStatus, register } from './client.js';
import { assertAllOk, runOne, spec } from './measure.js';
import { LOADER_CORE, REPO, runJsonChild } from './procs.js';

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

export const ME_TARGET = 0.45;

function meRow(name: string, me: Sample, bareRps: number, statements: Statements, target: number | undefined, naiveRps?: number): Row {
  const ratio = me.rps / bareRps;
  const vsNaive = naiveRps === undefined ? '' : ` (${(me.rps / naiveRps).toFixed(2)} × naive)`;
  const oneStatement = statements.perMe === 1 && statements.writesAfterMinute <= 1;
  const sql = `${statements.perMe.toFixed(2)} SQL/req, +${String(statements.writesAfterMinute)} write/session-minute`;
  return {
    variant: `${name} (${sql})`,
    rps: me.rps,
    p50: me.p50,
    p99: me.p99,
    cpu: me.cpu,
    ratio: `${ratio.toFixed(2)} × bare${vsNaive}`,
    target: target === undefined ? '1 SQL/req' : `≥ ${target.toFixed(2)} × bare, 1 SQL/req`,
    met: oneStatement && (target === undefined || ratio >= target),
  };
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
  const bare = await startBare(input.tmp);
  const server = await startGatehouse({ databaseUrl: input.databaseUrl, mailUrl: input.sink.url, cwd: input.tmp });
  let naive: RunningServer | undefined;
  let kept = false;
  try {
    naive = await startNaive(input.tmp, input.databaseUrl.slice('sqlite:'.length), server.secret);
    const probe = await register(server.url, 'probe@bench.invalid');
    const meUrl = `${server.url}/api/auth/me`;
    await expectStatus(meUrl, { cookie: probe }, 200);
    let b: Sample | undefined;
    let h: Sample | undefined;
    let m: Sample | undefined;
    let n: Sample | undefined;
    for (let round = 1; round <= settings.rounds; round++) {
      log(`round ${String(round)}/${String(settings.rounds)}: bare Fastify`);
      const rb = await runOne(bare.child.pid, spec(settings, `${bare.url}/`));
      assertAllOk('bare', rb);
      b = best(b, rb);
      log(`round ${String(round)}/${String(settings.rounds)}: /healthz`);
      const rh = await runOne(server.child.pid, spec(settings, `${server.url}/healthz`));
      assertAllOk('healthz', rh);
      h = best(h, rh);
      log(`round ${String(round)}/${String(settings.rounds)}: /api/auth/me (SQLite)`);
      const rm = await runOne(server.child.pid, spec(settings, meUrl, { headers: { cookie: probe } }));
      assertAllOk('me', rm);
      m = best(m, rm);
      log(`round ${String(round)}/${String(settings.rounds)}: naive reference check`);
      const rn = await runOne(naive.child.pid, spec(settings, `${naive.url}/api/auth/me`, { headers: { cookie: probe } }));
      assertAllOk('naive', rn);
      n = best(n, rn);
    }
    if (b === undefined || h === undefined || m === undefined || n === undefined) throw new Error('no rounds ran');
    const rows: Row[] = [
      { variant: 'bare Fastify route, constant JSON', rps: b.rps, p50: b.p50, p99: b.p99, cpu: b.cpu, ratio: '1.00 × bare' },
      { variant: 'Gatehouse GET /healthz', rps: h.rps, p50: h.p50, p99: h.p99, cpu: h.cpu, ratio: `${(h.rps / b.rps).toFixed(2)} × bare` },
      { variant: 'naive reference: jose verify + session row + user row (2 SQL), no logs/headers', rps: n.rps, p50: n.p50, p99: n.p99, cpu: n.cpu, ratio: `${(n.rps / b.rps).toFixed(2)} × bare` },
      meRow('Gatehouse GET /api/auth/me, SQLite', m, b.rps, input.statements, ME_TARGET, n.rps),
    ];
    kept = true;
    return { rows, server, probe, bareRps: b.rps };
  } finally {
    await bare.child.stop();
    await naive?.child.stop();
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
  try {
    const probe = await register(server.url, 'probe-pg@bench.invalid');
    const meUrl = `${server.url}/api/auth/me`;
    await expectStatus(meUrl, { cookie: probe }, 200);
    log('/api/auth/me (PostgreSQL), saturating');
    const full = await runOne(server.child.pid, spec(settings, meUrl, { headers: { cookie: probe } }));
    assertAllOk('me pg', full);
    const rate = Math.max(1, Math.floor(full.rps / 2));
    log(`/api/auth/me (PostgreSQL) paced at ${String(rate)} req/s`);
    const half = await runOne(server.child.pid, spec(settings, meUrl, { headers: { cookie: probe }, overallRate: rate }));
    assertAllOk('me pg half', half);
    return [
      meRow('Gatehouse GET /api/auth/me, PostgreSQL', full, input.bareRps, statements, undefined),
      {
        variant: `  same, paced at half that rate (${String(rate)} req/s)`,
        rps: half.rps,
        p50: half.p50,
        p99: half.p99,
        cpu: half.cpu,
        ratio: `${(half.rps / input.bareRps).toFixed(2)} × bare`,
        target: 'report p99',
      },
    ];
  } finally {
    await server.child.stop();
  }
}
