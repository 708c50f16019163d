import { createServer, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { trackConnections } from '../../src/http/drain.js';
import { BOOT_LIMIT_MS, expectHealthy, freePort, start, tempDir, type Running } from './processes.js';

/**
 * Slow clients against the real server process over real sockets: a request that declares a body
 * and never sends it, headers that never finish, an idle keep-alive connection. Real time is the
 * subject here (Node's own timers), so elapsed times are measured with generous bounds.
 */

const SECRET = 'fake-slow-client-test-secret-0123456789-abcdefghij';

function devEnv(port: number, dir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'development',
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dir, 'slow.db')}`,
    SESSION_SECRET: SECRET,
    MAIL_TRANSPORT: 'outbox',
    ...extra,
  };
}

interface RawClient {
  readonly socket: Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Resolves when the server closes the connection: the time it took since `open` and what was received. */
  readonly closed: Promise<{ ms: number; data: string }>;
  /** Resolves once the server has sent this much (or closed). */
  waitFor(pattern: RegExp): Promise<string>;
}

async function open(port: number, first: string): Promise<RawClient> {
  const openedAt = Date.now();
  const socket = connect({ host: '127.0.0.1', port });
  let data = '';
  const waiters: (() => void)[] = [];
  socket.on('data', (chunk: Buffer) => {
    data += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<{ ms: number; data: string }>((resolve) => {
    socket.on('close', () => {
      for (const w of waiters.splice(0)) w();
      resolve({ ms: Date.now() - openedAt, data });
    });
  });
  await new Promise<void>((resolve) => socket.once('connect', () => { resolve(); }));
  socket.write(first);
  return {
    socket,
    received: () => data,
    closed,
    async waitFor(pattern) {
      while (!pattern.test(data) && !socket.destroyed) await new Promise<void>((resolve) => waiters.push(resolve));
      return data;
    },
  };
}

/** Resolves with the value, or with 'still open' when the promise has not settled within ms. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'still open'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'still open'>((resolve) => {
    timer = setTimeout(() => { resolve('still open'); }, ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const LOGIN_BODY = JSON.stringify({ email: 'nobody@example.test', password: 'not the password at all' });
const LOGIN_HEAD = `POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${String(Buffer.byteLength(LOGIN_BODY))}\r\n\r\n`;
const STALLED_BODY = 'POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"';
const STALLED_HEADERS = 'POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-';

async function startServer(port: number, extra: Record<string, string> = {}): Promise<Running> {
  const dir = tempDir('gatehouse-slow-');
  const running = start('src/server.ts', [], { env: devEnv(port, dir, extra), cwd: dir, timeoutMs: BOOT_LIMIT_MS + 45_000 });
  await expectHealthy(port, running);
  return running;
}

describe('slow clients (real server process, real sockets)', () => {
  it('REQUEST_TIMEOUT: a body or headers that never arrive in full get 408 and the connection closed; a complete slow-ish request is served', { timeout: BOOT_LIMIT_MS + 60_000 }, async () => {
    const port = await freePort();
    // 3 s, not less: the limit also sets the socket's inactivity timeout (twice it), and on a loaded
    // 2-core CI machine the served request's password hash alone has taken over 2 s.
    const running = await startServer(port, { REQUEST_TIMEOUT: '3s' });
    try {
      const body = await open(port, STALLED_BODY);
      const headers = await open(port, STALLED_HEADERS);
      // A request that takes a while but arrives within the limit is answered normally.
      const halves = await open(port, LOGIN_HEAD + LOGIN_BODY.slice(0, 10));
      await new Promise((r) => setTimeout(r, 300));
      halves.socket.write(LOGIN_BODY.slice(10));
      expect(await halves.waitFor(/\r\n\r\n\{.*\}$/s)).toMatch(/^HTTP\/1\.1 401 /);
      expect(halves.received()).toContain('"invalid_credentials"');
      for (const client of [body, headers]) {
        const result = await within(client.closed, 15_000);
        expect(result).not.toBe('still open');
        if (result === 'still open') continue;
        expect(result.data).toMatch(/^HTTP\/1\.1 408 /);
        expect(result.ms).toBeGreaterThanOrEqual(2_900);
        expect(result.ms).toBeLessThan(15_000);
      }
      halves.socket.destroy();
      // The server is unharmed.
      expect((await fetch(`http://127.0.0.1:${String(port)}/healthz`)).status).toBe(200);
    } finally {
      running.child.kill('SIGTERM');
    }
    expect((await running.finished).code).toBe(0);
  });

  it('SIGTERM with a stalled upload, half-sent headers and an idle keep-alive exits 0 within seconds; a body completing meanwhile is still answered', { timeout: BOOT_LIMIT_MS + 60_000 }, async () => {
    const port = await freePort();
    // The default REQUEST_TIMEOUT (30 s) is longer than the shutdown deadline: closing must not wait for it.
    const running = await startServer(port);
    const idle = await open(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive\r\n\r\n');
    expect(await idle.waitFor(/"status":"ok"/)).toMatch(/^HTTP\/1\.1 200 /);
    const stalledBody = await open(port, STALLED_BODY);
    const stalledHeaders = await open(port, STALLED_HEADERS);
    const inTransit = await open(port, LOGIN_HEAD + LOGIN_BODY.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));

    const signalledAt = Date.now();
    running.child.kill('SIGTERM');
    // Half a second later the rest of that body arrives: it was in flight, so it is answered.
    await new Promise((r) => setTimeout(r, 500));
    inTransit.socket.write(LOGIN_BODY.slice(10));

    const result = await running.finished;
    const tookMs = Date.now() - signalledAt;
    expect(result.stdout).not.toMatch(/did not finish in time/);
    expect(result.code).toBe(0);
    // The stalled connections go after a 2 s grace, not at the 20 s deadline.
    expect(tookMs).toBeLessThan(7_000);
    expect(result.stdout).toMatch(/shutdown closed connections whose request never arrived in full/);
    expect(inTransit.received()).toMatch(/^HTTP\/1\.1 401 /);
    for (const client of [idle, stalledBody, stalledHeaders, inTransit]) {
      expect(await within(client.closed, 2_000)).not.toBe('still open');
    }
    // The stalled requests never reached a handler: nothing was answered on them.
    expect(stalledBody.received()).toBe('');
    expect(stalledHeaders.received()).toBe('');
  });
});

