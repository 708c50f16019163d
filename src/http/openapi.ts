import swagger from '@fastify/swagger';
import type { TypedApp } from './typed.js';
import { documentedSchema, ROUTE_DOCS, UNDOCUMENTED_ROUTES } from '../integration/route-docs.js';
import { docsPage } from '../integration/docs-page.js';

function routeKey(method: string, url: string, prefix: string): string {
  const path = prefix !== '' && url.startsWith(prefix) ? url.slice(prefix.length) : url;
  return `${method.toUpperCase()} ${path === '' ? '/' : path}`;
}

/**
 * Registers the OpenAPI generator; must run before the routes so it sees every schema. Request
 * schemas come from the routes, descriptions and responses from ROUTE_DOCS.
 */
export async function installOpenApi(app: TypedApp): Promise<void> {
  const prefix = app.prefix;
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        description:
          'Accounts, sessions, organizations and admin API. Authenticated by the session cookie (gh_session, ' +
          '__Host-gh_session over https); writes also need X-CSRF-Token equal to the CSRF cookie. Errors: ' +
          '{"error":{"code","message","fields?","reason?"}}; a 401 for a session that existed and has ended adds reason: ' +
          'session_evicted, session_revoked, session_expired, password_changed, signed_out or impersonation_ended.',
        version: '0.1.0',
      },
      components: {
        securitySchemes: {
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'gh_session' },
          csrfHeader: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token' },
        },
      },
    },
    hideUntagged: false,
    transform({ schema, url, route }) {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const key = routeKey(methods[0] ?? 'GET', route.url, prefix);
      if (UNDOCUMENTED_ROUTES.has(key)) return { schema: { ...schema, hide: true }, url };
      const doc = ROUTE_DOCS[key];
      // Undocumented routes are published as they are (no summary): the OpenAPI test names them.
      return { schema: doc === undefined ? schema : documentedSchema(doc, schema), url };
    },
  });
}

/** `GET /api/openapi.json` and the docs page at `GET /api/docs` (plain HTML, no script: the CSP allows none inline). */
export function openApiRoutes(app: TypedApp): void {
  app.get('/api/openapi.json', () => app.swagger());
  app.get('/api/docs', (_request, reply) => reply.type('text/html; charset=utf-8').send(docsPage(app.swagger(), `${app.prefix}/api/openapi.json`)));
}
