/** Just enough of a client to create the benchmark's accounts and sessions over the real API. */
import { Secret, TOTP } from 'otpauth';

export const BENCH_PASSWORD = 'correct horse battery staple 42';

/** The `name=value` pairs of a response's Set-Cookie headers. */
function cookiePairs(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0] ?? '');
}

/** The `name=value` pair of one cookie a response sets, ready for a Cookie header. */
export function cookiePair(res: Response, name: string): string | undefined {
  return cookiePairs(res).find((pair) => pair.startsWith(`${name}=`));
}

/** The current code of a TOTP secret, with the contract's parameters (SHA-1, 6 digits, 30 s). */
export function totpCodeNow(secretBase32: string): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secretBase32) }).generate();
}

function cookieHeader(res: Response): string {
  const pairs = cookiePairs(res);
  const live = pairs.filter((p) => !p.endsWith('='));
  if (live.length < 2) throw new Error(`expected a cookie pair, got ${String(live.length)} cookies (status ${String(res.status)})`);
  return live.join('; ');
}

async function postJson(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** Registers an account and returns the `Cookie` header of its session (both cookies, as a browser sends). */
export async function register(base: string, email: string): Promise<string> {
  const res = await postJson(`${base}/api/auth/register`, { email, password: BENCH_PASSWORD, name: 'Bench User' });
  if (res.status !== 201) throw new Error(`register ${email}: HTTP ${String(res.status)} ${await res.text()}`);
  await res.body?.cancel();
  return cookieHeader(res);
}

export async function login(base: string, email: string): Promise<string> {
  const res = await postJson(`${base}/api/auth/login`, { email, password: BENCH_PASSWORD });
  if (res.status !== 200) throw new Error(`login ${email}: HTTP ${String(res.status)} ${await res.text()}`);
  await res.body?.cancel();
  return cookieHeader(res);
}

export async function expectStatus(url: string, headers: Record<string, string>, status: number): Promise<void> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== status) throw new Error(`GET ${url}: expected ${String(status)}, got ${String(res.status)} ${text.slice(0, 200)}`);
}
