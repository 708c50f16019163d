import type { Kysely, Migration } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the untyped schema they create */

/**
 * Why a session was revoked (evicted by the cap, signed out, password changed…), written with the
 * revocation itself, so the 401 of its next request can say so exactly (src/session/end-reason.ts).
 */
export function sessionEndReasonMigration(): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('sessions').addColumn('revoked_reason', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('sessions').dropColumn('revoked_reason').execute();
    },
  };
}
