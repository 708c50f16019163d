import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Runs argon2 on dedicated worker threads at a lower CPU priority than the event loop (Linux nice
 * is per thread: `nice` is added to the process's own value), so a login flood mostly uses the CPU
 * the event loop leaves idle: every other request keeps its throughput and latency. One job per
 * thread; the threads bound the concurrency, the rest queue.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const os = require('node:os');
const argon2 = require(workerData.argon2);
try { os.setPriority(Math.min(19, os.getPriority() + workerData.nice)); } catch {}
parentPort.postMessage({ ready: true });
parentPort.on('message', (job) => {
  try {
    const value = job.op === 'hash' ? argon2.hashSync(job.password, job.options) : argon2.verifySync(job.hash, job.password);
    parentPort.postMessage({ id: job.id, ok: true, value });
  } catch {
    parentPort.postMessage({ id: job.id, ok: false });
  }
});
`;

export type HashJob =
  | { readonly op: 'hash'; readonly password: string; readonly options: Record<string, number> }
  | { readonly op: 'verify'; readonly hash: string; readonly password: string };

interface Pending {
  readonly job: HashJob;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
}

export interface HashPool {
  run(job: HashJob): Promise<unknown>;
}

/**
 * `fallback` runs a job in process (libuv's pool) if a thread cannot even start, so a broken worker
 * environment degrades fairness instead of failing every login, and never respawns in a loop.
 */
export function createHashPool(
  threads: number,
  nice: number,
  fallback: (job: HashJob) => Promise<unknown>,
  argon2 = createRequire(import.meta.url).resolve('@node-rs/argon2'),
): HashPool {
  const queue: Pending[] = [];
  const idle: Worker[] = [];
  const busy = new Map<Worker, Pending>();
  let nextId = 0;
  let broken = false;

  function drainToFallback(): void {
    for (const task of queue.splice(0)) fallback(task.job).then(task.resolve, task.reject);
  }

  function dispatch(): void {
    while (idle.length > 0 && queue.length > 0) {
      const worker = idle.pop();
      const task = queue.shift();
      if (worker === undefined || task === undefined) return;
      busy.set(worker, task);
      // A job in flight keeps the process alive until it answers; an idle thread never does.
      worker.ref();
      worker.postMessage({ ...task.job, id: nextId++ });
    }
  }

  function spawn(): void {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { argon2, nice } });
    let ready = false;
    worker.on('message', (m: { ready?: boolean; ok?: boolean; value?: unknown }) => {
      if (m.ready === true) {
        ready = true;
        worker.unref();
        idle.push(worker);
        dispatch();
        return;
      }
      const task = busy.get(worker);
      busy.delete(worker);
      worker.unref();
      idle.push(worker);
      if (m.ok === true) task?.resolve(m.value);
      else task?.reject(new Error('argon2 failed'));
      dispatch();
    });
    worker.on('error', () => undefined);
    worker.on('exit', () => {
      // A crashed thread fails its job and is replaced; the queue keeps draining.
      busy.get(worker)?.reject(new Error('argon2 worker exited'));
      busy.delete(worker);
      const i = idle.indexOf(worker);
      if (i !== -1) idle.splice(i, 1);
      if (!ready) {
        // It never started (no threads, argon2 not loadable there): stop spawning, hash in process.
        broken = true;
        drainToFallback();
        return;
      }
      spawn();
    });
  }

  for (let i = 0; i < Math.max(1, threads); i++) spawn();
  return {
    run(job) {
      if (broken) return fallback(job);
      return new Promise((resolve, reject) => {
        queue.push({ job, resolve, reject });
        dispatch();
      });
    },
  };
}
