/**
 * Where the resident set goes: builds the production app in process and prints RSS (anon/file) and
 * the V8 heap after each stage. Usage: node --import tsx bench/experiments/memory-probe.ts [sqlite-url]
 */
import { readFileSync } from 'node:fs';

function stage(name: string): void {
  const status = readFileSync('/proc/self/status', 'utf8');
  // eslint-disable-next-line security/detect-non-literal-regexp -- the key is one of our fixed /proc/self/status field names
  const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0) / 1024;
  const m = process.memoryUsage();
  const mb = (n: number): string => (n / 1048576).toFixed(1);
  process.stdout.write(
    `${name.padEnd(34)} rss ${kb('VmRSS').toFixed(1)} (anon ${kb('RssAnon').toFixed(1)}, file ${kb('RssFile').toFixed(1)})  heap ${mb(m.heapUsed)}/${mb(m.heapTotal)}  external ${mb(m.external)}\n`,
  );
}

async function main(): Promise<void> {
  stage('start');
  const { loadConfig } = await import('../../src/config.js');
  const { buildApp } = await import('../../src/app.js');
  const { createDependencies } = await import('../../src/deps.js');
  const { createLogger } = await import('../../src/logger.js');
  const { createArgon2Hasher, OWASP_ARGON2 } = await import('../../src/account/hasher.js');
  stage('imports');
  const config = loadConfig({
    NODE_ENV: 'production',
    SESSION_SECRET: 'memory-probe-secret-0123456789abcdefghijklmnop',
    DATABASE_URL: process.argv[2] ?? 'sqlite::memory:',
    MAIL_TRANSPORT: 'resend',
    RESEND_API_KEY: 're_x',
    RESEND_BASE_URL: 'http://127.0.0.1:9',
    PUBLIC_URL: 'http://localhost:3000',
  });
  const logger = createLogger('silent');
  const deps = await createDependencies(config, logger);
  stage('dependencies (db migrated)');
  await new Promise((r) => setTimeout(r, 500));
  stage('+0.5 s (dummy argon2 hash done)');
  const { app } = await buildApp(config, deps);
  stage('buildApp');
  const email = 'probe@bench.invalid';
  const password = 'correct horse battery staple 42';
  const reg = await app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password, name: 'P' } });
  const cookie = reg.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  stage(`register (${String(reg.statusCode)})`);
  for (let i = 0; i < 20_000; i++) await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
  stage('20k /me');
  await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } })));
  stage('8 logins (2 hashing at once)');
  const hasher = createArgon2Hasher(OWASP_ARGON2);
  await Promise.all(Array.from({ length: 4 }, () => hasher.hash(password)));
  stage('4 more hashes');
  global.gc?.();
  stage('after gc (if --expose-gc)');
  await app.close();
}

void main();
