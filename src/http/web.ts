import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fastifyStatic from '@fastify/static';
import { AppError } from '../errors.js';
import type { Services } from '../services.js';
import type { TypedApp } from './typed.js';

/** Built by `npm run build:web` (and by `prestart` when missing or stale). */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

/** Routes the single-page app renders itself; any other path is a 404 (the app shows "page not found"). */
export const SPA_ROUTES: ReadonlySet<string> = new Set([
  '/',
  '/sign-in',
  '/register',
  '/verify-email',
  '/forgot-password',
  '/reset-password',
  '/join',
  '/security',
  '/organization',
  '/admin',
  '/admin/oidc-clients',
]);

/** Page families with an id in the path (the OpenID Connect sign-in and consent step). */
const SPA_PREFIXES: readonly string[] = ['/oidc/interaction/'];

function isSpaRoute(path: string): boolean {
  return SPA_ROUTES.has(path) || SPA_PREFIXES.some((p) => path.startsWith(p) && /^[A-Za-z0-9_-]{1,64}$/.test(path.slice(p.length)));
}

/** Pages opened from email links: their URL carries a token until the page removes it. */
const TOKEN_PAGES: ReadonlySet<string> = new Set(['/verify-email', '/reset-password', '/join']);

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Gatehouse</title></head>
<body>
<h1>Gatehouse</h1>
<p>The web UI is not built. Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it when needed), then reload this page.</p>
<p>The API is available under <code>/api/</code>.</p>
</body>
</html>
`;

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function wantsHtml(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /\btext\/html\b/i.test(accept);
}

export async function sendApp(request: FastifyRequest, reply: FastifyReply, prefix: string): Promise<FastifyReply> {
  const full = pathOf(request.url);
  // Mounted under a prefix inside a host app: the SPA's routes are relative to it.
  const rest = prefix !== '' && full.startsWith(prefix) ? full.slice(prefix.length) : full;
  const path = rest === '' ? '/' : rest;
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/assets/')) throw new AppError('not_found');
  const known = isSpaRoute(path);
  // Non-page URLs (a script fetching /foo, an image probe) get the API's JSON 404, not an HTML document.
  if (!known && !wantsHtml(request)) throw new AppError('not_found');
  // Already sent for the whole app; restated here so these pages keep it whatever the global default becomes.
  if (TOKEN_PAGES.has(path)) void reply.header('referrer-policy', 'no-referrer');
  void reply.header('cache-control', 'no-cache');
  const status = known ? 200 : 404;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed path inside the package, no request input
  if (!existsSync(`${WEB_DIST}index.html`)) {
    return reply.code(known ? 503 : 404).type('text/html; charset=utf-8').send(NOT_BUILT_PAGE);
  }
  return reply.code(status).sendFile('index.html', WEB_DIST, { cacheControl: false });
}

/**
 * Serves the built web UI (web/dist): hashed assets under /assets/ with long-lived caching, and
 * index.html for the SPA's routes. Must be called after the API routes and before `app.ready()`;
 * `/api/*` keeps answering JSON (including its 404s).
 */
export async function installWebUi(app: TypedApp, s: Services): Promise<void> {
  const assets = `${WEB_DIST}assets`;
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed path inside the package, no request input
  if (!existsSync(assets)) s.logger.warn({ dir: WEB_DIST }, 'web UI is not built: run `npm run build:web`');
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/assets/',
    wildcard: true,
    index: false,
    serveDotFiles: false,
    // File names carry a content hash: a changed file is a new URL.
    immutable: true,
    maxAge: '365d',
  });
  const prefix = app.prefix;
  app.get('/*', (request, reply) => sendApp(request, reply, prefix));
}
