import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const NGINX_EXAMPLE = fileURLToPath(new URL('../../docs/examples/nginx-forward-auth.conf', import.meta.url));
export const CADDY_EXAMPLE = fileURLToPath(new URL('../../docs/examples/Caddyfile-forward-auth', import.meta.url));

/** Debian's nginx lives in /usr/sbin, which is not on every user's PATH. */
export function findBinary(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

function replaceAll(text: string, from: string | RegExp, to: string, what: string, expected: number): string {
  const count = text.split(from).length - 1;
  // The documented file changed shape: the test must be updated with it, never silently skip a part.
  if (count !== expected) throw new Error(`documented proxy configuration: expected ${String(expected)} × ${what}, found ${String(count)}`);
  return text.split(from).join(to);
}

export interface ProxyPorts {
  readonly listen: number;
  readonly gatehouse: number;
  readonly app: number;
}

/** The documented nginx configuration with only its addresses and transport (TLS) replaced. */
export async function documentedNginxConfig(ports: ProxyPorts): Promise<string> {
  let conf = await readFile(NGINX_EXAMPLE, 'utf8');
  conf = replaceAll(conf, /# transport: begin[\s\S]*?# transport: end/, `listen 127.0.0.1:${String(ports.listen)};`, 'transport section', 1);
  conf = replaceAll(conf, 'server 127.0.0.1:3000;', `server 127.0.0.1:${String(ports.gatehouse)};`, 'Gatehouse upstream', 1);
  conf = replaceAll(conf, 'server 127.0.0.1:8080;', `server 127.0.0.1:${String(ports.app)};`, 'app upstream', 1);
  return conf;
}

/** The documented Caddyfile with only its addresses replaced (plain HTTP on loopback, no admin API). */
export async function documentedCaddyfile(ports: ProxyPorts, dir: string): Promise<string> {
  let conf = await readFile(CADDY_EXAMPLE, 'utf8');
  conf = replaceAll(conf, 'app.example.com {', `http://127.0.0.1:${String(ports.listen)} {`, 'site address', 1);
  conf = replaceAll(conf, '127.0.0.1:3000', `127.0.0.1:${String(ports.gatehouse)}`, 'Gatehouse address', 2);
  conf = replaceAll(conf, '127.0.0.1:8080', `127.0.0.1:${String(ports.app)}`, 'app address', 2);
  return `{\n\tadmin off\n\tauto_https off\n\tstorage file_system ${dir}/data\n}\n\n${conf}`;
}

export interface RunningProxy {
  readonly port: number;
  readonly dir: string;
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${String(child.exitCode)}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error('nginx did not start listening');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** nginx in the foreground, as the current user, every path (pid, logs, temp files) in a temp dir. */
export async function startNginx(binary: string, ports: ProxyPorts): Promise<RunningProxy> {
  const site = await documentedNginxConfig(ports);
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-nginx-'));
  for (const sub of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await mkdir(join(dir, sub));
  const asRoot = process.getuid?.() === 0;
  const conf = `
# As root, workers would switch to "nobody" and lose access to the temp dir.
${asRoot ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
  const confPath = join(dir, 'nginx.conf');
  await writeFile(confPath, conf);
  const child = spawn(binary, ['-p', `${dir}/`, '-e', `${dir}/error.log`, '-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  return supervise(child, dir, ports.listen, 'SIGQUIT');
}

/** Caddy in the foreground, its data and config directories in a temp dir. */
export async function startCaddy(binary: string, ports: ProxyPorts): Promise<RunningProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-caddy-'));
  const confPath = join(dir, 'Caddyfile');
  await writeFile(confPath, await documentedCaddyfile(ports, dir));
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') };
  const child = spawn(binary, ['run', '--config', confPath, '--adapter', 'caddyfile'], { stdio: ['ignore', 'ignore', 'pipe'], env });
  return supervise(child, dir, ports.listen, 'SIGTERM');
}

async function supervise(child: ChildProcess, dir: string, port: number, stopSignal: NodeJS.Signals): Promise<RunningProxy> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const errorLog = async (): Promise<string> => `${stderr}${await readFile(join(dir, 'error.log'), 'utf8').catch(() => '')}`;
  try {
    await waitForPort(port, child, 10_000);
  } catch (e) {
    child.kill('SIGKILL');
    throw new Error(`${e instanceof Error ? e.message : 'nginx failed'}\n${await errorLog()}`);
  }
  return {
    port,
    dir,
    errorLog,
    async stop(): Promise<void> {
      const pid = child.pid;
      if (pid !== undefined && child.exitCode === null) {
        const exited = new Promise<void>((resolve) => {
          child.once('exit', () => {
            resolve();
          });
        });
        // Our own proxy, by its own PID: a graceful stop; SIGKILL if it hangs.
        process.kill(pid, stopSignal);
        const timer = setTimeout(() => process.kill(pid, 'SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** The "protected app": records every request it gets and answers 200. */
export async function startUpstream(): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"app":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return { server, port, seen };
}

export interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A plain HTTP client (no fetch: it would add its own Origin and headers). */
export async function send(port: number, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: { ...headers, ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }) }, agent: false }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `name=value` pairs from Set-Cookie, for the next request's Cookie header. */
export function cookiesFrom(answer: Answer): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of answer.headers['set-cookie'] ?? []) {
    const [pair = ''] = line.split(';');
    const eq = pair.indexOf('=');
    if (eq > 0) jar[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return jar;
}

export function cookieHeader(jar: Record<string, string>): string {
  return Object.entries(jar)
    .map(([k, v]) => `${k}=${v}`)
    .join('; ');
}
