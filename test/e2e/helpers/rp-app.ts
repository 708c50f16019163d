import { createServer, type Server } from 'node:http';
import * as oidc from 'openid-client';

/**
 * A tiny relying party (a web app of some other team), built the way its docs would tell it:
 * openid-client 6, discovery, authorization code + PKCE S256, state and nonce, then userinfo.
 * One pending sign-in at a time is enough for a test.
 */
export interface RelyingPartyApp {
  readonly url: string;
  readonly redirectUri: string;
  close(): Promise<void>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${String(c.charCodeAt(0))};`);
}

export async function startRelyingParty(issuer: string, clientId: string, clientSecret: string, port: number): Promise<RelyingPartyApp> {
  const url = `http://127.0.0.1:${String(port)}`;
  const redirectUri = `${url}/callback`;
  // Registered as client_secret_basic (the only method Gatehouse accepts for a confidential client).
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the test issuer is http://localhost
  const config = await oidc.discovery(new URL(issuer), clientId, clientSecret, oidc.ClientSecretBasic(clientSecret), { execute: [oidc.allowInsecureRequests] });
  let pending: { verifier: string; state: string; nonce: string } | null = null;
  const server: Server = createServer((req, res) => {
    void (async (): Promise<void> => {
      const here = new URL(req.url ?? '/', url);
      if (here.pathname === '/login') {
        pending = { verifier: oidc.randomPKCECodeVerifier(), state: oidc.randomState(), nonce: oidc.randomNonce() };
        const target = oidc.buildAuthorizationUrl(config, {
          redirect_uri: redirectUri,
          scope: 'openid email profile organization',
          code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
          code_challenge_method: 'S256',
          state: pending.state,
          nonce: pending.nonce,
        });
        res.writeHead(302, { location: target.href }).end();
        return;
      }
      if (here.pathname === '/callback' && pending !== null) {
        const checks = { pkceCodeVerifier: pending.verifier, expectedState: pending.state, expectedNonce: pending.nonce };
        pending = null;
        const tokens = await oidc.authorizationCodeGrant(config, here, checks);
        const sub = tokens.claims()?.sub ?? '';
        const info = await oidc.fetchUserInfo(config, tokens.access_token, sub);
        const body = `<!doctype html><title>RP</title><h1>Signed in as ${escapeHtml(String(info.email))}</h1><p id="name">${escapeHtml(String(info.name))}</p><pre id="claims">${escapeHtml(JSON.stringify(info))}</pre>`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
        return;
      }
      res.writeHead(404).end('not found');
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`relying party error: ${e instanceof Error ? e.message : 'unknown'}`);
    });
  });
  await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
  return {
    url,
    redirectUri,
    close: () => new Promise<void>((done) => { server.close(() => { done(); }); }),
  };
}
