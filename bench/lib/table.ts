/** One line of the benchmark's table. Empty cells are left out of the numbers, never guessed. */
export interface Row {
  readonly variant: string;
  readonly rps?: number;
  readonly p50?: number;
  readonly p99?: number;
  /** Server process CPU use during the run (1.00 = one core fully busy). */
  readonly cpu?: number;
  readonly ratio?: string;
  readonly target?: string;
  /** true: met, false: not met, undefined: nothing to judge. */
  readonly met?: boolean;
}

function num(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return '';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatTable(rows: readonly Row[]): string {
  const header = ['variant', 'req/s', 'p50 ms', 'p99 ms', 'srv CPU', 'µs CPU/req', 'ratio', 'target', 'result'];
  const cells = rows.map((r) => [
    r.variant,
    num(r.rps, 0),
    num(r.p50, 2),
    num(r.p99, 2),
    r.cpu === undefined ? '' : `${num(r.cpu * 100, 0)}%`,
    r.cpu === undefined || r.rps === undefined ? '' : num((r.cpu * 1e6) / r.rps, 1),
    r.ratio ?? '',
    r.target ?? '',
    r.met === undefined ? '' : r.met ? 'met' : 'NOT MET',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] ?? '').length)));
  const line = (c: readonly string[]): string => `| ${c.map((v, i) => (i >= 1 && i <= 5 ? v.padStart(widths[i] ?? 0) : v.padEnd(widths[i] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i >= 1 && i <= 5 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(header), rule, ...cells.map(line)].join('\n');
}
