import pg from 'pg';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/** API suites that must behave identically on both databases. */
const DIALECT_SUITES = [
  'test/core/**/*.test.ts',
  'test/email/**/*.test.ts',
  'test/org/**/*.test.ts',
  'test/profile/**/*.test.ts',
  'test/admin/**/*.test.ts',
  'test/forward-auth/**/*.test.ts',
  'test/mfa/**/*.test.ts',
  'test/identities/**/*.test.ts',
  'test/smoke.test.ts',
  'test/oidc/**/*.test.ts',
];

/** Not dialect-parameterized, runs once, and must not overlap other suites (it restarts PostgreSQL). */
const MULTI_INSTANCE = 'test/multi-instance/**/*.test.ts';
const BROWSER = 'test/e2e/**/*.test.ts';

async function postgresUnavailable(): Promise<string | null> {
  const url = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (e) {
    return `PostgreSQL not reachable (${e instanceof Error ? e.message : 'error'})`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export default defineConfig(async () => {
  const projects: TestProjectInlineConfiguration[] = [
    { extends: true, test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: [MULTI_INSTANCE, BROWSER], env: { TEST_DIALECT: 'sqlite' } } },
    // Real Chromium against a real server: one retry absorbs a click that times out on a loaded machine.
    { extends: true, test: { name: 'browser', include: [BROWSER], retry: 1, env: { TEST_DIALECT: 'sqlite' } } },
    // Real server processes on PostgreSQL + Redis; it restarts PostgreSQL, so it runs alone, after every other project.
    // Its files run one after another too: one of them restarts PostgreSQL under the others.
    { extends: true, test: { name: 'multi-instance', include: [MULTI_INSTANCE], sequence: { groupOrder: 1 }, fileParallelism: false } },
  ];
  const pgProblem = await postgresUnavailable();
  if (pgProblem === null || process.env.CI === 'true') {
    // Under CI a missing PostgreSQL is kept in the run, so its suites fail loudly.
    projects.push({ extends: true, test: { name: 'postgres', include: DIALECT_SUITES, env: { TEST_DIALECT: 'postgres' } } });
  } else {
    process.stdout.write(`skipped: postgres suites: ${pgProblem}\n`);
  }
  return {
    test: {
      testTimeout: 30_000,
      hookTimeout: 60_000,
      pool: 'forks',
      projects,
    },
  };
});
