import { describe, expect, it } from 'vitest';
import { SECURITY_EVENT_TYPES } from '../../src/events/event-types.js';
import { EVENT_LABELS } from '../../web/src/lib/format.js';
import { deviceKind } from '../../web/src/lib/device.js';
import { absoluteUtc, relativeTime } from '../../web/src/lib/time.js';

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const ago = (seconds: number): string => new Date(NOW - seconds * 1000).toISOString();

describe('relative and absolute times (web/src/lib/time.ts)', () => {
  it('says "just now", then minutes, hours, days, weeks, months, years', () => {
    expect(relativeTime(ago(10), NOW)).toBe('just now');
    expect(relativeTime(ago(5 * 60), NOW)).toBe('5 minutes ago');
    expect(relativeTime(ago(3 * 3600), NOW)).toBe('3 hours ago');
    expect(relativeTime(ago(26 * 3600), NOW)).toBe('yesterday');
    expect(relativeTime(ago(3 * 86400), NOW)).toBe('3 days ago');
    expect(relativeTime(ago(15 * 86400), NOW)).toBe('2 weeks ago');
    expect(relativeTime(ago(90 * 86400), NOW)).toBe('3 months ago');
    expect(relativeTime(ago(800 * 86400), NOW)).toBe('2 years ago');
    expect(relativeTime(new Date(NOW + 2 * 3600_000).toISOString(), NOW)).toBe('in 2 hours');
  });

  it('gives the exact time in UTC whatever the time zone, and leaves garbage as it is', () => {
    expect(absoluteUtc('2026-01-15T12:34:56.789Z')).toBe('2026-01-15 12:34:56 UTC');
    expect(absoluteUtc('2026-01-15T14:34:56+02:00')).toBe('2026-01-15 12:34:56 UTC');
    expect(absoluteUtc('not a time')).toBe('not a time');
    expect(relativeTime('not a time', NOW)).toBe('not a time');
  });
});

describe('device kind from the user agent (web/src/lib/device.ts)', () => {
  it.each([
    ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0 Safari/537.36', 'desktop'],
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', 'desktop'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'desktop'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'phone'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36', 'phone'],
    ['Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1', 'tablet'],
    ['Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36', 'tablet'],
    ['curl/8.5.0', 'unknown'],
    [null, 'unknown'],
    ['', 'unknown'],
  ])('%s → %s', (userAgent, kind) => {
    expect(deviceKind(userAgent)).toBe(kind);
  });
});

describe("the event-type select lists the server's catalog", () => {
  it('every type the server records has a written label (not the snake_case fallback)', () => {
    expect(SECURITY_EVENT_TYPES.filter((type) => !Object.hasOwn(EVENT_LABELS, type))).toEqual([]);
  });
});
