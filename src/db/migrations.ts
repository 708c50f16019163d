import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Db, Dialect } from './database.js';
import { mfaMigration } from './migrations-mfa.js';
import { oidcMigration } from './migrations-oidc.js';
import { identitiesMigration } from './migrations-identities.js';
import { eventProviderMigration } from './migrations-events.js';
import { sessionEndReasonMigration } from './migrations-sessions.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema they create */

function initial(dialect: Dialect): Migration {
  const ms = 'bigint' as const;
  const serial = dialect === 'postgres' ? ('bigserial' as const) : ('integer' as const);
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('role', 'text', (c) => c.notNull().defaultTo('user'))
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('updated_at', ms, (c) => c.notNull())
        .addColumn('password_changed_at', ms, (c) => c.notNull())
        .addColumn('email_changed_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('users_created_idx').on('users').column('created_at').execute();

      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('joined_at', ms, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('memberships_org_idx').on('memberships').column('org_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('last_active_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .addColumn('revoked_at', ms)
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('impersonator_id', 'text')
        .addColumn('impersonator_session_id', 'text')
        .execute();
      await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['user_id', 'revoked_at']).execute();
      await db.schema.createIndex('sessions_expiry_idx').on('sessions').column('expires_at').execute();

      await db.schema
        .createTable('security_events')
        .addColumn('seq', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('at', ms, (c) => c.notNull())
        .addColumn('user_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('actor_id', 'text')
        .addColumn('actor_email', 'text')
        .addColumn('target_id', 'text')
        .addColumn('target_email', 'text')
        .execute();
      await db.schema.createIndex('security_events_user_idx').on('security_events').columns(['user_id', 'seq']).execute();
      await db.schema.createIndex('security_events_type_idx').on('security_events').columns(['type', 'seq']).execute();

      await db.schema
        .createTable('email_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .addColumn('consumed_at', ms)
        .execute();
      await db.schema.createIndex('email_tokens_user_idx').on('email_tokens').columns(['user_id', 'purpose']).execute();

      await db.schema
        .createTable('invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull().references('organizations.id').onDelete('cascade'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('invited_by', 'text')
        .addColumn('invited_by_email', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .addColumn('expires_at', ms, (c) => c.notNull())
        .addColumn('revoked_at', ms)
        .addColumn('used_at', ms)
        .addColumn('used_by', 'text')
        .execute();
      await db.schema.createIndex('invitations_org_idx').on('invitations').column('org_id').execute();

      await db.schema
        .createTable('outbox')
        .addColumn('seq', serial, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('id', 'text', (c) => c.notNull().unique())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('html_body', 'text', (c) => c.notNull())
        .addColumn('created_at', ms, (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('mail_failures')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text', (c) => c.notNull())
        .addColumn('failed_at', ms, (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['mail_failures', 'outbox', 'invitations', 'email_tokens', 'security_events', 'sessions', 'memberships', 'organizations', 'users']) {
        await db.schema.dropTable(t).ifExists().execute();
      }
    },
  };
}

function provider(dialect: Dialect): MigrationProvider {
  return {
    getMigrations: () => Promise.resolve({ '0001_initial': initial(dialect), '0002_mfa': mfaMigration(), '0003_oidc': oidcMigration(), '0004_identities': identitiesMigration(), '0005_event_provider': eventProviderMigration(), '0006_session_end_reason': sessionEndReasonMigration() }),
  };
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema; pin it to ours so a database shared
  // with other schemas (or other Gatehouse deployments) never confuses it.
  const schema =
    db.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]?.s : undefined;
  const migrator = new Migrator({
    db: db.kysely,
    provider: provider(db.dialect),
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    throw error instanceof Error ? error : new Error('migration failed');
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

