import type { Db } from '../db/database.js';
import { pruneOidcModels } from './adapter.js';
import { pruneGrantLinks } from './grants.js';

/** Expired provider rows, and grants whose Gatehouse session has been pruned (run with the session pruning). */
export async function pruneOidc(db: Db, now: number): Promise<void> {
  await pruneOidcModels(db, now);
  await pruneGrantLinks(db);
}
