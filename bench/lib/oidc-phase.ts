import { createHash, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app.js';
import { systemClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openDatabase, type Db } from '../../src/db/database.js';
import { createArgon2Hasher, FAST_ARGON2 } from '../../src/account/hasher.js';
import { createMailer } from '../../src/email/mailer.js';
import { createTransport } from '../../src/email/transports.js';
import { createMemoryCounterStore } from '../../src/rate-limit/counters.js';
import { createLogger } from '../../src/logger.js';
import { addClient } from '../../src/oidc/clients.js';
import type { MailSink } from './mail-sink.js';
import type { Settings, Log } from './settings.js';
import type { Row } from './table.js';
import { productionEnv, startGatehouse } from './gatehouse.js';
import { expectStatus, register } from './client.js';
import { assertAllOk, runOne, spec } from './measure.js';

/**
 * "Sign in with Gatehouse" throughput: code exchange, refresh (both single-use, so each request
 * gets its own code or refresh token, minted beforehand) and userinfo, next to /api/auth/me on the
 * same server and database. The codes and tokens are minted by a second, in-process app on the same
 * database (the provider keeps all its state there), so minting never loads the measured server.
 */
export interface OidcInput {
  readonly settings: Settings;
  readonly tmp: string;
  readonly sink: MailSink;
  readonly databaseUrl: string;
  readonly label: string;
  readonly log: Log;
}

const REDIRECT_URI = 'https://rp.bench.invalid/callback';
/** Single-use credentials minted per run; the load stops at two thirds of them (no connection runs out). */
/** Codes live 60 s: they are minted last, and few enough to be exchanged well within that. */
const CODES = 1200;
const REFRESH_TOKENS = 1500;

interface Minter {
  readonly app: FastifyInstance;
  readonly db: Db;
  close(): Promise<void>;
}

async function minter(input: OidcInput, serverUrl: string, secret: string): Promise<Minter> {
  const port = Number(new URL(serverUrl).port);
  const env = productionEnv(port, input.databaseUrl, input.sink.url, secret) as Record<string, string>;
  const config = loadConfig(env, { persistDevSecret: false });
  const db = openDatabase(input.databaseUrl);
  const logger = createLogger('silent', new Writable({ write: (_c, _e, cb): void => { cb(); } }));
  const mailer = createMailer(createTransport(config.mail, db.kysely, systemClock, logger), { db: db.kysely, clock: systemClock, logger });
  const { app } = await buildApp(config, { db, mailer, hasher: createArgon2Hasher(FAST_ARGON2), clock: systemClock, counters: createMemoryCounterStore(), logger });
  return {
    app,
    db,
    async close() {
      await app.close();
      await mailer.close();
      await db.close();
    },
  };
}

/** A browser over app.inject: a cookie jar and manual redirects. */
class Jar {
  readonly cookies = new Map<string, string>();
  constructor(cookieHeader: string) {
    for (const pair of cookieHeader.split('; ')) {
      const eq = pair.indexOf('=');
      this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  take(setCookie: string | string[] | undefined): void {
    for (const line of [setCookie ?? []].flat()) {
      const pair = line.split(';')[0] ?? '';
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) this.cookies.delete(pair.slice(0, eq));
      else this.cookies.set(pair.slice(0, eq), value);
    }
  }
}

async function mintCode(app: FastifyInstance, jar: Jar, clientId: string, challenge: string, scope: string): Promise<string> {
  const query = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope, code_challenge: challenge, code_challenge_method: 'S256', state: 'bench', ...(scope.includes('offline_access') ? { prompt: 'consent' } : {}) });
  let next = `/oidc/auth?${query.toString()}`;
  for (let i = 0; i < 8; i++) {
    if (next.startsWith(REDIRECT_URI)) return new URL(next).searchParams.get('code') ?? '';
    const res = await app.inject({ method: 'GET', url: next, headers: { cookie: jar.header(), accept: 'text/html' } });
    jar.take(res.headers['set-cookie']);
    const location = res.headers.location ?? '';
    const interaction = /\/oidc\/interaction\/([A-Za-z0-9_-]+)$/.exec(location)?.[1];
    if (interaction !== undefined) {
      const details = (await app.inject({ url: `/api/oidc/interaction/${interaction}`, headers: { cookie: jar.header() } })).json<{ prompt: string }>();
      const action = details.prompt === 'login' ? 'login' : 'consent';
      const done = await app.inject({
        method: 'POST',
        url: `/api/oidc/interaction/${interaction}/${action}`,
        headers: { cookie: jar.header(), 'x-csrf-token': jar.cookies.get('gh_csrf') ?? '', 'content-type': 'application/json' },
        payload: action === 'login' ? '' : JSON.stringify({ approve: true }),
      });
      next = new URL(done.json<{ redirectTo: string }>().redirectTo).pathname;
      continue;
    }
    if (location === '') throw new Error(`minting a code: HTTP ${String(res.statusCode)} ${res.body.slice(0, 200)}`);
    next = location.startsWith('http') && !location.startsWith(REDIRECT_URI) ? `${new URL(location).pathname}${new URL(location).search}` : location;
  }
  throw new Error('minting a code: too many redirects');
}

