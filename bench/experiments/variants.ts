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

/**
 * The patches measured in session 1 (prepared statement, static headers, one access line, HMAC
 * verify, niced argon2 threads, response schema) are now part of src/; their diffs and variants
 * are in git history (commit 65f6674). New prototypes go in patches/ and here.
 */
export const VARIANTS: readonly Variant[] = [
  { name: 'baseline', patches: [] },
  { name: 'baseline-again', patches: [] },
  { name: 'compiled', patches: [], compiled: true },
  { name: 'compiled+semi-space-1', patches: [], compiled: true, nodeArgs: ['--max-semi-space-size=1'] },
];
