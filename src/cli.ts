import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, readEnvironment, type Config, type Environment } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { migrateToLatest } from './db/migrations.js';
import { createArgon2Hasher, OWASP_ARGON2 } from './account/hasher.js';
import { auditConfig, hasErrors, productionAdminRequireMfa, type Finding } from './doctor.js';
import { databaseChecks } from './ops/doctor-database.js';
import { providerChecks } from './identities/doctor-providers.js';
import { AdminSetupError, createAdmin, findAccount, promoteToAdmin, requireAdminEmail } from './ops/create-admin.js';
import { promptHidden, readFirstLine } from './ops/prompt.js';
import { OIDC_USAGE, OidcUsageError, oidcCommand } from './oidc/cli.js';

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  migrate                     apply pending database migrations (DATABASE_URL)
  create-admin --email E      create a verified site admin with its own organization,
       [--name N]             or promote an existing user to admin (password unchanged);
                              the password is read from stdin (first line) when stdin is
                              not a terminal, else prompted without echo
  doctor                      audit this environment for production; exit 1 on any error
${OIDC_USAGE}  help                        show this text

The environment (and ./.env when present) is read exactly as the server reads it.
`;

class UsageError extends Error {}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Where the database is, without credentials. */
function describeDatabase(url: string): string {
  if (url.startsWith('sqlite:')) return url;
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

async function withDatabase<T>(config: Config, task: (db: Db) => Promise<T>): Promise<T> {
  const db = openDatabase(config.databaseUrl);
  try {
    return await task(db);
  } finally {
    await db.close();
  }
}

async function migrate(config: Config): Promise<number> {
  const applied = await withDatabase(config, migrateToLatest);
  out(`database: ${describeDatabase(config.databaseUrl)}`);
  if (applied.length === 0) out('migrations: already up to date');
  for (const name of applied) out(`applied: ${name}`);
  return 0;
}

async function readPassword(): Promise<string> {
  if (!process.stdin.isTTY) {
    const line = await readFirstLine(process.stdin);
    if (line === undefined || line === '') throw new AdminSetupError('no password on standard input (pipe one line)');
    return line;
  }
  const first = await promptHidden('Password for the new admin: ');
  const again = await promptHidden('Repeat the password: ');
  if (first !== again) throw new AdminSetupError('the two passwords differ');
  return first;
}

async function createAdminCommand(config: Config, rawEmail: string | undefined, name: string | undefined): Promise<number> {
  if (rawEmail === undefined) throw new UsageError('create-admin needs --email');
  const email = requireAdminEmail(rawEmail);
  return withDatabase(config, async (db) => {
    await migrateToLatest(db);
    const now = Date.now();
    const existing = await findAccount(db, email);
    if (existing !== undefined) {
      const changed = await promoteToAdmin(db, existing, email, now);
      out(changed ? `promoted ${email} to site admin (verified; password unchanged)` : `${email} is already a verified site admin`);
      if (existing.disabled) out('note: this account is disabled; enable it before signing in');
      return 0;
    }
    const password = await readPassword();
    await createAdmin(db, createArgon2Hasher(OWASP_ARGON2), {
      email,
      password,
      name: name ?? 'Administrator',
      passwordMinLength: config.passwordMinLength,
      now,
    });
    out(`created site admin ${email} (verified, owner of a new organization)`);
    return 0;
  });
}

function formatFinding(f: Finding): string {
  return `${f.severity.toUpperCase().padEnd(7)} ${f.subject.padEnd(24)} ${f.message}`;
}

/** The database this environment names, when its configuration loads at all (the audit says why not). */
function tryDatabaseUrl(env: Environment): string | undefined {
  try {
    return loadConfig(env, { persistDevSecret: false }).databaseUrl;
  } catch {
    return undefined;
  }
}

async function doctor(): Promise<number> {
  const env = readEnvironment();
  const findings = auditConfig(env);
  const databaseUrl = tryDatabaseUrl(env);
  // The signing keys are checked against the secrets the server would open them with.
  const secrets = env.SESSION_SECRET === undefined || env.SESSION_SECRET === '' ? [] : [env.SESSION_SECRET, env.SESSION_SECRET_PREVIOUS].filter((x): x is string => x !== undefined && x !== '');
  if (databaseUrl !== undefined) findings.push(...(await databaseChecks(databaseUrl, productionAdminRequireMfa(env), { now: Date.now(), secrets })));
  findings.push(...(await providerChecks(env)));
  out('gatehouse doctor: this environment, audited for production');
  for (const f of findings) out(formatFinding(f));
  const count = (s: Finding['severity']): number => findings.filter((f) => f.severity === s).length;
  const verdict = hasErrors(findings) ? 'NOT safe for production' : 'no blocking problem for production';
  out(`${String(count('error'))} error(s), ${String(count('warning'))} warning(s), ${String(count('info'))} note(s): ${verdict}`);
  return hasErrors(findings) ? 1 : 0;
}

function loadCliConfig(): Config {
  // Never writes a development secret: the CLI signs no token.
  return loadConfig(readEnvironment(), { persistDevSecret: false });
}

async function run(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      'redirect-uri': { type: 'string', multiple: true },
      'post-logout-redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      'first-party': { type: 'boolean' },
      'id-token-alg': { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help === true || command === undefined || command === 'help') {
    out(USAGE);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (command === 'oidc-client' || command === 'oidc-keys') {
    // Keys are sealed with SESSION_SECRET: in development, the very secret the server keeps in ./data.
    const config = command === 'oidc-keys' ? loadConfig(readEnvironment()) : loadCliConfig();
    return oidcCommand(config, command, positionals.slice(1), values, out);
  }
  if (positionals.length > 1) throw new UsageError(`unexpected argument: ${positionals[1] ?? ''}`);
  switch (command) {
    case 'migrate':
      return migrate(loadCliConfig());
    case 'create-admin':
      return createAdminCommand(loadCliConfig(), values.email, values.name);
    case 'doctor':
      return doctor();
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

function failure(e: unknown): number {
  if (e instanceof ConfigError) {
    process.stderr.write(`gatehouse: ${e.message}\n`);
    return 1;
  }
  if (e instanceof OidcUsageError) {
    process.stderr.write(`gatehouse: ${e.message}\n`);
    return 2;
  }
  if (e instanceof AdminSetupError) {
    process.stderr.write(`gatehouse: ${e.message}\n`);
    return 1;
  }
  if (e instanceof UsageError || (e instanceof TypeError && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))) {
    process.stderr.write(`gatehouse: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  // Library messages can carry SQL or connection details; the name is enough to start looking.
  process.stderr.write(`gatehouse: failed: ${e instanceof Error ? e.name : 'unknown error'}${e instanceof Error && 'code' in e ? ` (${String(e.code)})` : ''}\n`);
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = failure(e);
  },
);
