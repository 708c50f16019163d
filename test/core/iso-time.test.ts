import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/http/iso-time.js';

/** A small deterministic generator, so a failure names a time that fails again. */
function* times(count: number): Generator<number> {
  let x = 0x2545f491;
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const high = (x >>> 0) % 59_000;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    yield high * 4_294_967_296 + (x >>> 0);
  }
}

describe('isoTime', () => {
  it('writes what toISOString writes at the edges of days, months, leap years and centuries', () => {
    const edges = [
      0,
      1,
      999,
      86_399_999,
      86_400_000,
      Date.UTC(2000, 1, 29, 12),
      Date.UTC(2100, 1, 28, 23, 59, 59, 999),
      Date.UTC(2100, 2, 1),
      Date.UTC(2400, 1, 29),
      Date.UTC(2026, 11, 31, 23, 59, 59, 999),
      Date.UTC(2027, 0, 1),
      253_402_300_799_999,
    ];
    for (const ms of edges) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
  });

  it('writes what toISOString writes for 200,000 times from 1970 to 9999', () => {
    const wrong: number[] = [];
    for (const ms of times(200_000)) if (isoTime(ms) !== new Date(ms).toISOString()) wrong.push(ms);
    expect(wrong).toEqual([]);
  });

  it('leaves times outside its range, and fractions, to toISOString', () => {
    for (const ms of [-1, -86_400_001, 253_402_300_800_000, 1.5]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
  });
});
