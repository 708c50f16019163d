import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema they create */

/** Sign in with another provider (issue 15): linked identities and single-use authorization states. */
export function identitiesMigration(): Migration {
  const ms = 'bigint' as const;
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('email', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();
      // One external account links to one user, ever (a second link attempt is a conflict, not a move).
      await db.schema.createIndex('identities_provider_subject_idx').on('identities').columns(['provider', 'subject']).unique().execute();
      await db.schema.createIndex('identities_user_idx').on('identities').column('user_id').execute();

      await db.schema
        .createTable('oauth_states')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('nonce', 'text', (c) => c.notNull())
        .addColumn('code_verifier', 'text', (c) => c.notNull())
        .addColumn('next', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
        .addColumn('session_id', 'text')
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('oauth_states_expiry_idx').on('oauth_states').column('expires_at').execute();

      // How the first step of a pending second-factor login was made (null: the password).
      await db.schema.alterTable('mfa_pending').addColumn('first_method', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mfa_pending').dropColumn('first_method').execute();
      await db.schema.dropTable('oauth_states').ifExists().execute();
      await db.schema.dropTable('identities').ifExists().execute();
    },
  };
}
