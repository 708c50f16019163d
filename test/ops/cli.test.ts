import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { verify } from '@node-rs/argon2';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import { childEnv, REPO, runCli, tempDir } from './processes.js';

const ADMIN_PASSWORD = 'fake-Admin-passphrase-for-cli-tests';
const FAKE_SECRET = 'fake-canary-secret-for-cli-tests-0123456789-abcdefghij';

interface Workspace {
  readonly dir: string;
  readonly env: Record<string, string>;
  readonly dbFile: string;
}

function workspace(): Workspace {
  const dir = tempDir();
  const dbFile = join(dir, 'gatehouse.db');
  return { dir, dbFile, env: { DATABASE_URL: `sqlite:${dbFile}` } };
}

const opened: Db[] = [];
function open(ws: Workspace): Db {
  const db = openDatabase(`sqlite:${ws.dbFile}`);
  opened.push(db);
  return db;
}
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});

async function userRow(ws: Workspace, email: string) {
  return open(ws).kysely.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
}

async function userCount(ws: Workspace): Promise<number> {
  const rows = await open(ws).kysely.selectFrom('users').select('id').execute();
  return rows.length;
}

describe('cli: migrate', () => {
  it('applies the migrations once, then reports the database up to date', async () => {
    const ws = workspace();
    const first = await runCli(['migrate'], { env: ws.env, cwd: ws.dir });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/applied: 0001_initial/);
    expect(await userCount(ws)).toBe(0); // the table exists

    const second = await runCli(['migrate'], { env: ws.env, cwd: ws.dir });
    expect(second.code).toBe(0);
    expect(second.stdout).not.toMatch(/applied:/);
    expect(second.stdout).toMatch(/up to date/);
  });

  it('uses the default ./data/gatehouse.db relative to the working directory and writes no dev secret', async () => {
    const dir = tempDir();
    const result = await runCli(['migrate'], { env: {}, cwd: dir });
    expect(result.code).toBe(0);
    expect(existsSync(join(dir, 'data', 'gatehouse.db'))).toBe(true);
    expect(existsSync(join(dir, 'data', 'session-secret'))).toBe(false);
  });

  it('an invalid configuration is reported and nothing is created', async () => {
    const dir = tempDir();
    const result = await runCli(['migrate'], { env: { DATABASE_URL: 'mysql://x', MAX_SESSIONS: '0' }, cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/DATABASE_URL must be/);
    expect(result.stderr).toMatch(/MAX_SESSIONS must be an integer/);
    expect(existsSync(join(dir, 'data'))).toBe(false);
  });
});

