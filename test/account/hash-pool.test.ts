import { readFileSync, readdirSync } from 'node:fs';
import { getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import { createArgon2Hasher, FAST_ARGON2 } from '../../src/account/hasher.js';
import { createHashPool, type HashJob } from '../../src/account/hash-pool.js';

/** Nice value of every thread of this process (Linux: field 19 of /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return readdirSync('/proc/self/task').map((tid) => {
    const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    // Fields after the command name (which is in parentheses and may contain spaces).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[16]);
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('argon2 on niced worker threads', () => {
  const params = { ...FAST_ARGON2, maxConcurrent: 2, threadNice: 10 };

  it('hashes and verifies like the in-process hasher', async () => {
    const hasher = createArgon2Hasher(params);
    const stored = await hasher.hash('correct horse battery staple');
    expect(stored.startsWith('$argon2id$v=19$m=256,t=1,p=1$')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery staple')).toBe(true);
    expect(await hasher.verify(stored, 'correct horse battery stapler')).toBe(false);
    // A hash made in process verifies on the threads and the other way round.
    const inProcess = createArgon2Hasher(FAST_ARGON2);
    expect(await hasher.verify(await inProcess.hash('pw-one-two-three'), 'pw-one-two-three')).toBe(true);
    expect(await inProcess.verify(stored, 'correct horse battery staple')).toBe(true);
  });

  it('answers every one of many concurrent jobs correctly (they queue for the threads)', async () => {
    const hasher = createArgon2Hasher(params);
    const stored = await hasher.hash('queue-me-please');
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => hasher.verify(stored, i % 3 === 0 ? 'queue-me-please' : `wrong-${String(i)}`)));
    expect(results).toEqual(Array.from({ length: 12 }, (_, i) => i % 3 === 0));
  });

  it('treats a malformed stored hash as a failed verification, and keeps working after it', async () => {
    const hasher = createArgon2Hasher(params);
    expect(await hasher.verify('not-an-argon2-hash', 'whatever')).toBe(false);
    const stored = await hasher.hash('still-alive-here');
    expect(await hasher.verify(stored, 'still-alive-here')).toBe(true);
  });

  it.runIf(process.platform === 'linux')('runs its threads nicer than the process, so hashing yields the CPU to requests', async () => {
    const base = getPriority();
    const before = threadNiceValues().filter((n) => n === Math.min(19, base + 10)).length;
    const hasher = createArgon2Hasher({ ...params, threadNice: 10 });
    // The threads are up once they have answered a job.
    await hasher.hash('wake-the-threads');
    await waitFor(() => threadNiceValues().filter((n) => n === Math.min(19, base + 10)).length >= before + 2);
    expect(threadNiceValues().filter((n) => n === Math.min(19, base + 10)).length).toBeGreaterThanOrEqual(before + 2);
    // The event loop's own thread keeps the process's priority.
    expect(getPriority()).toBe(base);
  });

  it('falls back to hashing in process when a thread cannot start, without respawning in a loop', async () => {
    const jobs: HashJob[] = [];
    // Threads that cannot load argon2 exit before they are ready.
    const pool = createHashPool(2, 10, (job) => {
      jobs.push(job);
      return Promise.resolve(job.op === 'verify');
    }, '/nonexistent/gatehouse/argon2.cjs');
    await expect(pool.run({ op: 'verify', hash: 'h', password: 'p' })).resolves.toBe(true);
    await expect(pool.run({ op: 'verify', hash: 'h', password: 'q' })).resolves.toBe(true);
    expect(jobs).toHaveLength(2);
  });
});
