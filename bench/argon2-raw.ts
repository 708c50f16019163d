/**
 * The raw argon2id verification rate with Gatehouse's production parameters, on the core this
 * process is pinned to, with `concurrency` verifications in flight (what the server's limit allows).
 * Prints one JSON line: {rate, concurrency, msPerVerify, cpu, sysMsPerVerify}: `cpu` is this process's
 * CPU time over the measured window as a fraction of it (all threads: the hashing runs on libuv's
 * pool), and `sysMsPerVerify` the kernel's part of it per verification (argon2's memory is mapped
 * and zeroed afresh for every hash).
 */
import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { OWASP_ARGON2 } from '../src/account/hasher.js';
import { BENCH_PASSWORD } from './lib/client.js';

// `Algorithm.Argon2id` is a const enum, which isolated modules cannot read at run time.
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
const ARGON2ID = 2 as Algorithm.Argon2id;

async function loop(encoded: string, untilMs: number): Promise<number> {
  let n = 0;
  while (Date.now() < untilMs) {
    if (!(await verify(encoded, BENCH_PASSWORD))) throw new Error('verification failed');
    n += 1;
  }
  return n;
}

async function main(): Promise<void> {
  const concurrency = Number(process.argv[2] ?? String(OWASP_ARGON2.maxConcurrent));
  const seconds = Number(process.argv[3] ?? '5');
  const { memoryCost, timeCost, parallelism } = OWASP_ARGON2;
  const encoded = await hash(BENCH_PASSWORD, { algorithm: ARGON2ID, memoryCost, timeCost, parallelism });
  const lanes = Array.from({ length: concurrency }, () => 0);
  await Promise.all(lanes.map(() => loop(encoded, Date.now() + 1000)));
  const start = Date.now();
  const cpuBefore = process.cpuUsage();
  const counts = await Promise.all(lanes.map(() => loop(encoded, start + seconds * 1000)));
  const elapsed = (Date.now() - start) / 1000;
  const used = process.cpuUsage(cpuBefore);
  const total = counts.reduce((a, b) => a + b, 0);
  const cpu = (used.user + used.system) / 1e6 / elapsed;
  process.stdout.write(`${JSON.stringify({ rate: total / elapsed, concurrency, msPerVerify: (elapsed * 1000) / total, cpu, sysMsPerVerify: used.system / 1000 / total })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
