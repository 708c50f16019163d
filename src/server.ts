import { ConfigError, loadConfig, readEnvironment } from './config.js';
import { buildApp } from './app.js';
import { closeDependencies, createDependencies } from './deps.js';
import { createLogger } from './logger.js';
import { pruneSessions } from './session/sessions.js';

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
  const logger = createLogger(config.logLevel);
  const deps = await createDependencies(config, logger);
  const { app } = await buildApp(config, deps);
  const prune = setInterval(() => {
    pruneSessions(deps.db.kysely, deps.clock.now()).catch(() => undefined);
  }, 10 * 60_000);
  prune.unref();

  let closing = false;
  async function shutdown(signal: string): Promise<void> {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    clearInterval(prune);
    // Stops accepting, lets in-flight requests finish, then closes pools.
    await app.close();
    await closeDependencies(deps);
    process.exit(0);
  }
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.host, port: config.port });
  logger.info({ url: config.publicUrl }, 'gatehouse is listening');
}

main().catch((e: unknown) => {
  process.stderr.write(`gatehouse: failed to start: ${e instanceof Error ? e.message : 'unknown error'}\n`);
  process.exit(1);
});
