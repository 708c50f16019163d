import { createHmac, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { SignJWT, base64url, decodeJwt, type JWTPayload } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { buildTestApp, registerUser, type Agent, type TestApp } from '../helpers/app.js';

/**
 * HKDF-SHA256 (RFC 5869) written out from the contract on purpose, not imported from src/crypto:
 * if the app's derivation drifts from the contract, these tests notice.
 */
export function hkdfSha256(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  const prk = createHmac('sha256', salt.length === 0 ? Buffer.alloc(32) : Buffer.from(salt)).update(ikm).digest();
  const out: Buffer[] = [];
  let previous = Buffer.alloc(0);
  for (let i = 1; Buffer.concat(out).length < length; i += 1) {
    previous = createHmac('sha256', prk).update(Buffer.concat([previous, Buffer.from(info), Buffer.from([i])])).digest();
    out.push(previous);
  }
  return new Uint8Array(Buffer.concat(out).subarray(0, length));
}

export type Aud = 'gatehouse-session' | 'gatehouse-email';

/** The contract's per-audience key: HKDF(ikm = secret, salt = empty, info = "gatehouse:" + audience, 32 bytes). */
export function contractKey(secret: string, audience: Aud): Uint8Array {
  return hkdfSha256(Buffer.from(secret, 'utf8'), new Uint8Array(0), Buffer.from(`gatehouse:${audience}`, 'utf8'), 32);
}

export interface ForgeOptions {
  readonly key: Uint8Array;
  readonly claims: JWTPayload;
  readonly header?: Record<string, unknown>;
  readonly alg?: 'HS256' | 'HS384' | 'HS512';
}

export async function forge(o: ForgeOptions): Promise<string> {
  const alg = o.alg ?? 'HS256';
  return new SignJWT(o.claims).setProtectedHeader({ alg, ...o.header }).sign(o.key);
}

/** An unsigned token (`alg: none`) with the given header and claims. */
export function unsecured(header: Record<string, unknown>, claims: JWTPayload): string {
  const enc = (v: unknown): string => base64url.encode(JSON.stringify(v));
  return `${enc({ ...header, alg: 'none' })}.${enc(claims)}.`;
}

export function randomValue(): string {
  return randomBytes(24).toString('base64url');
}

/** Claims of a genuine session token issued now, for `sub`/`sid` of a real session. */
export function sessionClaims(t: TestApp, userId: string, sessionId: string, csrf: string, extra: JWTPayload = {}): JWTPayload {
  const now = Math.floor(t.clock.now() / 1000);
  return { aud: 'gatehouse-session', sub: userId, sid: sessionId, csrf, iat: now, exp: now + 3600, ...extra };
}

export const SESSION_TYP = 'gatehouse-session+jwt';
export const EMAIL_TYP = 'gatehouse-email+jwt';

export interface SessionFacts {
  readonly userId: string;
  readonly sessionId: string;
}

export async function whoAmI(agent: Agent): Promise<SessionFacts> {
  const res = await agent.get('/api/auth/me');
  expect(res.statusCode).toBe(200);
  const body = res.json<{ user: { id: string }; session: { id: string } }>();
  return { userId: body.user.id, sessionId: body.session.id };
}

/** Sends GET /api/auth/me with exactly this session cookie (no jar). */
export async function meWith(t: TestApp, sessionCookie: string, name = 'gh_session'): Promise<LightMyRequestResponse> {
  return t.app.inject({ method: 'GET', url: '/api/auth/me', cookies: { [name]: sessionCookie } });
}

export function expectError(res: LightMyRequestResponse, status: number, code: string): void {
  expect({ status: res.statusCode, body: res.body }).toMatchObject({ status });
  const body = res.json<{ error?: { code?: unknown; message?: unknown } }>();
  expect(body.error?.code).toBe(code);
  expect(typeof body.error?.message).toBe('string');
}

/** Both cookies of the pair are cleared on this response. */
export function expectCookiesCleared(res: LightMyRequestResponse, prefix = ''): void {
  for (const name of [`${prefix}gh_session`, `${prefix}gh_csrf`]) {
    const c = res.cookies.find((x) => x.name === name);
    expect(c, `${name} cleared`).toBeDefined();
    expect(c?.value).toBe('');
    const expired = c?.maxAge === 0 || (c?.expires !== undefined && c.expires.getTime() <= Date.now());
    expect(expired).toBe(true);
  }
}

export function payloadOf(token: string): JWTPayload {
  return decodeJwt(token);
}

export async function sessionRow(t: TestApp, id: string): Promise<{ revoked_at: number | null; last_active_at: number } | undefined> {
  return t.db.kysely.selectFrom('sessions').select(['revoked_at', 'last_active_at']).where('id', '=', id).executeTakeFirst();
}

/** Ids of the user's sessions that are neither revoked nor expired, sorted. */
export async function liveSessionIds(t: TestApp, userId: string): Promise<string[]> {
  const rows = await t.db.kysely
    .selectFrom('sessions')
    .select('id')
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', t.clock.now())
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

export async function activeSessionCount(t: TestApp, userId: string): Promise<number> {
  return (await liveSessionIds(t, userId)).length;
}

export async function eventTypes(agent: Agent): Promise<string[]> {
  const res = await agent.get('/api/security-events');
  expect(res.statusCode).toBe(200);
  return res.json<{ events: { type: string }[] }>().events.map((e) => e.type);
}

let ipCounter = 0;
/** A fresh client address, so per-IP registration limits never couple unrelated tests. */
export function nextIp(): string {
  ipCounter += 1;
  return `10.${String((ipCounter >> 16) & 255)}.${String((ipCounter >> 8) & 255)}.${String(ipCounter & 255)}`;
}

/** registerUser from a fresh client address. */
export function newUser(t: TestApp, fields: Parameters<typeof registerUser>[1] = {}): ReturnType<typeof registerUser> {
  return registerUser(t, fields, nextIp());
}

export type NewUser = Awaited<ReturnType<typeof newUser>>;

/**
 * Registers the enclosing describe's hooks: before its tests, a fresh app and what `setup` makes
 * in it, both handed to `use`; after them, the app is closed.
 */
export function withApp<T>(setup: (t: TestApp) => Promise<T>, use: (t: TestApp, made: T) => void): void {
  let app: TestApp | undefined;
  beforeAll(async () => {
    app = await buildTestApp();
    use(app, await setup(app));
  });
  afterAll(async () => {
    await app?.close();
  });
}

/** withApp with one signed-in user. */
export function withUserApp(use: (t: TestApp, user: NewUser) => void): void {
  withApp((t) => newUser(t), use);
}
