import type { FastifyReply, FastifyRequest } from 'fastify';
import type Provider from 'oidc-provider';
import type { Services } from '../services.js';
import type { TypedApp } from '../http/typed.js';
import { securityHeaders } from '../http/hygiene.js';
import { errorBody } from '../errors.js';
import { sendApp } from '../http/web.js';
import { RequestBridge } from './bridge.js';
import { ensureSigningKeys, loadKeySet, type KeySet } from './keys.js';
import { buildProvider } from './provider.js';

/** How often an instance looks for keys rotated by another process (`oidc-keys rotate`). */
export const KEY_CHECK_INTERVAL_MS = 30_000;

/**
 * The provider in use, rebuilt when the signing keys in the database change. A rotation on any
 * instance (or by the CLI) is picked up by every instance within KEY_CHECK_INTERVAL_MS; the JWKS
 * keeps retired keys published meanwhile, so tokens signed by either key verify.
 */
export class ProviderHolder {
  #provider: Provider;
  #callback: ReturnType<Provider['callback']>;
  #fingerprint: string;
  #checkedAt: number;
  #refreshing: Promise<void> | null = null;

  constructor(
    readonly s: Services,
    readonly bridge: RequestBridge,
    keys: KeySet,
  ) {
    this.#provider = buildProvider(s, keys, bridge);
    this.#callback = this.#provider.callback();
    this.#fingerprint = keys.fingerprint;
    this.#checkedAt = s.clock.now();
  }

  async current(): Promise<Provider> {
    return (await this.handler()).provider;
  }

  async handler(): Promise<{ provider: Provider; callback: ReturnType<Provider['callback']> }> {
    if (this.s.clock.now() - this.#checkedAt >= KEY_CHECK_INTERVAL_MS) {
      this.#refreshing ??= this.refresh().finally(() => {
        this.#refreshing = null;
      });
      await this.#refreshing;
    }
    return { provider: this.#provider, callback: this.#callback };
  }

  async refresh(): Promise<void> {
    const now = this.s.clock.now();
    const keys = await loadKeySet(this.s.db, secretsOf(this.s), now);
    this.#checkedAt = now;
    if (keys.fingerprint === this.#fingerprint) return;
    this.#provider = buildProvider(this.s, keys, this.bridge);
    this.#callback = this.#provider.callback();
    this.#fingerprint = keys.fingerprint;
  }
}

export function secretsOf(s: Services): string[] {
  return [s.config.sessionSecret, ...(s.config.sessionSecretPrevious === undefined ? [] : [s.config.sessionSecretPrevious])];
}

/**
 * Provider responses are written by oidc-provider itself (the reply is hijacked), so they get the
 * app's security headers here, before it runs. CSP differs in one point: no `form-action`, since a
 * confirmed logout posts and then redirects to the client's registered post-logout URI (another
 * origin), which `form-action 'self'` would block.
 */
function providerHeaders(https: boolean): Record<string, string> {
  const headers: Record<string, string> = { ...securityHeaders(https) };
  headers['content-security-policy'] = "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data:;frame-ancestors 'none';object-src 'none';base-uri 'none'";
  return headers;
}

/**
 * Mounts the OpenID Connect provider (oidc-provider, a Koa app) at /oidc/* and
 * /.well-known/openid-configuration. These routes live in a child scope whose only body parser
 * leaves the body unread: the provider parses its form bodies itself.
 */
export async function mountProvider(app: TypedApp, s: Services, options: { readonly webUi: boolean }): Promise<ProviderHolder> {
  const now = s.clock.now();
  await ensureSigningKeys(s.db, s.config.sessionSecret, now);
  const bridge = new RequestBridge(s);
  const holder = new ProviderHolder(s, bridge, await loadKeySet(s.db, secretsOf(s), now));
  const headers = providerHeaders(s.config.https);
  const publicHost = new URL(s.config.publicUrl).host;
  const publicProto = s.config.https ? 'https' : 'http';

  async function handle(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const { callback } = await holder.handler();
    reply.hijack();
    const res = reply.raw;
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    bridge.attach(request);
    // The provider builds every URL from the request (Koa with proxy mode on): give it the public
    // origin and the client address Fastify already vetted (TRUST_PROXY rules), never what a
    // client claims in Host or X-Forwarded-*, or discovery could name someone else's host.
    const raw = request.raw;
    raw.headers.host = publicHost;
    raw.headers['x-forwarded-host'] = publicHost;
    raw.headers['x-forwarded-proto'] = publicProto;
    raw.headers['x-forwarded-for'] = request.ip;
    try {
      await callback(request.raw, res);
    } catch (error) {
      request.log.error({ err: error }, 'oidc provider failed');
      if (!res.headersSent) {
        res.statusCode = 500;
        res.setHeader('content-type', 'application/json; charset=utf-8');
        res.end(JSON.stringify(errorBody('internal_error')));
      }
    }
  }

  await app.register((scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => {
      done(null, undefined);
    });
    // The sign-in and consent step is a page of our web UI.
    if (options.webUi) scope.get('/oidc/interaction/:uid', (request, reply) => sendApp(request, reply, ''));
    // GET and POST are the provider's methods; OPTIONS answers CORS preflights for public clients.
    scope.route({ method: ['GET', 'POST', 'OPTIONS'], url: '/oidc/*', handler: handle });
    scope.get('/.well-known/openid-configuration', handle);
    return Promise.resolve();
  });
  return holder;
}
