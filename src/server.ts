import { ConfigError, loadConfig, readEnvironment } from './config.js';
import { buildApp } from './app.js';
import { closeDependencies, createDependencies } from './deps.js';
import { createLogger } from './logger.js';
import { pruneSessions } from './session/sessions.js';
import { prunePendingLogins } from './mfa/pending.js';
import { trackConnections } from './http/drain.js';
import { pruneOidc } from './oidc/prune.js';
import { batchedStdout } from './log-batch.js';

/** Longer than any request should take, shorter than a supervisor's usual stop timeout (30 s+). */
const SHUTDOWN_DEADLINE_MS = 20_000;
/**
 * A request still arriving this long after the signal is a stalled client, not work in flight: its
 * connection is closed (it never reached a handler). Short, so one slow client cannot hold a
 * rolling restart; long enough for a body already on its way.
 */
const SHUTDOWN_RECEIVE_GRACE_MS = 2_000;
/** Handlers and responses in flight get this long; then every connection is closed so the pools can close before the deadline. */
const SHUTDOWN_FORCE_CLOSE_MS = 15_000;
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 1000;
const LOG_BUFFER_MAX_BYTES = 16 * 1024 * 1024;

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(readEnvironment());
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`gatehouse: refusing to start.\n${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const logs = batchedStdout({ batchBytes: LOG_BATCH_BYTES, flushIntervalMs: LOG_FLUSH_INTERVAL_MS, maxBufferBytes: LOG_BUFFER_MAX_BYTES });
  const flushLogsNow = logs.flushNow;
  const logger = createLogger(config.logLevel, logs.stream);
  const deps = await createDependencies(config, logger);
  const { app } = await buildApp(config, deps);
  const connections = trackConnections(app.server);
  const prune = setInterval(() => {
    pruneSessions(deps.db.kysely, deps.clock.now()).catch(() => undefined);
    prunePendingLogins(deps.db.kysely, deps.clock.now()).catch(() => undefined);
    pruneOidc(deps.db, deps.clock.now()).catch(() => undefined);
  }, 10 * 60_000);
  prune.unref();

  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down: finishing in-flight requests');
    clearInterval(prune);
    // Never hang forever: a supervisor would SIGKILL us anyway, and a stuck exit is harder to diagnose.
    const deadline = setTimeout(() => {
      logger.error({ afterMs: SHUTDOWN_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    let code = 0;
    // A keep-alive connection (a proxy's upstream pool, a browser) whose request was in flight
    // turns idle only after its response; close it then, or closing would wait for the client.
    // After the grace period, connections whose request is still arriving go too (Node stops
    // enforcing REQUEST_TIMEOUT once closing); after the force period, everything.
    const signalledAt = Date.now();
    const sweep = setInterval(() => {
      app.server.closeIdleConnections();
      const elapsed = Date.now() - signalledAt;
      if (elapsed >= SHUTDOWN_FORCE_CLOSE_MS) {
        const closed = connections.closeAll();
        if (closed > 0) logger.warn({ connections: closed }, 'shutdown closed connections still busy after the grace period');
      } else if (elapsed >= SHUTDOWN_RECEIVE_GRACE_MS) {
        const closed = connections.closeAllButHandling();
        if (closed > 0) logger.warn({ connections: closed }, 'shutdown closed connections whose request never arrived in full');
      }
    }, 100);
    try {
      // Stops accepting, answers 503 to requests arriving meanwhile, waits for the in-flight ones.
      await app.close();
    } catch (e) {
      code = 1;
      logger.error({ err: e }, 'closing the HTTP server failed');
    } finally {
      clearInterval(sweep);
    }
    try {
      // Background email deliveries, Redis and the database pool, in that order.
      await closeDependencies(deps);
    } catch (e) {
      code = 1;
      logger.error({ err: e }, 'closing the dependencies failed');
    }
    logger.info('stopped');
    flushLogsNow();
    process.exit(code);
  }
  await app.listen({ host: config.host, port: config.port });
  // Only once listening: before that a signal's default action (exit at once) loses nothing.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  logger.info({ url: config.publicUrl }, 'gatehouse is listening');
  flushLogsNow();
}

main().catch((e: unknown) => {
  process.stderr.write(`gatehouse: failed to start: ${e instanceof Error ? e.message : 'unknown error'}\n`);
  process.exit(1);
});
