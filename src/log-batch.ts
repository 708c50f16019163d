import { pino, type DestinationStream } from 'pino';

/** The part of pino's sonic-boom destination a batch forwards to. */
export interface LineSink extends DestinationStream {
  flushSync(): void;
  flush(callback?: (error?: Error) => void): void;
}

/**
 * Gathers log lines into chunks of about `size` characters before they reach the destination, so
 * the destination sees one write per chunk rather than one per line. sonic-boom measures its whole
 * pending buffer in bytes (Buffer.byteLength) on every write it receives, which per line cost more
 * than the rest of writing the access line. Every line goes through here, so their order is kept.
 * What is gathered is forwarded by `drain` (the server calls it every second), by `flushSync`
 * (shutdown and process exit, crash or not) and whenever a chunk is full.
 */
export class LineBatch implements DestinationStream {
  #pending = '';
  readonly #sink: LineSink;
  readonly #size: number;

  constructor(sink: LineSink, size: number) {
    this.#sink = sink;
    this.#size = size;
  }

  write(line: string): void {
    this.#pending += line;
    if (this.#pending.length >= this.#size) this.#forward();
  }

  /** Hands what is gathered to the destination and asks it to write it out (asynchronously). */
  drain(): void {
    if (this.#pending !== '') this.flush();
  }

  /** pino's `logger.flush(callback)`: forwards what is gathered, then the destination's own flush. */
  flush(callback?: (error?: Error) => void): void {
    this.#forward();
    // Always with a callback: a destination already closed by shutdown reports instead of throwing.
    this.#sink.flush(callback ?? ((): undefined => undefined));
  }

  /** Writes everything out before returning: for shutdown and the process's exit. */
  flushSync(): void {
    this.#forward();
    this.#sink.flushSync();
  }

  #forward(): void {
    const chunk = this.#pending;
    if (chunk === '') return;
    this.#pending = '';
    this.#sink.write(chunk);
  }
}

export interface BatchedStdout {
  readonly stream: LineBatch;
  /** Writes every gathered line out now (shutdown); also runs by itself at exit. */
  readonly flushNow: () => void;
}

/**
 * The server's log destination. Lines are written to stdout in batches (`batchBytes`, or at least
 * every `flushIntervalMs`), not one write(2) per request, and what is left is written out when the
 * process exits, crash or not: this exit hook is put before sonic-boom's own, which would end the
 * stream first. If the reader of stdout stalls, at most `maxBufferBytes` wait in memory; later
 * lines are dropped rather than growing the heap or blocking requests.
 */
export function batchedStdout(options: { readonly batchBytes: number; readonly flushIntervalMs: number; readonly maxBufferBytes: number }): BatchedStdout {
  const sink = pino.destination({ dest: 1, sync: false, minLength: options.batchBytes, maxLength: options.maxBufferBytes, periodicFlush: options.flushIntervalMs });
  const stream = new LineBatch(sink, options.batchBytes);
  setInterval(() => {
    stream.drain();
  }, options.flushIntervalMs).unref();
  function flushNow(): void {
    try {
      stream.flushSync();
    } catch {
      // Not open yet or already closed: sonic-boom's own exit hook writes what it holds.
    }
  }
  process.prependListener('exit', flushNow);
  return { stream, flushNow };
}
