import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { Agent, buildTestApp, TEST_ORIGIN, type TestApp } from '../helpers/app.js';
import { freePort } from '../helpers/services.js';
import { followToCallback, startExternalIdp, type ExternalIdp } from './idp.js';
import { startCraftedIdp, startGithubStandIn, type CraftedIdp, type GithubStandIn } from './fakes.js';

export interface World {
  t: TestApp;
  idp: ExternalIdp;
  crafted: CraftedIdp;
  github: GithubStandIn;
}

export const callbackOf = (name: string): string => `${TEST_ORIGIN}/api/auth/oauth/${name}/callback`;

/** One Gatehouse app with four providers: the real external IdP, the crafted one, GitHub's stand-in, and one that is down. */
export function useWorld(): World {
  const world = {} as World;
  beforeAll(async () => {
    world.idp = await startExternalIdp([callbackOf('acme')]);
    world.crafted = await startCraftedIdp('crafted-client');
    world.github = await startGithubStandIn();
    const closedPort = await freePort();
    world.t = await buildTestApp({
      env: {
        OIDC_PROVIDERS: 'acme,crafted,down',
        OIDC_ACME_ISSUER: world.idp.issuer,
        OIDC_ACME_CLIENT_ID: world.idp.clientId,
        OIDC_ACME_CLIENT_SECRET: world.idp.clientSecret,
        OIDC_ACME_LABEL: 'Acme SSO',
        OIDC_CRAFTED_ISSUER: world.crafted.base,
        OIDC_CRAFTED_CLIENT_ID: 'crafted-client',
        OIDC_CRAFTED_CLIENT_SECRET: 'crafted-secret',
        OIDC_DOWN_ISSUER: `http://127.0.0.1:${String(closedPort)}`,
        OIDC_DOWN_CLIENT_ID: 'x',
        OIDC_DOWN_CLIENT_SECRET: 'y',
        GITHUB_CLIENT_ID: 'gh-client',
        GITHUB_CLIENT_SECRET: 'gh-secret',
        GITHUB_AUTHORIZE_URL: `${world.github.base}/login/oauth/authorize`,
        GITHUB_TOKEN_URL: `${world.github.base}/login/oauth/access_token`,
        GITHUB_API_URL: world.github.base,
      },
    });
  });
  afterAll(async () => {
    await world.t.close();
    await world.idp.close();
    await world.crafted.close();
    await world.github.close();
  });
  return world;
}

export interface FlowResult {
  readonly res: LightMyRequestResponse;
  readonly location: string;
  readonly callback: URL;
}

/** Starts at Gatehouse, plays the provider's part, and delivers the callback in the agent's browser. */
export async function runFlow(agent: Agent, name: string, next?: string): Promise<FlowResult> {
  const start = await agent.get(`/api/auth/oauth/${name}/start${next === undefined ? '' : `?next=${encodeURIComponent(next)}`}`);
  expect(start.statusCode, start.body).toBe(302);
  const callback = await followToCallback(String(start.headers.location), TEST_ORIGIN);
  const res = await agent.get(`${callback.pathname}${callback.search}`);
  expect(res.statusCode, res.body).toBe(302);
  return { res, location: String(res.headers.location), callback };
}

/** The re-authentication body of a link: `{password}`, `{passkey}`, or `{}` (an account made by a provider). */
export type LinkProof = { readonly password: string } | { readonly passkey: unknown } | Record<string, never>;

/** Starts linking from a signed-in agent (POST with CSRF and the proof), then the same browser round trip. */
export async function runLink(agent: Agent, name: string, proof: LinkProof): Promise<FlowResult> {
  const start = await agent.post(`/api/identities/link/${name}`, proof);
  expect(start.statusCode, start.body).toBe(200);
  const callback = await followToCallback(start.json<{ url: string }>().url, TEST_ORIGIN);
  const res = await agent.get(`${callback.pathname}${callback.search}`);
  expect(res.statusCode, res.body).toBe(302);
  return { res, location: String(res.headers.location), callback };
}

let n = 0;
export function subject(prefix = 'sub'): string {
  n += 1;
  return `${prefix}-${String(n)}-${String(Date.now())}`;
}

export async function userByEmail(t: TestApp, email: string): Promise<{ id: string; email_verified: number; password_hash: string } | undefined> {
  return t.db.kysely.selectFrom('users').select(['id', 'email_verified', 'password_hash']).where('email', '=', email).executeTakeFirst();
}

export async function identityCount(t: TestApp): Promise<number> {
  const row = await t.db.kysely.selectFrom('identities').select((e) => e.fn.countAll<number | string>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}

export async function eventsOf(t: TestApp, userId: string): Promise<string[]> {
  const rows = await t.db.kysely.selectFrom('security_events').select('type').where('user_id', '=', userId).orderBy('seq', 'asc').execute();
  return rows.map((r) => r.type);
}

export async function stateCount(t: TestApp): Promise<number> {
  const row = await t.db.kysely.selectFrom('oauth_states').select((e) => e.fn.countAll<number | string>().as('n')).executeTakeFirst();
  return Number(row?.n ?? 0);
}
