import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Executor } from './database.js';

/*
 * Kysely builds every query as a tree of frozen nodes and compiles it to SQL on every call. A login
 * runs a few dozen times a second, too rarely for V8 to optimize that code, and the trees feed the
 * garbage collector: building and compiling the login's user query costs seven times what running
 * it does (36.6 against 5.2 µs, even hot; docs/PERFORMANCE.md). A template is built and compiled
 * once per database with a placeholder for every value it takes; each call puts its values in by
 * position. Values stay bound parameters, never SQL text.
 *
 * Only values can be parameters: anything that changes the SQL (a list's length, an optional
 * clause) or a value computed from another (`now - idle`) would be baked into the template. The
 * template is compiled twice with different placeholders, and anything that differs between the two
 * compilations other than a placeholder's own slot refuses the template at its first use.
 */

type Params = Readonly<Record<string, unknown>>;

interface Compiled<P extends Params> {
  readonly base: CompiledQuery;
  /** Per parameter, the key of P whose value it takes; undefined for a constant of the build. */
  readonly slots: readonly ((keyof P & string) | undefined)[];
}

export interface QueryTemplate<P extends Params, O> {
  /** The compiled query with `p`'s values as its parameters. */
  compile(db: Executor, p: P): CompiledQuery<O>;
  rows(db: Executor, p: P): Promise<O[]>;
  first(db: Executor, p: P): Promise<O | undefined>;
  /** Rows changed by an INSERT, UPDATE or DELETE. */
  changed(db: Executor, p: P): Promise<number>;
}

const MARK = '\u0000gatehouse-template\u0000';

function placeholder(tag: string, key: string): string {
  return `${MARK}${tag}\u0000${key}`;
}

/** An object of placeholders for `keys`; reading any other key is a mistake in the template. */
function placeholders<P extends Params>(name: string, tag: string, keys: readonly (keyof P & string)[]): P {
  const target = Object.fromEntries(keys.map((k) => [k, placeholder(tag, k)]));
  return new Proxy(target, {
    get(t, key): unknown {
      if (typeof key === 'string' && !Object.hasOwn(t, key)) throw new Error(`query template ${name}: it reads "${key}", which is not one of its keys`);
      return Reflect.get(t, key) as unknown;
    },
  }) as unknown as P;
}

function slotOf<P extends Params>(value: unknown, tag: string, keys: readonly (keyof P & string)[]): (keyof P & string) | undefined {
  if (typeof value !== 'string' || !value.startsWith(MARK)) return undefined;
  return keys.find((k) => value === placeholder(tag, k));
}

function compileChecked<P extends Params, O>(name: string, db: Executor, keys: readonly (keyof P & string)[], build: (db: Executor, p: P) => Compilable<O>): Compiled<P> {
  const a = build(db, placeholders<P>(name, 'a', keys)).compile();
  const b = build(db, placeholders<P>(name, 'b', keys)).compile();
  const fail = (why: string): never => {
    throw new Error(`query template ${name}: ${why}`);
  };
  if (a.sql !== b.sql || a.parameters.length !== b.parameters.length) fail('its SQL depends on its values');
  const slots = a.parameters.map((value, i) => {
    const slot = slotOf(value, 'a', keys);
    const other = b.parameters[i];
    if (slot === undefined ? other !== value : slotOf(other, 'b', keys) !== slot) fail(`parameter ${String(i + 1)} is computed from a value`);
    return slot;
  });
  const unused = keys.filter((k) => !slots.includes(k));
  if (unused.length > 0) fail(`${unused.join(', ')} never reach a parameter`);
  return { base: a, slots };
}

/**
 * A query built once per database by `build` over placeholders for `keys`. `name` only labels errors.
 */
export function queryTemplate<P extends Params, O>(name: string, keys: readonly (keyof P & string)[], build: (db: Executor, p: P) => Compilable<O>): QueryTemplate<P, O> {
  // One compilation per database (its dialect adapter); a transaction shares its database's adapter.
  // `getExecutor()` is in Kysely's typings but documented as internal: test/core/query-template.test.ts
  // runs templates on both dialects and inside a transaction, so an upgrade that changes it fails there.
  const byAdapter = new WeakMap<object, Compiled<P>>();
  const compile = (db: Executor, p: P): CompiledQuery<O> => {
    const adapter = db.getExecutor().adapter;
    let compiled = byAdapter.get(adapter);
    if (compiled === undefined) {
      // A key the caller has but the template lacks would be left out silently (an insert's forgotten column).
      const unknown = Object.keys(p).filter((k) => !(keys as readonly string[]).includes(k));
      if (unknown.length > 0) throw new Error(`query template ${name}: it is given ${unknown.join(', ')}, which is not one of its keys`);
      compiled = compileChecked(name, db, keys, build);
      byAdapter.set(adapter, compiled);
    }
    const { base, slots } = compiled;
    const parameters = slots.map((slot, i) => {
      if (slot === undefined) return base.parameters[i];
      const value = p[slot];
      // Kysely leaves an undefined value out of the SQL; a template cannot, so it is a caller's mistake.
      if (value === undefined) throw new Error(`query template ${name}: ${slot} is undefined`);
      return value;
    });
    return { ...base, parameters };
  };
  const execute = (db: Executor, p: P): Promise<QueryResult<O>> => db.executeQuery(compile(db, p));
  return {
    compile,
    rows: async (db, p) => (await execute(db, p)).rows,
    first: async (db, p) => (await execute(db, p)).rows[0],
    changed: async (db, p) => Number((await execute(db, p)).numAffectedRows ?? 0n),
  };
}
