import { describe, expect, it } from 'vitest';
import { returnPathFor } from '../../web/src/lib/return-path-rules.js';

/** The web UI follows `?next=` after sign-in; these are the rules it uses (web/src/lib/return-path.ts). */
const ORIGIN = 'http://localhost:3000';

/** Open-redirect payloads: each must fall back to the home page. */
const REFUSED: readonly string[] = [
  'https://evil.example/steal',
  'http:evil.example',
  'javascript:alert(1)',
  'data:text/html,x',
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  ' /evil.example',
  // Dot segments that normalise to a protocol-relative //host (issue #17).
  '/.//evil.example',
  '/..//evil.example',
  '/x/..//evil.example',
  '/x/y/../..//evil.example',
  '/.///evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/x/%2e%2e//evil.example',
  '/././/evil.example/steal?x=1#y',
  // Pages that make no sense to return to.
  '/sign-in',
  '/register?next=/x',
  '/api/auth/me',
  '/x/../api/auth/me',
];

/** Same-origin paths: followed, normalised. */
const FOLLOWED: readonly (readonly [string, string])[] = [
  ['/security', '/security'],
  ['/org?tab=members#invite', '/org?tab=members#invite'],
  ['/join?token=abc', '/join?token=abc'],
  ['/x/../security', '/security'],
  ['/./security', '/security'],
  ['/..', '/'],
  // Encoded slashes stay encoded: a path on our own origin, never a host.
  ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
  ['/security?next=//evil.example', '/security?next=//evil.example'],
];

describe('returnPathFor (sign-in ?next=)', () => {
  it.each(REFUSED.map((p) => [p]))('refuses %j', (payload) => {
    expect(returnPathFor(payload, ORIGIN)).toBe('/');
    expect(returnPathFor(payload, ORIGIN, '/home')).toBe('/home');
  });

  it.each(FOLLOWED.map(([raw, path]) => [raw, path]))('follows %j as %j', (raw, path) => {
    expect(returnPathFor(raw, ORIGIN)).toBe(path);
  });

  it('every result is a same-origin path that passes the rules again unchanged', () => {
    for (const raw of [...REFUSED, ...FOLLOWED.map(([r]) => r)]) {
      const result = returnPathFor(raw, ORIGIN);
      expect(new URL(result, ORIGIN).origin, raw).toBe(ORIGIN);
      expect(returnPathFor(result, ORIGIN), raw).toBe(result);
    }
  });

  it('empty and missing values fall back', () => {
    expect(returnPathFor(null, ORIGIN)).toBe('/');
    expect(returnPathFor(undefined, ORIGIN)).toBe('/');
    expect(returnPathFor('', ORIGIN, '/org')).toBe('/org');
  });
});