describe('cli: create-admin', () => {
  it('creates a verified site admin owning a new organization, password from stdin, hashed with argon2id (OWASP)', async () => {
    const ws = workspace();
    const result = await runCli(['create-admin', '--email', '  Root@Example.COM '], { env: ws.env, cwd: ws.dir, input: `${ADMIN_PASSWORD}\n` });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout + result.stderr).not.toContain(ADMIN_PASSWORD);

    const user = await userRow(ws, 'root@example.com');
    expect(user).toBeDefined();
    expect(user?.role).toBe('admin');
    expect(user?.email_verified).toBe(1);
    expect(user?.disabled).toBe(0);
    expect(user?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verify(user?.password_hash ?? '', ADMIN_PASSWORD)).toBe(true);
    const membership = await open(ws).kysely.selectFrom('memberships').selectAll().where('user_id', '=', user?.id ?? '').executeTakeFirst();
    expect(membership?.role).toBe('owner');
    expect(await userCount(ws)).toBe(1);
  });

  it('reads only the first line of stdin and keeps the password exactly (no trimming)', async () => {
    const ws = workspace();
    const password = `  ${ADMIN_PASSWORD} `;
    const result = await runCli(['create-admin', '--email', 'spaces@example.com'], { env: ws.env, cwd: ws.dir, input: `${password}\r\nsecond line\n` });
    expect(result.code).toBe(0);
    const user = await userRow(ws, 'spaces@example.com');
    expect(await verify(user?.password_hash ?? '', password)).toBe(true);
    expect(await verify(user?.password_hash ?? '', password.trim())).toBe(false);
  });

  it('promotes an existing user to verified admin and leaves the password alone', async () => {
    const ws = workspace();
    const db = open(ws);
    await migrateToLatest(db);
    const now = Date.now();
    await db.kysely
      .insertInto('users')
      .values({ id: 'u1', email: 'member@example.com', name: 'Member', password_hash: 'kept-hash', email_verified: 0, role: 'user', disabled: 0, created_at: now, updated_at: now, password_changed_at: now, email_changed_at: now })
      .execute();

    const result = await runCli(['create-admin', '--email', 'Member@Example.com'], { env: ws.env, cwd: ws.dir, input: `${ADMIN_PASSWORD}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/promoted member@example.com/);
    const user = await userRow(ws, 'member@example.com');
    expect(user?.role).toBe('admin');
    expect(user?.email_verified).toBe(1);
    expect(user?.password_hash).toBe('kept-hash');
    expect(user?.id).toBe('u1');
    expect(await userCount(ws)).toBe(1);

    const again = await runCli(['create-admin', '--email', 'member@example.com'], { env: ws.env, cwd: ws.dir });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already a verified site admin/);
  });

  const refused: [string, string, string, RegExp][] = [
    ['a common password', 'admin@example.com', 'password123\n', /password refused: .*too common/],
    ['a short password', 'admin@example.com', 'Xy7!q\n', /password refused: .*at least 8/],
    ['a password containing the email', 'rootadmin@example.com', 'my-rootadmin-secret-9\n', /password refused: .*email/],
    ['an empty stdin', 'admin@example.com', '', /no password on standard input/],
    ['an invalid email', 'not-an-email', `${ADMIN_PASSWORD}\n`, /invalid email address/],
  ];

  it.each(refused)('refuses %s: exit 1, clear message, no account', async (_name, email, input, message) => {
    const ws = workspace();
    const result = await runCli(['create-admin', '--email', email], { env: ws.env, cwd: ws.dir, input });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    if (input.trim() !== '') expect(result.stdout + result.stderr).not.toContain(input.trim());
    if (existsSync(ws.dbFile)) expect(await userCount(ws)).toBe(0);
  });

  it('without --email: usage error (exit 2)', async () => {
    const ws = workspace();
    const result = await runCli(['create-admin'], { env: ws.env, cwd: ws.dir, input: `${ADMIN_PASSWORD}\n` });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/needs --email/);
  });

  it('on a terminal, prompts twice without echoing the password', async () => {
    const ws = workspace();
    const tsx = resolve(REPO, 'node_modules/tsx/dist/esm/index.mjs');
    const command = `'${process.execPath}' --import '${tsx}' '${resolve(REPO, 'src/cli.ts')}' create-admin --email tty@example.com`;
    // util-linux `script` gives the CLI a pseudo-terminal, as an operator's shell would.
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: ws.dir, env: childEnv({ ...ws.env, TERM: 'dumb' }) });
    let output = '';
    const waitFor = (text: string): Promise<void> =>
      new Promise((resolveWait) => {
        const check = (): void => {
          if (!output.includes(text)) {
            setTimeout(check, 20);
            return;
          }
          resolveWait();
        };
        check();
      });
    child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
    const exit = new Promise<number | null>((r) => child.on('close', r));

    await waitFor('Password for the new admin:');
    child.stdin.write(`${ADMIN_PASSWORD}\r`);
    await waitFor('Repeat the password:');
    child.stdin.write(`${ADMIN_PASSWORD}\r`);
    expect(await exit).toBe(0);
    expect(output).toMatch(/created site admin tty@example.com/);
    expect(output).not.toContain(ADMIN_PASSWORD);
    expect((await userRow(ws, 'tty@example.com'))?.role).toBe('admin');
  });
});

describe('cli: doctor', () => {
  const safe: Record<string, string> = {
    NODE_ENV: 'production',
    PUBLIC_URL: 'https://auth.example.com',
    SESSION_SECRET: FAKE_SECRET.replace('fake-', 'Qz9-'),
    MAIL_TRANSPORT: 'resend',
    RESEND_API_KEY: 're_fake_key_doctor',
    MAIL_FROM: 'Gatehouse <no-reply@auth.example.com>',
    REDIS_URL: 'redis://127.0.0.1:6379',
    DATABASE_URL: 'postgres://gatehouse:fake-db-password@127.0.0.1:5432/gatehouse',
    TRUST_PROXY: '1',
  };

  it('a production-ready environment: exit 0, secrets never printed', async () => {
    const result = await runCli(['doctor'], { env: safe });
    expect(result.stdout).not.toMatch(/^ERROR/m);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 error\(s\)/);
    for (const secret of [safe.SESSION_SECRET ?? '', 're_fake_key_doctor', 'fake-db-password']) {
      expect(result.stdout + result.stderr).not.toContain(secret);
    }
  });

  const unsafe: [string, Record<string, string | undefined>, RegExp][] = [
    ['no SESSION_SECRET', { SESSION_SECRET: undefined }, /ERROR\s+SESSION_SECRET/],
    ['a short SESSION_SECRET', { SESSION_SECRET: 'fake-short-canary' }, /ERROR\s+SESSION_SECRET/],
    ['MAIL_TRANSPORT=outbox', { MAIL_TRANSPORT: 'outbox' }, /ERROR\s+MAIL_TRANSPORT/],
    ['MAIL_TRANSPORT=console', { MAIL_TRANSPORT: 'console' }, /ERROR\s+MAIL_TRANSPORT/],
    ['no MAIL_TRANSPORT', { MAIL_TRANSPORT: undefined }, /ERROR\s+MAIL_TRANSPORT/],
    ['resend without a key', { RESEND_API_KEY: undefined }, /ERROR\s+MAIL_TRANSPORT/],
    ['an http PUBLIC_URL', { PUBLIC_URL: 'http://auth.example.com' }, /ERROR\s+PUBLIC_URL/],
    ['no PUBLIC_URL', { PUBLIC_URL: undefined }, /ERROR\s+PUBLIC_URL/],
    ['an invalid MAX_SESSIONS', { MAX_SESSIONS: '0' }, /ERROR\s+MAX_SESSIONS/],
  ];

  it.each(unsafe)('%s: exit 1, the finding named, no secret printed', async (_name, patch, finding) => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...safe, ...patch })) if (v !== undefined) env[k] = v;
    const result = await runCli(['doctor'], { env });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(finding);
    expect(result.stdout).toMatch(/NOT safe for production/);
    const canaries = [env.SESSION_SECRET, env.RESEND_API_KEY, 'fake-db-password'].filter((c): c is string => typeof c === 'string');
    for (const canary of canaries) expect(result.stdout + result.stderr).not.toContain(canary);
  });

  it('reads ./.env like the server does (the real environment wins)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.env'), 'PUBLIC_URL=http://from-dotenv.example.com\nMAIL_TRANSPORT=outbox\nMAX_SESSIONS=0\n');
    const result = await runCli(['doctor'], { env: safe, cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/ERROR\s+MAX_SESSIONS/); // only in .env: read
    expect(result.stdout).not.toMatch(/ERROR\s+PUBLIC_URL/); // real https value wins
    expect(result.stdout).not.toMatch(/ERROR\s+MAIL_TRANSPORT/); // real resend wins
  });
});
