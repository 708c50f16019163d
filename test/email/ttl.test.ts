import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJwt } from 'jose';
import { Agent, buildTestApp, registerUser, tokenFromEmail, uniqueEmail, type TestApp } from '../helpers/app.js';
import { createTestClock } from '../../src/clock.js';
import { expectError } from '../helpers/mail.js';

/**
 * Email-token lifetimes, with the test clock advanced (never slept). Expiry is UTC epoch arithmetic
 * only, so every assertion must hold whatever the process time zone is. Proven two ways:
 *  - in this process, the zone is switched at run time (Node re-reads process.env.TZ) and the whole
 *    matrix runs under each zone, starting right before a DST change and a local midnight;
 *  - this same file is run again in child processes started under TZ=America/Los_Angeles and
 *    TZ=Pacific/Kiritimati (CHILD mode: only the zone the process was started with).
 */
const CHILD = process.env.GH_TTL_TZ_CHILD === '1';
const ZONES = CHILD ? [process.env.TZ ?? 'UTC'] : ['UTC', 'America/Los_Angeles', 'Pacific/Kiritimati'];

const STARTS: Record<string, number> = {
  // 01:59:30 PST in Los Angeles (clocks jump to 03:00 at 10:00Z) and 23:59:30 in Kiritimati (UTC+14).
  'before the March DST jump': Date.UTC(2026, 2, 8, 9, 59, 30),
  // 01:59:30 PDT in Los Angeles (clocks fall back to 01:00 at 09:00Z).
  'before the November DST fall-back': Date.UTC(2026, 10, 1, 8, 59, 30),
};

interface Flow {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly ttlMs: number;
  readonly wording: string;
  /** A fresh token, issued at the current test-clock time. */
  issue(t: TestApp): Promise<string>;
  use(t: TestApp, token: string): Promise<import('fastify').LightMyRequestResponse>;
}

let ip = 0;
function nextIp(): string {
  ip += 1;
  return `10.9.${String(Math.floor(ip / 250))}.${String(ip % 250)}`;
}

function verifyFlow(ttl: string | undefined, ttlMs: number, wording: string): Flow {
  return {
    name: `VERIFY_TOKEN_TTL=${ttl ?? '(default 24h)'}`,
    env: ttl === undefined ? {} : { VERIFY_TOKEN_TTL: ttl },
    ttlMs,
    wording,
    async issue(t) {
      const { email } = await registerUser(t, {}, nextIp());
      return tokenFromEmail(t, email, '/verify-email');
    },
    use: (t, token) => new Agent(t, nextIp()).post('/api/auth/verify-email', { token }),
  };
}

function resetFlow(ttl: string | undefined, ttlMs: number, wording: string): Flow {
  let email: string | undefined;
  let n = 0;
  return {
    name: `RESET_TOKEN_TTL=${ttl ?? '(default 15m)'}`,
    env: ttl === undefined ? {} : { RESET_TOKEN_TTL: ttl },
    ttlMs,
    wording,
    async issue(t) {
      email ??= (await registerUser(t, { email: uniqueEmail('ttl-reset') }, nextIp())).email;
      expect((await new Agent(t, nextIp()).post('/api/auth/forgot-password', { email })).statusCode).toBe(202);
      return tokenFromEmail(t, email, '/reset-password');
    },
    use(t, token) {
      n += 1;
      return new Agent(t, nextIp()).post('/api/auth/reset-password', { token, password: `a fresh passphrase number ${String(n)}` });
    },
  };
}

function flows(): Flow[] {
  return [
    verifyFlow(undefined, 24 * 3_600_000, 'expires in 24 hours'),
    verifyFlow('90m', 90 * 60_000, 'expires in 90 minutes'),
    resetFlow(undefined, 15 * 60_000, 'expires in 15 minutes'),
    resetFlow('45s', 45_000, 'expires in 45 seconds'),
  ];
}

