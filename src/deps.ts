import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import type { Dependencies } from './app.js';
import { systemClock } from './clock.js';
import { openDatabase } from './db/database.js';
import { migrateToLatest } from './db/migrations.js';
import { createArgon2Hasher, OWASP_ARGON2 } from './account/hasher.js';
import { createMailer } from './email/mailer.js';
import { createTransport } from './email/transports.js';
import { createMemoryCounterStore, type CounterStore } from './rate-limit/counters.js';
import { createRedisCounterStore } from './rate-limit/redis-store.js';

/** Production wiring: real database (migrated), argon2id with OWASP parameters, real clock. */
export async function createDependencies(config: Config, logger: Logger): Promise<Dependencies> {
  const db = openDatabase(config.databaseUrl);
  await migrateToLatest(db);
  const counters: CounterStore = config.redisUrl === undefined ? createMemoryCounterStore() : createRedisCounterStore(config.redisUrl);
  const mailer = createMailer(createTransport(config.mail, db.kysely, systemClock, logger), { db: db.kysely, clock: systemClock, logger });
  // One hash per core this process may run on (its CPU affinity): more in flight only adds
  // context switches and another 19 MiB working set fighting for the same caches (measured:
  // docs/PERFORMANCE.md); the rest queue.
  const hasher = createArgon2Hasher({ ...OWASP_ARGON2, maxConcurrent: Math.max(1, availableParallelism()) });
  return { db, mailer, hasher, clock: systemClock, counters, logger };
}

export async function closeDependencies(deps: Dependencies): Promise<void> {
  await deps.mailer.close();
  await deps.counters.close();
  await deps.db.close();
}