function tokenRequest(basic: string, body: Record<string, string>): { method: string; path: string; headers: Record<string, string>; body: string } {
  return { method: 'POST', path: '/oidc/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams(body).toString() };
}

function row(variant: string, r: { rps: number; p50: number; p99: number; cpu: number }, meRps: number): Row {
  return { variant, rps: r.rps, p50: r.p50, p99: r.p99, cpu: r.cpu, ratio: `${(r.rps / meRps).toFixed(2)} × /me` };
}

export async function oidcPhase(input: OidcInput): Promise<Row[]> {
  const { settings, log, label } = input;
  const server = await startGatehouse({ databaseUrl: input.databaseUrl, mailUrl: input.sink.url, cwd: input.tmp });
  let mint: Minter | undefined;
  try {
    const cookie = await register(server.url, `oidc-${randomBytes(3).toString('hex')}@bench.invalid`);
    await expectStatus(`${server.url}/api/auth/me`, { cookie }, 200);
    mint = await minter(input, server.url, server.secret);
    const { client, secret } = await addClient(mint.db, { name: 'Bench RP', redirectUris: [REDIRECT_URI], firstParty: true }, Date.now());
    const basic = `Basic ${Buffer.from(`${client.clientId}:${secret ?? ''}`).toString('base64')}`;
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const jar = new Jar(cookie);

    log(`OIDC (${label}): minting ${String(REFRESH_TOKENS)} refresh tokens, then ${String(CODES)} codes`);
    const refreshTokens: string[] = [];
    let accessToken = '';
    for (let i = 0; i < REFRESH_TOKENS; i++) {
      const code = await mintCode(mint.app, jar, client.clientId, challenge, 'openid email offline_access');
      const request = tokenRequest(basic, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
      const res = await mint.app.inject({ method: 'POST', url: '/oidc/token', headers: request.headers, payload: request.body });
      const tokens = res.json<{ refresh_token?: string; access_token?: string }>();
      if (tokens.refresh_token === undefined || tokens.access_token === undefined) throw new Error(`minting a refresh token: ${res.body.slice(0, 200)}`);
      refreshTokens.push(tokens.refresh_token);
      accessToken = tokens.access_token;
    }
    const mintedAt = Date.now();
    const codes: string[] = [];
    for (let i = 0; i < CODES; i++) codes.push(await mintCode(mint.app, jar, client.clientId, challenge, 'openid email'));
    log(`OIDC (${label}): ${String(CODES)} codes minted in ${String(Math.round((Date.now() - mintedAt) / 1000))} s`);
    const codeFile = join(input.tmp, `oidc-codes-${label}.json`);
    writeFileSync(codeFile, JSON.stringify(codes.map((code) => tokenRequest(basic, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier }))));
    const refreshFile = join(input.tmp, `oidc-refresh-${label}.json`);
    writeFileSync(refreshFile, JSON.stringify(refreshTokens.map((t) => tokenRequest(basic, { grant_type: 'refresh_token', refresh_token: t }))));

    // Codes first: they expire 60 s after minting.
    log(`OIDC (${label}): POST /oidc/token, code exchange`);
    const exchange = await runOne(server.child.pid, { url: server.url, connections: settings.connections, amount: Math.floor((CODES * 2) / 3), warmupSec: 0, requestsFile: codeFile });
    assertAllOk('code exchange', exchange);
    log(`OIDC (${label}): GET /api/auth/me`);
    const me = await runOne(server.child.pid, spec(settings, `${server.url}/api/auth/me`, { headers: { cookie } }));
    assertAllOk('me', me);
    log(`OIDC (${label}): GET /oidc/me (userinfo)`);
    const userinfo = await runOne(server.child.pid, spec(settings, `${server.url}/oidc/me`, { headers: { authorization: `Bearer ${accessToken}` } }));
    assertAllOk('userinfo', userinfo);
    log(`OIDC (${label}): POST /oidc/token, refresh`);
    const refresh = await runOne(server.child.pid, { url: server.url, connections: settings.connections, amount: Math.floor((REFRESH_TOKENS * 2) / 3), warmupSec: 0, requestsFile: refreshFile });
    assertAllOk('refresh', refresh);
    return [
      { variant: `GET /api/auth/me, ${label} (same server, for comparison)`, rps: me.rps, p50: me.p50, p99: me.p99, cpu: me.cpu, ratio: '1.00 × /me' },
      row(`OIDC GET /oidc/me (userinfo), ${label}`, userinfo, me.rps),
      row(`OIDC POST /oidc/token code exchange (+PKCE, ID token), ${label}`, exchange, me.rps),
      row(`OIDC POST /oidc/token refresh (rotation), ${label}`, refresh, me.rps),
    ];
  } finally {
    await mint?.close();
    await server.child.stop();
  }
}
