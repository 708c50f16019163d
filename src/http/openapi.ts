import swagger from '@fastify/swagger';
import type { TypedApp } from './typed.js';

/** Registers the OpenAPI generator; must run before the routes so it sees every schema. */
export async function installOpenApi(app: TypedApp): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Gatehouse',
        description: 'Accounts, sessions, organizations and admin API. Authenticated by the gh_session cookie; writes need X-CSRF-Token.',
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
  });
}

export function openApiRoute(app: TypedApp): void {
  app.get('/api/openapi.json', { schema: { hide: true } }, () => app.swagger());
}