async function expectLifetime(flow: Flow, start: number): Promise<void> {
  const clock = createTestClock(start);
  const t = await buildTestApp({ clock, env: { EMAIL_MAX_PER_ADDRESS: '1000', REGISTER_MAX_PER_IP: '1000', ...flow.env } });
  try {
    // Claims are UTC epoch seconds derived from the injected clock, nothing local.
    const a = await flow.issue(t);
    const claims = decodeJwt(a);
    expect(claims.iat).toBe(Math.floor(clock.now() / 1000));
    expect(claims.exp).toBe(Math.floor((clock.now() + flow.ttlMs) / 1000));
    const mails = await t.outbox();
    expect(mails.at(-1)?.text).toContain(flow.wording);
    expect(mails.at(-1)?.html).toContain(flow.wording);

    // Still valid one second before the end.
    clock.advance(flow.ttlMs - 1000);
    expect((await flow.use(t, a)).statusCode, `${flow.name}: valid 1 s before expiry`).toBe(200);

    // One second past: 410 token_expired.
    const b = await flow.issue(t);
    clock.advance(flow.ttlMs + 1000);
    expectError(await flow.use(t, b), 410, 'token_expired');
    // Far past, too (well beyond any clock leeway).
    clock.advance(7 * 86_400_000);
    expectError(await flow.use(t, b), 410, 'token_expired');

    // A fresh token is valid immediately.
    const c = await flow.issue(t);
    expect((await flow.use(t, c)).statusCode, `${flow.name}: fresh token valid at once`).toBe(200);
  } finally {
    await t.close();
  }
}

const ORIGINAL_TZ = process.env.TZ;

describe.each(ZONES)('email token lifetimes with TZ=%s', (zone) => {
  beforeAll(() => {
    if (!CHILD) process.env.TZ = zone;
  });
  afterAll(() => {
    if (CHILD) return;
    if (ORIGINAL_TZ === undefined) delete process.env.TZ;
    else process.env.TZ = ORIGINAL_TZ;
  });

  it('really runs in that zone', () => {
    expect(Intl.DateTimeFormat().resolvedOptions().timeZone).toBe(zone);
    const offsets = Object.values(STARTS).map((s) => new Date(s).getTimezoneOffset());
    const expected: Record<string, number[]> = { UTC: [0, 0], 'America/Los_Angeles': [480, 420], 'Pacific/Kiritimati': [-840, -840] };
    expect(offsets).toEqual(expected[zone]);
  });

  for (const [label, start] of Object.entries(STARTS)) {
    for (const flow of flows()) {
      it(`${flow.name}: expires one second past its lifetime, ${label}`, async () => {
        await expectLifetime(flow, start);
      });
    }
  }
});

// Time-zone handling does not depend on the database: the child runs happen in the SQLite project only.
describe.skipIf(CHILD || process.env.TEST_DIALECT === 'postgres')('the same file in a process started under another TZ', () => {
  function runUnder(zone: string): Promise<{ code: number | null; output: string }> {
    const vitest = fileURLToPath(new URL('../../node_modules/vitest/vitest.mjs', import.meta.url));
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [vitest, 'run', 'test/email/ttl.test.ts', '--project', 'sqlite', '--reporter=verbose'], {
        cwd: fileURLToPath(new URL('../..', import.meta.url)),
        env: { ...process.env, TZ: zone, GH_TTL_TZ_CHILD: '1', NO_COLOR: '1', FORCE_COLOR: '0', CI: process.env.CI ?? '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.stderr.on('data', (c: Buffer) => (output += c.toString('utf8')));
      child.on('error', reject);
      child.on('close', (code) => {
        resolve({ code, output });
      });
    });
  }

  it('passes under TZ=America/Los_Angeles and TZ=Pacific/Kiritimati', { timeout: 120_000 }, async () => {
    const zones = ['America/Los_Angeles', 'Pacific/Kiritimati'];
    const runs = await Promise.all(zones.map((z) => runUnder(z)));
    const perZone = 1 + Object.keys(STARTS).length * flows().length;
    runs.forEach((run, i) => {
      expect(run.code, `${zones[i] ?? ''}:\n${run.output}`).toBe(0);
      expect(run.output).toContain(`email token lifetimes with TZ=${zones[i] ?? ''}`);
      expect(/Tests\s+(\d+) passed/.exec(run.output)?.[1], run.output).toBe(String(perZone));
    });
  });
});
