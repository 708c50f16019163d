import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

/** The first line of a non-interactive stream (pipe or file), without its line ending; undefined when empty. */
export async function readFirstLine(input: NodeJS.ReadableStream): Promise<string | undefined> {
  let buffered = '';
  for await (const chunk of input) {
    buffered += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (buffered.includes('\n')) break;
  }
  const line = buffered.split('\n')[0] ?? '';
  const withoutCr = line.endsWith('\r') ? line.slice(0, -1) : line;
  return buffered === '' ? undefined : withoutCr;
}

/** Asks on the terminal without echoing what is typed. */
export async function promptHidden(question: string): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      if (!muted) process.stdout.write(chunk);
      callback();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.on('SIGINT', () => {
        reject(new Error('cancelled'));
      });
      rl.question(question, resolve);
      muted = true;
    });
  } finally {
    muted = false;
    process.stdout.write('\n');
    rl.close();
  }
}