describe('trackConnections (what the shutdown closes, and what it leaves alone)', () => {
  it('closeAllButHandling closes idle connections and requests still arriving, never one whose request is in a handler; closeAll closes the rest', async () => {
    const held: ServerResponse[] = [];
    const server = createServer((request, response) => {
      if (request.url === '/hold') held.push(response);
      else response.end('ok');
    });
    const drain = trackConnections(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => { resolve(); }));
    const port = (server.address() as AddressInfo).port;
    try {
      const handling = await open(port, 'GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
      const idle = await open(port, 'GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
      await idle.waitFor(/ok$/);
      const stalledBody = await open(port, STALLED_BODY);
      const stalledHeaders = await open(port, STALLED_HEADERS);
      while (held.length === 0) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));

      expect(drain.closeAllButHandling()).toBe(3);
      for (const client of [idle, stalledBody, stalledHeaders]) expect(await within(client.closed, 2_000)).not.toBe('still open');
      expect(await within(handling.closed, 200)).toBe('still open');
      // The request in its handler is still answered.
      held[0]?.end('done');
      expect(await handling.waitFor(/done$/)).toMatch(/^HTTP\/1\.1 200 /);
      expect(drain.closeAll()).toBe(1);
      expect(await within(handling.closed, 2_000)).not.toBe('still open');
    } finally {
      server.close();
    }
  });
});
