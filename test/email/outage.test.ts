import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createMemoryCounterStore, type CounterStore } from '../../src/rate-limit/counters.js';
import { Agent, STRONG_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { TEST_DATABASE_URL } from '../helpers/app.js';
import { startTcpRelay } from '../helpers/tcp-relay.js';
import { expectError } from '../helpers/mail.js';

/**
 * A database that cannot be reached (a PostgreSQL address where nothing listens: what a restart,
 * failover or network cut looks like to an instance; SQLite, a local file, has no outage of its own).
 */
describe('forgot-password while the database is down', () => {
  let t: TestApp;
  let counters: CounterStore;
  const schema = `gh_outage_${String(process.pid)}_${String(Date.now())}`;
  async function admin(sql: string): Promise<void> {
    const { default: pg } = await import('pg');
    const c = new pg.Client(TEST_DATABASE_URL);
    await c.connect();
    await c.query(sql);
    await c.end();
  }
  beforeAll(async () => {
    // A real, migrated PostgreSQL behind a relay (the app starts as in production: the database
    // answers at boot), then the relay is cut: the address now refuses every connection.
    const target = new URL(TEST_DATABASE_URL);
    const relay = await startTcpRelay(target.hostname, Number(target.port === '' ? '5432' : target.port));
    await admin(`create schema ${schema}`);
    const url = `postgres://${target.username}@127.0.0.1:${String(relay.port)}${target.pathname}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const db = openDatabase(url);
    await migrateToLatest(db);
    counters = createMemoryCounterStore();
    t = await buildTestApp({ database: db, counters });
    await relay.cut();
  });
  afterAll(async () => {
    await t.close();
    await admin(`drop schema if exists ${schema} cascade`);
  });

  it('answers 503 unavailable like every other route that needs the database, and queues and counts nothing', async () => {
    const email = 'someone@example.test';
    const logFrom = t.logs.length;
    const res = await new Agent(t, '10.7.0.1').post('/api/auth/forgot-password', { email });
    expectError(res, 503, 'unavailable');
    expect(res.body).not.toMatch(/ECONNREFUSED|postgres|127\.0\.0\.1/i);
    // Like the routes that read the database on the request path.
    expectError(await new Agent(t, '10.7.0.2').post('/api/auth/login', { email, password: STRONG_PASSWORD }), 503, 'unavailable');
    expect((await t.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    // Nothing was queued (no email "could not be prepared" later) and no limit was spent on it.
    await t.mailer.flush();
    expect(t.logs.slice(logFrom).join('\n')).not.toMatch(/could not be prepared/);
    const now = t.clock.now();
    expect(await counters.peek(`gh:rl:reset-request-addr:${email}`, now)).toBeNull();
    expect(await counters.peek('gh:rl:email-ip:10.7.0.1', now)).toBeNull();
  });
});
