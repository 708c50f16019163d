import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrations.js';
import { addClient, ClientInputError, listClients, removeClient } from './clients.js';
import { listSigningKeys, rotateSigningKeys } from './keys.js';

export const OIDC_USAGE = `  oidc-client add --name N --redirect-uri U [--redirect-uri U2]
       [--public] [--first-party] [--post-logout-redirect-uri U] [--id-token-alg ES256|RS256]
                              register an OpenID Connect client; prints its client_id and,
                              for a confidential client, its client_secret (shown this once)
  oidc-client list            list the clients
  oidc-client remove ID       remove a client (its grants and tokens end)
  oidc-keys rotate            new signing keys; the old ones stay published until the ID
                              tokens they signed have expired (running servers pick it up
                              within 30 seconds)
  oidc-keys list              list the signing keys
`;

export class OidcUsageError extends Error {}

export interface OidcCliOptions {
  readonly name?: string | undefined;
  readonly 'redirect-uri'?: string[] | undefined;
  readonly 'post-logout-redirect-uri'?: string[] | undefined;
  readonly public?: boolean | undefined;
  readonly 'first-party'?: boolean | undefined;
  readonly 'id-token-alg'?: string | undefined;
}

type Out = (line: string) => void;

async function clientCommand(config: Config, args: readonly string[], options: OidcCliOptions, out: Out): Promise<number> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    switch (args[0]) {
      case 'add': {
        if (options.name === undefined) throw new OidcUsageError('oidc-client add needs --name');
        const alg = options['id-token-alg'];
        if (alg !== undefined && alg !== 'ES256' && alg !== 'RS256') throw new OidcUsageError('--id-token-alg must be ES256 or RS256');
        const { client, secret } = await addClient(
          db,
          {
            name: options.name,
            redirectUris: options['redirect-uri'] ?? [],
            postLogoutRedirectUris: options['post-logout-redirect-uri'] ?? [],
            public: options.public === true,
            firstParty: options['first-party'] === true,
            ...(alg === undefined ? {} : { idTokenAlg: alg }),
          },
          Date.now(),
        );
        out(`client_id: ${client.clientId}`);
        // Printed once, to the operator's terminal only: it is stored as a hash and never shown again.
        if (secret !== null) out(`client_secret: ${secret}`); // eslint-disable-line security/detect-possible-timing-attacks -- a null check, nothing compared
        out(`type: ${client.public ? 'public (PKCE, no secret)' : 'confidential (client_secret_basic)'}${client.firstParty ? ', first-party (no consent page)' : ''}`);
        return 0;
      }
      case 'list': {
        const clients = await listClients(db);
        if (clients.length === 0) out('no clients');
        for (const c of clients) {
          out(`${c.clientId}  ${c.name}  ${c.public ? 'public' : 'confidential'}${c.firstParty ? ' first-party' : ''}  ${c.redirectUris.join(' ')}`);
        }
        return 0;
      }
      case 'remove': {
        const id = args[1];
        if (id === undefined) throw new OidcUsageError('oidc-client remove needs the client id');
        if (!(await removeClient(db, id))) {
          out(`no client ${id}`);
          return 1;
        }
        out(`removed ${id} (its grants and tokens have ended)`);
        return 0;
      }
      default:
        throw new OidcUsageError('oidc-client needs add, list or remove');
    }
  } catch (e) {
    if (e instanceof ClientInputError) throw new OidcUsageError(e.message);
    throw e;
  } finally {
    await db.close();
  }
}

async function keysCommand(config: Config, args: readonly string[], out: Out): Promise<number> {
  const db = openDatabase(config.databaseUrl);
  try {
    await migrateToLatest(db);
    if (args[0] === 'rotate') {
      const r = await rotateSigningKeys(db, config.sessionSecret, Date.now());
      for (const k of r.added) out(`new ${k.alg} key ${k.kid}`);
      out(`retired ${String(r.retired.length)} key(s) (still published until their ID tokens expire); deleted ${String(r.removed)} expired key(s)`);
      return 0;
    }
    if (args[0] === 'list') {
      const keys = await listSigningKeys(db);
      if (keys.length === 0) out('no keys yet (the server makes them at first start)');
      for (const k of keys) out(`${k.kid}  ${k.alg}  created ${new Date(k.createdAt).toISOString()}  ${k.retiredAt === null ? 'active' : `retired ${new Date(k.retiredAt).toISOString()}`}`);
      return 0;
    }
    throw new OidcUsageError('oidc-keys needs rotate or list');
  } finally {
    await db.close();
  }
}

export async function oidcCommand(config: Config, command: 'oidc-client' | 'oidc-keys', args: readonly string[], options: OidcCliOptions, out: Out): Promise<number> {
  return command === 'oidc-client' ? clientCommand(config, args, options, out) : keysCommand(config, args, out);
}
