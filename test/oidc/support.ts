import * as oidc from 'openid-client';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { addClient, type NewClientInput } from '../../src/oidc/clients.js';
import type { Agent, TestApp } from '../helpers/app.js';

/** The issuer every test app has (PUBLIC_URL's default in tests). */
export const ISSUER = 'http://localhost:3000';
export const REDIRECT_URI = 'https://rp.example.test/callback';

/** openid-client's fetch, answered by the test app in process (app.inject) instead of the network. */
export function injectFetch(t: TestApp): oidc.CustomFetch {
  return async (url, options) => {
    const u = new URL(url);
    const headers: Record<string, string> = {};
    new Headers(options.headers).forEach((v, k) => {
      headers[k] = v;
    });
    const body = options.body instanceof URLSearchParams ? options.body.toString() : typeof options.body === 'string' ? options.body : undefined;
    const res = await t.app.inject({
      method: options.method as 'GET' | 'POST',
      url: `${u.pathname}${u.search}`,
      headers,
      ...(body === undefined ? {} : { payload: body }),
    });
    const out = new Headers();
    for (const [k, v] of Object.entries(res.headers)) {
      if (Array.isArray(v)) for (const x of v) out.append(k, x);
      else if (v !== undefined) out.set(k, String(v));
    }
    return new Response(res.statusCode === 204 || res.statusCode === 304 ? null : res.rawPayload, { status: res.statusCode, headers: out });
  };
}

export interface TestClient {
  readonly clientId: string;
  readonly secret: string | null;
  readonly config: oidc.Configuration;
}

/** A registered client and a relying party (openid-client 6) configured for it by discovery. */
export async function relyingParty(t: TestApp, input: Partial<NewClientInput> = {}): Promise<TestClient> {
  const { client, secret } = await addClient(t.db, { name: 'Test RP', redirectUris: [REDIRECT_URI], ...input }, t.clock.now());
  const config = await discoverAs(t, client.clientId, secret);
  return { clientId: client.clientId, secret, config };
}

export async function discoverAs(t: TestApp, clientId: string, secret: string | null, metadata: Partial<oidc.ClientMetadata> = {}): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(ISSUER), clientId, metadata, secret === null ? oidc.None() : oidc.ClientSecretBasic(secret), {
    // The test issuer is http://localhost (in process): openid-client insists on https otherwise.
    // eslint-disable-next-line @typescript-eslint/no-deprecated -- flagged only to stand out; tests are its use
    execute: [oidc.allowInsecureRequests],
    [oidc.customFetch]: injectFetch(t),
  });
}

export interface AuthRequest {
  readonly url: URL;
  readonly verifier: string;
  readonly state: string;
  readonly nonce: string;
}

export async function authRequest(rp: TestClient, params: Record<string, string> = {}): Promise<AuthRequest> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(rp.config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...params,
  });
  return { url, verifier, state, nonce };
}

function pathOf(location: string): string {
  const u = new URL(location, ISSUER);
  return `${u.pathname}${u.search}`;
}

/** Follows the browser's redirects from `url` until it leaves Gatehouse or reaches an interaction page. */
export async function browse(agent: Agent, url: string): Promise<{ kind: 'callback'; url: URL } | { kind: 'interaction'; uid: string } | { kind: 'page'; res: LightMyRequestResponse }> {
  let next = url;
  for (let i = 0; i < 10; i += 1) {
    if (next.startsWith(REDIRECT_URI)) return { kind: 'callback', url: new URL(next) };
    const res = await agent.get(pathOf(next), { headers: { accept: 'text/html' } });
    const location = res.headers.location;
    if (res.statusCode >= 300 && res.statusCode < 400 && typeof location === 'string') {
      const abs = new URL(location, ISSUER).href;
      const m = /^\/oidc\/interaction\/([A-Za-z0-9_-]+)$/.exec(new URL(abs).pathname);
      if (m?.[1] !== undefined) return { kind: 'interaction', uid: m[1] };
      next = abs;
      continue;
    }
    return { kind: 'page', res };
  }
  throw new Error('too many redirects');
}

/** Signs in (with the agent's current Gatehouse session) and consents as needed; returns the callback URL. */
export async function authorize(agent: Agent, request: AuthRequest, options: { consent?: boolean } = {}): Promise<URL> {
  let step = await browse(agent, request.url.href);
  for (let i = 0; i < 4 && step.kind === 'interaction'; i += 1) {
    const details = await agent.get(`/api/oidc/interaction/${step.uid}`);
    expect(details.statusCode).toBe(200);
    const prompt = details.json<{ prompt: string }>().prompt;
    const res =
      prompt === 'login'
        ? await agent.post(`/api/oidc/interaction/${step.uid}/login`)
        : await agent.post(`/api/oidc/interaction/${step.uid}/consent`, { approve: options.consent ?? true });
    expect(res.statusCode, res.body).toBe(200);
    step = await browse(agent, res.json<{ redirectTo: string }>().redirectTo);
  }
  if (step.kind !== 'callback') throw new Error(`expected the callback, got ${step.kind === 'page' ? `${String(step.res.statusCode)} ${step.res.body.slice(0, 300)}` : step.kind}`);
  return step.url;
}

export async function exchange(rp: TestClient, request: AuthRequest, callback: URL): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  return oidc.authorizationCodeGrant(rp.config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state, expectedNonce: request.nonce });
}

/** The whole flow for a signed-in agent: authorize, then exchange the code. */
export async function signInWith(agent: Agent, rp: TestClient, params: Record<string, string> = {}): Promise<oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers> {
  const request = await authRequest(rp, params);
  return exchange(rp, request, await authorize(agent, request));
}
