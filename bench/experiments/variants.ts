/**
 * The prototypes compared by compare.ts, flood.ts, micro.ts and profile.ts (and runnable as a
 * whole through `BENCH_VARIANT=<name> npm run bench`): each is src/ with patches from
 * patches/<name>.diff applied to copies (src/ itself is never touched), plus optional node flags,
 * or compiled to JavaScript and run without tsx.
 */
export interface Variant {
  readonly name: string;
  readonly patches: readonly string[];
  readonly nodeArgs?: readonly string[];
  readonly env?: Record<string, string>;
  /** Run a JavaScript bundle of src/ (esbuild) with plain node instead of tsx. */
  readonly compiled?: boolean;
}

/** Everything docs/PERFORMANCE.md proposes for src/. */
const PROPOSED = ['log-access-line', 'helmet-static', 'jwt-hmac', 'prepared', 'argon2-nice10'];

export const VARIANTS: readonly Variant[] = [
  { name: 'baseline', patches: [] },
  { name: 'baseline-again', patches: [] },
  // one change at a time
  { name: 'log-none', patches: ['log-none'] },
  { name: 'log-one-line', patches: ['log-one-line'] },
  { name: 'log-access-line', patches: ['log-access-line'] },
  { name: 'helmet-static', patches: ['helmet-static'] },
  { name: 'jwt-hmac', patches: ['jwt-hmac'] },
  { name: 'stmt-cache', patches: ['stmt-cache'] },
  { name: 'query-compiled', patches: ['query-compiled'] },
  { name: 'stmt-cache+query-compiled', patches: ['stmt-cache', 'query-compiled'] },
  { name: 'prepared', patches: ['prepared'] },
  { name: 'response-schema', patches: ['response-schema'] },
  { name: 'compiled', patches: [], compiled: true },
  // argon2 scheduling (login flood fairness)
  { name: 'argon2-c1', patches: ['argon2-c1'] },
  { name: 'argon2-nice', patches: ['argon2-nice'] },
  { name: 'argon2-nice-c1', patches: ['argon2-nice-c1'] },
  { name: 'argon2-nice10', patches: ['argon2-nice10'] },
  { name: 'argon2-nice5', patches: ['argon2-nice5'] },
  // together
  { name: 'proposed', patches: PROPOSED },
  { name: 'proposed+response-schema', patches: [...PROPOSED, 'response-schema'] },
  { name: 'proposed+log-none', patches: [...PROPOSED.filter((p) => p !== 'log-access-line'), 'log-none'] },
  { name: 'proposed+semi-space-1', patches: PROPOSED, nodeArgs: ['--max-semi-space-size=1'] },
  { name: 'proposed-compiled', patches: PROPOSED, compiled: true },
  { name: 'proposed-compiled+semi-space-1', patches: PROPOSED, compiled: true, nodeArgs: ['--max-semi-space-size=1'] },
  { name: 'proposed+probe-routes', patches: [...PROPOSED, 'probe-routes'] },
  // what each proposed change buys on top of all the others
  ...PROPOSED.map((p) => ({ name: `proposed-minus-${p}`, patches: PROPOSED.filter((q) => q !== p) })),
];
