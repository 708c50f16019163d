import { randomBytes } from 'node:crypto';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/oidc/clients.js';
import { Browser, createFixture, servicesProblem, startInstance, stopInstance, type Fixture, type Instance } from './support.js';

const IN_CI = process.env.CI === 'true';
const PROBLEM = await servicesProblem();
const SKIP = PROBLEM !== null && !IN_CI;
const NOTE = SKIP ? ` [skipped: ${PROBLEM}]` : '';
if (SKIP) process.stdout.write(`skipped: multi-instance OIDC suite: ${PROBLEM}\n`);

const PUBLIC_URL = 'http://localhost:8080';
const REDIRECT_URI = 'https://rp.example.test/callback';
const CLIENT_ID = 'gh_multi_instance_rp';
const CLIENT_SECRET = 'fake-test-only-client-secret-0123456789abcdef';
const PASSWORD = 'correct horse battery staple';
const RUN = `mo${randomBytes(4).toString('hex')}`;

let fixture: Fixture;
let a: Instance;
let b: Instance;
const started: Instance[] = [];

/** The load balancer: PUBLIC_URL's requests go to the instance the test names. */
function via(target: () => Instance): oidc.CustomFetch {
  return (url, options) => fetch(url.replace(PUBLIC_URL, target().base), { ...options, redirect: 'manual' });
}

/** One browser step through the chosen instance: cookies from the jar, the redirect not followed. */
async function step(browser: Browser, on: Instance, url: string): Promise<string> {
  const u = new URL(url, PUBLIC_URL);
  const headers: Record<string, string> = { accept: 'text/html', 'x-forwarded-for': browser.ip };
  if (browser.jar.size > 0) headers.cookie = [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const res = await fetch(`${on.base}${u.pathname}${u.search}`, { headers, redirect: 'manual' });
  for (const line of res.headers.getSetCookie()) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    const value = pair.slice(eq + 1).trim();
    if (value === '' || /max-age=0|expires=Thu, 01 Jan 1970/i.test(line)) browser.jar.delete(pair.slice(0, eq).trim());
    else browser.jar.set(pair.slice(0, eq).trim(), value);
  }
  const location = res.headers.get('location');
  if (location === null) throw new Error(`expected a redirect from ${u.pathname}, got ${String(res.status)}`);
  return new URL(location, PUBLIC_URL).href;
}

describe.skipIf(SKIP)(`OpenID Connect on two server processes, one PostgreSQL database and one Redis${NOTE}`, () => {
  beforeAll(async () => {
    fixture = await createFixture(RUN);
    const env = {
      NODE_ENV: 'development',
      DATABASE_URL: fixture.databaseUrl,
      REDIS_URL: fixture.redisUrl,
      // Fake, test-only secret shared by both instances (as every instance behind one proxy must).
      SESSION_SECRET: 'multi-instance-oidc-test-secret-not-for-production-0123456789',
      PUBLIC_URL,
      MAIL_TRANSPORT: 'outbox',
      LOG_LEVEL: 'warn',
      // The registration limit lives in the shared Redis for an hour: other runs and suites on this
      // machine register from the same address, so this suite must not depend on what they spent.
      REGISTER_MAX_PER_IP: '1000',
      TRUST_PROXY: '127.0.0.1',
    };
    // Both start at once on a fresh database: they race to make the signing keys; both agree.
    const boots = await Promise.allSettled([startInstance('a', env), startInstance('b', env)]);
    for (const boot of boots) if (boot.status === 'fulfilled') started.push(boot.value);
    for (const boot of boots) if (boot.status === 'rejected') throw boot.reason;
    [a, b] = started as [Instance, Instance];
    await fixture.query(
      "insert into oidc_clients (id, name, secret_hash, redirect_uris, post_logout_redirect_uris, first_party, id_token_alg, created_at) values ($1, 'Multi RP', $2, $3, '[]', 1, 'ES256', $4)",
      [CLIENT_ID, hashSecret(CLIENT_SECRET), JSON.stringify([REDIRECT_URI]), Date.now()],
    );
  });

  afterAll(async () => {
    for (const i of started) {
      if (i.child.exitCode !== null && i.child.exitCode !== 0) process.stdout.write(`instance ${i.name} exited ${String(i.child.exitCode)}:\n${i.output()}\n`);
    }
    await Promise.all(started.map((i) => stopInstance(i)));
    await fixture.dispose();
  });

  async function signIn(): Promise<{ browser: Browser; tokens: oidc.TokenEndpointResponse; sub: string; config: oidc.Configuration; target: { i: Instance } }> {
    const browser = new Browser();
    const email = `oidc-${RUN}-${randomBytes(3).toString('hex')}@example.test`;
    expect((await browser.post(a, '/api/auth/register', { email, password: PASSWORD, name: 'Multi' })).status).toBe(201);
    const target = { i: a };
    const config = await oidc.discovery(new URL(PUBLIC_URL), CLIENT_ID, {}, oidc.ClientSecretBasic(CLIENT_SECRET), {
      // eslint-disable-next-line @typescript-eslint/no-deprecated -- the test issuer is http://localhost
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: via(() => target.i),
    });
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid email offline_access',
      prompt: 'consent',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    // Each step of the flow on another instance: all provider state is in the database.
    const interaction = await step(browser, a, url.href);
    const uid = /\/oidc\/interaction\/([^/?]+)$/.exec(interaction)?.[1] ?? '';
    const login = await browser.post(b, `/api/oidc/interaction/${uid}/login`);
    expect(login.status).toBe(200);
    let next = await step(browser, a, (login.body as { redirectTo: string }).redirectTo);
    if (next.includes('/oidc/interaction/')) {
      const consentUid = /\/oidc\/interaction\/([^/?]+)$/.exec(next)?.[1] ?? '';
      const consent = await browser.post(b, `/api/oidc/interaction/${consentUid}/consent`, { approve: true });
      expect(consent.status).toBe(200);
      next = await step(browser, a, (consent.body as { redirectTo: string }).redirectTo);
    }
    expect(next.startsWith(REDIRECT_URI)).toBe(true);
    target.i = b;
    const tokens = await oidc.authorizationCodeGrant(config, new URL(next), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    return { browser, tokens, sub: tokens.claims()?.sub ?? '', config, target };
  }

  it('a flow spread over both instances works, and logout on A ends its tokens on B on the very next request', async () => {
    const { browser, tokens, sub, config, target } = await signIn();
    target.i = a;
    const claims = await oidc.fetchUserInfo(config, tokens.access_token, sub);
    expect(claims.email).toMatch(/@example\.test$/);
    target.i = b;
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token ?? '');

    expect((await browser.post(a, '/api/auth/logout')).status).toBe(204);
    target.i = b;
    await expect(oidc.fetchUserInfo(config, refreshed.access_token, sub)).rejects.toMatchObject({ status: 401 });
    expect((await oidc.tokenIntrospection(config, refreshed.access_token)).active).toBe(false);
    target.i = a;
    await expect(oidc.refreshTokenGrant(config, refreshed.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a user disabled in the database is refused by both instances on the very next request', async () => {
    const { browser, tokens, config, target } = await signIn();
    const me = await browser.get(b, '/api/auth/me');
    const userId = (me.body as { user: { id: string } }).user.id;
    await fixture.query('update users set disabled = 1 where id = $1', [userId]);
    target.i = a;
    expect((await oidc.tokenIntrospection(config, tokens.access_token)).active).toBe(false);
    target.i = b;
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token ?? '')).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
