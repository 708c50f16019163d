import { type Kysely, type Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema they create */

/**
 * The OpenID Connect provider's tables (issue #14). All provider state lives here, so any instance
 * can serve any step of a flow; times are epoch milliseconds like everywhere else.
 */
export function oidcMigration(): Migration {
  const ms = 'bigint' as const;
  return {
    async up(db: Kysely<any>): Promise<void> {
      // oidc-provider's models (codes, tokens, grants, sessions, interactions…), one JSON payload each.
      await db.schema
        .createTable('oidc_models')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('grant_id', 'text')
        .addColumn('uid', 'text')
        .addColumn('user_code', 'text')
        .addColumn('expires_at', ms)
        .addColumn('consumed_at', ms)
        .addColumn('created_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('oidc_models_pk', ['kind', 'id'])
        .execute();
      await db.schema.createIndex('oidc_models_grant_idx').on('oidc_models').columns(['grant_id', 'kind']).execute();
      await db.schema.createIndex('oidc_models_uid_idx').on('oidc_models').columns(['uid']).execute();
      await db.schema.createIndex('oidc_models_expiry_idx').on('oidc_models').column('expires_at').execute();

      // Each grant remembers the Gatehouse session it was made in (the coupling of issue #14 §3).
      await db.schema
        .createTable('oidc_grant_links')
        .addColumn('grant_id', 'text', (c) => c.primaryKey())
        .addColumn('session_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oidc_grant_links_session_idx').on('oidc_grant_links').columns(['session_id', 'client_id']).execute();
      await db.schema.createIndex('oidc_grant_links_user_idx').on('oidc_grant_links').columns(['user_id', 'client_id']).execute();

      await db.schema
        .createTable('oidc_clients')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('secret_hash', 'text')
        .addColumn('redirect_uris', 'text', (c) => c.notNull())
        .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
        .addColumn('first_party', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('id_token_alg', 'text', (c) => c.notNull().defaultTo('ES256'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('oidc_consents')
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('client_id', 'text', (c) => c.notNull().references('oidc_clients.id').onDelete('cascade'))
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('granted_at', ms, (c) => c.notNull())
        .addPrimaryKeyConstraint('oidc_consents_pk', ['user_id', 'client_id'])
        .execute();

      await db.schema
        .createTable('oidc_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('alg', 'text', (c) => c.notNull())
        .addColumn('generation', 'integer', (c) => c.notNull())
        .addColumn('public_jwk', 'text', (c) => c.notNull())
        .addColumn('private_jwk', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('retired_at', ms)
        .execute();
      // One key per algorithm and generation: two instances starting at once cannot both add one.
      await db.schema.createIndex('oidc_keys_generation_idx').on('oidc_keys').columns(['alg', 'generation']).unique().execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['oidc_keys', 'oidc_consents', 'oidc_clients', 'oidc_grant_links', 'oidc_models']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}
