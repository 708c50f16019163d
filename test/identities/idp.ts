import { createServer, type Server } from 'node:http';
import Provider, { type Configuration } from 'oidc-provider';
import { freePort } from '../helpers/services.js';

/** The account the external IdP signs in next: its claims are the test's to choose. */
export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
}

export interface ExternalIdp {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Who "logs in" at the IdP on the next authorization request. */
  account: IdpAccount;
  close(): Promise<void>;
}

/**
 * A real OpenID Provider (`oidc-provider`), started standalone on 127.0.0.1 as "the external IdP".
 * Its login and consent interaction is a minimal one that signs in `account` at once and grants
 * the requested scopes, so a test drives the whole authorization code flow with plain HTTP.
 */
export async function startExternalIdp(redirectUris: string[]): Promise<ExternalIdp> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${String(port)}`;
  const state: { account: IdpAccount } = { account: { sub: 'nobody' } };
  const accounts = new Map<string, IdpAccount>();
  const configuration: Configuration = {
    clients: [
      {
        client_id: 'gatehouse-test',
        client_secret: 'idp-client-secret-for-tests-only',
        redirect_uris: redirectUris,
        token_endpoint_auth_method: 'client_secret_post',
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    cookies: { keys: ['idp-cookie-key-for-tests-only'] },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: (_ctx, id) => {
      const account = accounts.get(id);
      if (account === undefined) return undefined;
      return { accountId: id, claims: () => ({ ...account }) };
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();
  const server: Server = createServer((req, res) => {
    if (req.url?.startsWith('/interaction/') !== true) {
      void callback(req, res);
      return;
    }
    void (async (): Promise<void> => {
      const details = await provider.interactionDetails(req, res);
      if (details.prompt.name === 'login') {
        accounts.set(state.account.sub, { ...state.account });
        await provider.interactionFinished(req, res, { login: { accountId: state.account.sub } }, { mergeWithLastSubmission: false });
        return;
      }
      const grant = new provider.Grant({ accountId: String(details.session?.accountId), clientId: String(details.params.client_id) });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    })().catch((e: unknown) => {
      res.statusCode = 500;
      res.end(e instanceof Error ? e.message : 'error');
    });
  });
  await new Promise<void>((resolve) => {
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    issuer,
    clientId: 'gatehouse-test',
    clientSecret: 'idp-client-secret-for-tests-only',
    get account() {
      return state.account;
    },
    set account(a: IdpAccount) {
      state.account = a;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/**
 * Plays the browser between Gatehouse's redirect to the provider and the provider's redirect back:
 * follows redirects with a cookie jar of its own, and stops at the first URL on `stopOrigin`.
 */
export async function followToCallback(start: string, stopOrigin: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(start);
  for (let hop = 0; hop < 12; hop += 1) {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair?.indexOf('=') ?? -1;
      if (pair !== undefined && i > 0) jar.set(pair.slice(0, i), pair.slice(i + 1));
    }
    const location = res.headers.get('location');
    if (location === null) throw new Error(`no redirect from ${url.href}: ${String(res.status)} ${await res.text()}`);
    url = new URL(location, url);
    if (url.origin === stopOrigin) return url;
  }
  throw new Error('too many redirects');
}
