/**
 * What a hung test run's processes are doing, printed by `.ci/run` before it stops them.
 *
 * A test worker that goes silent with the CPU idle and no timeout firing left, at first, only a
 * process list behind. For every process given, this prints its kernel state, its Unix sockets with
 * their unread and unsent bytes, and, for Node processes started with `--report-on-signal
 * --report-signal=SIGUSR2`, its JavaScript stack and libuv handles from a diagnostic report. When the
 * main thread is blocked (no report comes), gdb prints every thread's native stack: that is how the
 * hangs of 2026-12-05 were found to be a garbage collection deadlocked on a key-generation job's mutex
 * (src/crypto/key-pair.ts).
 *
 * Usage: tsx scripts/hang-report.ts <report directory> <pid>...
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface Report {
  readonly javascriptStack?: { readonly message?: string; readonly stack?: readonly string[] };
  readonly libuv?: readonly { readonly type: string; readonly is_active?: boolean; readonly is_referenced?: boolean; readonly [key: string]: unknown }[];
}

function readProc(pid: string, file: string): string {
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a /proc file of a pid the CI script gave
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
}

function describeProcess(pid: string): string {
  const cmdline = readProc(pid, 'cmdline').split('\0').join(' ').trim().slice(0, 200);
  const state = /^State:\s*(.*)$/m.exec(readProc(pid, 'status'))?.[1] ?? '?';
  return `pid ${pid}: ${state}, waiting in ${readProc(pid, 'wchan') || '?'}: ${cmdline}`;
}

/** Every Unix socket of the machine, one `ss` line each: Recv-Q is what its holder has not read, Send-Q what its peer has not. */
function unixSocketLines(): string[] | null {
  try {
    return execFileSync('ss', ['-xpn'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n');
  } catch {
    return null;
  }
}

function socketsOf(pid: string, lines: readonly string[] | null): string[] {
  if (lines === null) return ['(ss is not available)'];
  return lines.filter((line) => line.includes(`pid=${pid},`)).map((line) => line.replace(/\s+/g, ' ').slice(0, 220));
}

/**
 * Only a Node process started with the report flags gets the signal: for any other process SIGUSR2's
 * default action is to end it, and the point is to look before anything is stopped.
 */
function takesReportSignal(pid: string): boolean {
  let exe = '';
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a /proc link of a pid the CI script gave
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return false;
  }
  const environ = readProc(pid, 'environ').split('\0');
  return exe.endsWith('/node') && environ.some((entry) => entry.startsWith('NODE_OPTIONS=') && entry.includes('--report-on-signal') && entry.includes('--report-signal=SIGUSR2'));
}

async function diagnosticReport(pid: string, dir: string): Promise<Report | null> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the report directory the CI script gave
  const mine = (): string[] => (existsSync(dir) ? readdirSync(dir).filter((name) => name.includes(`.${pid}.`)) : []);
  const before = new Set(mine());
  try {
    process.kill(Number(pid), 'SIGUSR2');
  } catch {
    return null;
  }
  // The report is written by the process's own main thread, woken by an interrupt: give it a moment.
  for (let i = 0; i < 50; i += 1) {
    const fresh = mine().find((name) => !before.has(name));
    if (fresh !== undefined) {
      await sleep(200);
      try {
        // eslint-disable-next-line security/detect-non-literal-fs-filename -- a report file in the directory the CI script gave
        return JSON.parse(readFileSync(join(dir, fresh), 'utf8')) as Report;
      } catch {
        // still being written
      }
    }
    await sleep(100);
  }
  return null;
}

/** The handles that carry data (pipes, sockets, files): is each still read (`is_active`), and how much waits to be written. */
const DATA_HANDLES = new Set(['pipe', 'tcp', 'udp', 'tty', 'fs_event', 'fs_poll', 'poll']);
const HANDLE_FIELDS = ['fd', 'stdio', 'is_active', 'is_referenced', 'readable', 'writable', 'writeQueueSize', 'localEndpoint', 'remoteEndpoint'];

function printReport(report: Report): void {
  const stack = report.javascriptStack?.stack ?? [];
  if (stack.length === 0) process.stdout.write('  JavaScript: idle (waiting in the event loop)\n');
  else process.stdout.write(`  JavaScript: ${report.javascriptStack?.message ?? ''}\n`);
  for (const frame of stack.slice(0, 12)) process.stdout.write(`    ${frame.trim()}\n`);
  for (const handle of report.libuv ?? []) {
    if (!DATA_HANDLES.has(handle.type)) continue;
    const shown = HANDLE_FIELDS.filter((key) => handle[key] !== undefined && handle[key] !== null).map((key) => `${key}=${JSON.stringify(handle[key])}`);
    process.stdout.write(`  handle ${handle.type}: ${shown.join(' ')}\n`);
  }
}

/**
 * A process blocked on a lock cannot write a diagnostic report (its main thread must run to do so):
 * gdb shows where each of its threads waits instead.
 */
function nativeStacks(pid: string): string[] {
  try {
    const out = execFileSync('gdb', ['-p', pid, '-batch', '-nx', '-ex', 'set pagination off', '-ex', 'thread apply all bt 40'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 60_000,
    });
    return out.split('\n').filter((line) => /^(Thread |#)/.test(line)).map((line) => line.slice(0, 200));
  } catch {
    return ['(gdb could not attach)'];
  }
}

async function main(): Promise<void> {
  const [dir, ...pids] = process.argv.slice(2);
  if (dir === undefined || pids.length === 0) throw new Error('usage: tsx scripts/hang-report.ts <report directory> <pid>...');
  // One look at the sockets for all of them: the queues are read at one moment, and `ss` runs once.
  const sockets = unixSocketLines();
  for (const pid of pids) {
    process.stdout.write(`${describeProcess(pid)}\n`);
    for (const line of socketsOf(pid, sockets)) process.stdout.write(`  ${line}\n`);
    if (!takesReportSignal(pid)) continue;
    const report = await diagnosticReport(pid, dir);
    if (report !== null) {
      printReport(report);
      continue;
    }
    process.stdout.write(`  no diagnostic report: the main thread does not run JavaScript (${readProc(pid, 'wchan') || '?'}); its threads:\n`);
    for (const line of nativeStacks(pid)) process.stdout.write(`    ${line}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`hang-report: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
