/**
 * What each per-request layer of Gatehouse costs on its own: the bare route, then with helmet,
 * precomputed headers, @fastify/cookie, pino logging (two lines or one), in interleaved rounds.
 *
 *   npx tsx bench/experiments/ladder.ts        (env: ROUNDS, DURATION)
 */
import { join } from 'node:path';
import { freePort, REPO, SERVER_CORE, spawnPinned, TSX, waitReady, type Spawned } from '../lib/procs.js';
import { runOne } from '../lib/measure.js';

const LADDER: readonly string[] = ['', 'headers', 'helmet', 'cookie', 'asynchook', 'log2', 'log1', 'log1nr', 'log1plain', 'helmet,cookie,asynchook,log2', 'headers,cookie,asynchook,log1', 'headers,cookie,asynchook,log1plain'];

async function start(layers: string): Promise<{ url: string; child: Spawned }> {
  const port = await freePort();
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', PORT: String(port), LAYERS: layers };
  const child = spawnPinned(SERVER_CORE, ['--import', TSX, join(REPO, 'bench', 'experiments', 'ladder-server.ts')], env, REPO);
  const url = `http://127.0.0.1:${String(port)}`;
  await waitReady(child, `${url}/`);
  return { url, child };
}

async function main(): Promise<void> {
  const rounds = Number(process.env.ROUNDS ?? '3');
  const duration = Number(process.env.DURATION ?? '3');
  const servers = [];
  for (const layers of LADDER) servers.push(await start(layers));
  const us: number[][] = LADDER.map(() => []);
  try {
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < LADDER.length; i++) {
        const s = servers[i];
        if (s === undefined) continue;
        const res = await runOne(s.child.pid, { url: `${s.url}/api/x`, connections: 10, durationSec: duration, warmupSec: 1 });
        us[i]?.push((res.cpu * 1e6) / res.rps);
      }
    }
  } finally {
    for (const s of servers) await s.child.stop();
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? Number.NaN;
  const base = med(us[0] ?? []);
  process.stdout.write('| layers | median µs CPU/req | added vs bare |\n|---|--:|--:|\n');
  LADDER.forEach((l, i) => {
    const m = med(us[i] ?? []);
    process.stdout.write(`| ${l === '' ? 'bare' : l} | ${m.toFixed(1)} | ${i === 0 ? '' : `+${(m - base).toFixed(1)}`} |\n`);
  });
}

void main();
