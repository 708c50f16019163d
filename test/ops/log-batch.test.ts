import { describe, expect, it } from 'vitest';
import { LineBatch, type LineSink } from '../../src/log-batch.js';
import { start } from './processes.js';

/** A destination that records what reaches it. */
function recordingSink(): LineSink & { writes: string[]; flushes: number; syncFlushes: number } {
  return {
    writes: [],
    flushes: 0,
    syncFlushes: 0,
    write(chunk: string): void {
      this.writes.push(chunk);
    },
    flush(callback?: (error?: Error) => void): void {
      this.flushes += 1;
      callback?.();
    },
    flushSync(): void {
      this.syncFlushes += 1;
    },
  };
}

describe('LineBatch', () => {
  it('hands lines on in order, one write per full chunk', () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, 100);
    const lines = Array.from({ length: 14 }, (_, i) => `${String(i).padStart(2, '0')}${'x'.repeat(22)}\n`);
    for (const line of lines) batch.write(line);
    // Lines of 25 characters: a chunk of 4 lines is forwarded each time 100 have gathered; 2 wait.
    expect(sink.writes).toEqual([lines.slice(0, 4).join(''), lines.slice(4, 8).join(''), lines.slice(8, 12).join('')]);
    batch.flushSync();
    expect(sink.writes.join('')).toBe(lines.join(''));
    expect(sink.syncFlushes).toBe(1);
  });

  it('drain forwards a partial chunk and asks the destination to write it; nothing to drain, nothing asked', () => {
    const sink = recordingSink();
    const batch = new LineBatch(sink, 4096);
    batch.drain();
    expect(sink.writes).toEqual([]);
    expect(sink.flushes).toBe(0);
    batch.write('one\n');
    expect(sink.writes).toEqual([]);
    batch.drain();
    expect(sink.writes).toEqual(['one\n']);
    expect(sink.flushes).toBe(1);
  });

  it('writes what it holds when the process dies of an uncaught exception', async () => {
    const result = await start('test/ops/fixtures/log-batch-crash.ts', ['3'], { env: {}, timeoutMs: 30_000 }).finished;
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('crash on purpose');
    const lines = result.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { line: number; msg: string });
    // Far below one 4 KiB chunk and long before the flush timer: only the exit hook can have written them.
    expect(lines.map((l) => l.line)).toEqual([0, 1, 2]);
    expect(lines.every((l) => l.msg === 'before the crash')).toBe(true);
  });
});
