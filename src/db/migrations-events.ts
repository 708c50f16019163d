import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema they create */

/** A sign-in with another provider names that provider in its security event (contract: "login_succeeded with the provider"). */
export function eventProviderMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('security_events').addColumn('provider', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('security_events').dropColumn('provider').execute();
    },
  };
}
