import { Type } from 'typebox';
import type { Services } from '../services.js';
import { IdParam, type TypedApp } from '../http/typed.js';
import { AppError, invalidRequest } from '../errors.js';
import { adminOnlyHooks } from '../admin/routes.js';
import { addClient, ClientInputError, listClients, removeClient } from './clients.js';

const Uri = Type.String({ minLength: 1, maxLength: 2000 });
const NewClientBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    redirectUris: Type.Array(Uri, { minItems: 1, maxItems: 20 }),
    postLogoutRedirectUris: Type.Optional(Type.Array(Uri, { maxItems: 20 })),
    public: Type.Optional(Type.Boolean()),
    firstParty: Type.Optional(Type.Boolean()),
    idTokenSignedResponseAlg: Type.Optional(Type.Union([Type.Literal('ES256'), Type.Literal('RS256')])),
  },
  { additionalProperties: false },
);

/** Site admins manage the provider's clients. A client secret appears once, in the 201 response. */
export function oidcAdminRoutes(app: TypedApp, s: Services): void {
  const adminOnly = adminOnlyHooks(s);

  app.get('/api/admin/oidc-clients', { preValidation: adminOnly }, async () => ({ clients: await listClients(s.db) }));

  app.post('/api/admin/oidc-clients', { preValidation: adminOnly, schema: { body: NewClientBody } }, async (request, reply) => {
    const b = request.body;
    try {
      const { client, secret } = await addClient(
        s.db,
        {
          name: b.name,
          redirectUris: b.redirectUris,
          ...(b.postLogoutRedirectUris === undefined ? {} : { postLogoutRedirectUris: b.postLogoutRedirectUris }),
          ...(b.public === undefined ? {} : { public: b.public }),
          ...(b.firstParty === undefined ? {} : { firstParty: b.firstParty }),
          ...(b.idTokenSignedResponseAlg === undefined ? {} : { idTokenAlg: b.idTokenSignedResponseAlg }),
        },
        s.clock.now(),
      );
      return await reply.code(201).send({ client, clientSecret: secret });
    } catch (e) {
      if (e instanceof ClientInputError) throw invalidRequest({ redirectUris: e.message });
      throw e;
    }
  });

  app.delete(
    '/api/admin/oidc-clients/:id',
    { preValidation: adminOnly, schema: { params: IdParam } },
    async (request, reply) => {
      if (!(await removeClient(s.db, request.params.id))) throw new AppError('not_found');
      return reply.code(204).send();
    },
  );
}
