/**
 * The package entry for apps that use Gatehouse from their own Node code. The package ships
 * TypeScript: run your app with tsx (or build it with your own TypeScript toolchain).
 */
export { gatehouse, type GatehouseDecorator, type GatehouseOptions } from './integration/plugin.js';
export type { GatehouseSession, RequireSessionOptions, SessionPreHandler } from './integration/require-session.js';
export { createVerifier, type VerifiedUser, type Verifier, type VerifierOptions, type VerifyInput, type VerifyResult } from './integration/verifier.js';
export { buildApp, type Dependencies, type GatehouseApp } from './app.js';
export { createDependencies, closeDependencies } from './deps.js';
export { ConfigError, loadConfig, readEnvironment, type Config } from './config.js';
export { createLogger } from './logger.js';
export { openDatabase, type Db } from './db/database.js';
export { migrateToLatest } from './db/migrations.js';
export { errorBody, type ErrorBody, type ErrorCode } from './errors.js';
export type { OrgRole, UserView } from './account/users.js';
