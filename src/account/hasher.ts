import { hash, verify, type Algorithm } from '@node-rs/argon2';
import { randomToken } from '../crypto/random.js';
import { createHashPool, type HashJob } from './hash-pool.js';

/** `Algorithm.Argon2id` (a const enum, which isolated modules cannot read at run time). */
// eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment -- the enum is ambient and absent at run time (the package exports `Algorithm = {}`), so its value 2 is written out; test/ops/cli.test.ts asserts stored hashes start with $argon2id$
const ARGON2ID = 2 as Algorithm.Argon2id;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /**
   * `gate` runs once a hashing slot is free, right before the hash: a rate-limit re-check there sees
   * every failure recorded while this request queued, so parallel guesses cannot outrun the limit.
   */
  verify(passwordHash: string, password: string, gate?: () => Promise<void>): Promise<boolean>;
  /** Spends the same work as a real verification, for unknown accounts (no timing oracle). */
  verifyDummy(password: string, gate?: () => Promise<void>): Promise<void>;
}

export interface Argon2Params {
  readonly memoryCost: number;
  readonly timeCost: number;
  readonly parallelism: number;
  /** Hashes running at once; the rest queue so a login flood cannot starve the event loop's pool. */
  readonly maxConcurrent: number;
  /**
   * When set, hashing runs on maxConcurrent dedicated threads this much nicer than the process
   * (Linux; 19 at most), so it mostly uses CPU the event loop leaves idle. Unset: libuv's pool.
   */
  readonly threadNice?: number;
}

/** OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2: Argon2Params = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1, maxConcurrent: 2, threadNice: 10 });
/** For tests only: same algorithm, trivial cost. */
export const FAST_ARGON2: Argon2Params = Object.freeze({ memoryCost: 256, timeCost: 1, parallelism: 1, maxConcurrent: 4 });

function createSemaphore(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async function run<T>(task: () => Promise<T>): Promise<T> {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active += 1;
    try {
      return await task();
    } finally {
      active -= 1;
      waiting.shift()?.();
    }
  };
}

export function createArgon2Hasher(params: Argon2Params = OWASP_ARGON2): PasswordHasher {
  const options = {
    algorithm: ARGON2ID,
    memoryCost: params.memoryCost,
    timeCost: params.timeCost,
    parallelism: params.parallelism,
  };
  const limit = createSemaphore(params.maxConcurrent);
  // As many threads as slots: inside `limit` a thread is always free.
  const inProcess = (job: HashJob): Promise<unknown> => (job.op === 'hash' ? hash(job.password, options) : verify(job.hash, job.password));
  const pool = params.threadNice === undefined ? undefined : createHashPool(params.maxConcurrent, params.threadNice, inProcess);
  const run = pool === undefined ? inProcess : (job: HashJob): Promise<unknown> => pool.run(job);
  const hashNow = (password: string): Promise<string> => run({ op: 'hash', password, options }) as Promise<string>;
  const verifyNow = (passwordHash: string, password: string): Promise<boolean> => run({ op: 'verify', hash: passwordHash, password }) as Promise<boolean>;
  // Computed up front so the first unknown-account login costs the same as every other one.
  const dummy: Promise<string> = limit(() => hashNow(randomToken()));
  const hasher: PasswordHasher = {
    hash: (password) => limit(() => hashNow(password)),
    verify(passwordHash, password, gate) {
      return limit(async () => {
        await gate?.();
        try {
          return await verifyNow(passwordHash, password);
        } catch {
          return false;
        }
      });
    },
    async verifyDummy(password, gate) {
      await hasher.verify(await dummy, password, gate);
    },
  };
  return hasher;
}
