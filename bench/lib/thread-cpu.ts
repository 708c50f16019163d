import { readdirSync, readFileSync } from 'node:fs';
import { CLK_TCK } from './procs.js';

/** A thread's CPU time (ms), in user space and in the kernel. */
export interface ThreadCpu {
  readonly userMs: number;
  readonly sysMs: number;
}

/** CPU time of every thread of a process, user and kernel apart, by thread id, from /proc. */
export function threadCpuSplit(pid: number): Map<string, ThreadCpu> {
  const out = new Map<string, ThreadCpu>();
  for (const tid of readdirSync(`/proc/${String(pid)}/task`)) {
    try {
      const stat = readFileSync(`/proc/${String(pid)}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(tid, { userMs: (Number(fields[11]) * 1000) / CLK_TCK, sysMs: (Number(fields[12]) * 1000) / CLK_TCK });
    } catch {
      // The thread ended in between.
    }
  }
  return out;
}

/** CPU time (ms) of every thread of a process, by thread id. */
export function threadCpuMs(pid: number): Map<string, number> {
  return new Map([...threadCpuSplit(pid)].map(([tid, t]) => [tid, t.userMs + t.sysMs]));
}

/** What each thread used between two readings of threadCpuMs. */
export function threadCpuDelta(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  return new Map([...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)]));
}

/** What each thread used between two readings of threadCpuSplit. */
export function threadCpuSplitDelta(before: Map<string, ThreadCpu>, after: Map<string, ThreadCpu>): Map<string, ThreadCpu> {
  return new Map(
    [...after].map(([tid, t]) => {
      const b = before.get(tid);
      return [tid, { userMs: t.userMs - (b?.userMs ?? 0), sysMs: t.sysMs - (b?.sysMs ?? 0) }];
    }),
  );
}
