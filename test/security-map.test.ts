import { describe, expect, it } from 'vitest';
import {
  checkDoc,
  checkMap,
  checkSecurityMap,
  declaredTests,
  DOC_PATH,
  END_MARKER,
  mappedRefs,
  matchRun,
  nameMatches,
  parseRef,
  readRepoFile,
  renderSection,
  replaceSection,
  REPO_ROOT,
  resolveRef,
  SECURITY_MAP,
  START_MARKER,
  type SecurityMap,
} from '../scripts/security-map.js';

const SOURCE = `
import { describe, it, test } from 'vitest';
describe('outer', () => {
  it('plain title', () => {});
  describe("inner", () => {
    test.skipIf(process.env.X === '1')(\`skippable\${NOTE}\`, { timeout: 5 }, async () => {});
    it.each([['a', 1]])('%s = %i ms', () => {});
    for (const w of writes) it(\`\${w.name}: refused\`, () => {});
    for (const kind of ['x', 'y']) it(kind, () => {});
  });
});
describeWithChromium('browser', () => {
  it('plain title', () => {});
});
describe.each(ZONES)('zone %s', () => {
  it('runs', () => {});
});
it('top level', () => {});
`;

function readerOf(files: Record<string, string>): (file: string) => string | null {
  return (file) => files[file] ?? null;
}

describe('the security map of this repository', () => {
  it('docs/SECURITY.md shows exactly the generated table and every named test exists in its file', () => {
    expect(checkSecurityMap(REPO_ROOT)).toEqual([]);
  });

  it('names tests at all, and every guarantee names at least one', () => {
    expect(SECURITY_MAP.guarantees.length).toBeGreaterThan(30);
    expect(mappedRefs().length).toBeGreaterThan(100);
    for (const g of SECURITY_MAP.guarantees) expect(g.tests.length, g.guarantee).toBeGreaterThan(0);
  });

  it('a mapped test renamed in its file fails the check, naming the test', () => {
    const read = readRepoFile(REPO_ROOT);
    const ref = SECURITY_MAP.guarantees[1]?.tests[1] ?? '';
    const { file } = parseRef(ref);
    const title = 'refuses alg none';
    expect(ref.endsWith(title)).toBe(true);
    const renamed = (f: string): string | null => (f === file ? (read(f) ?? '').replace(`'${title}'`, `'${title} (renamed)'`) : read(f));
    const problems = checkMap(SECURITY_MAP, renamed);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${ref}: no such test`);
  });

  it('a stale table fails the check; --write output passes it', () => {
    const doc = readRepoFile(REPO_ROOT)(DOC_PATH) ?? '';
    const edited = doc.replace('| 1 | ', '| 1 | (edited) ');
    expect(edited).not.toBe(doc);
    expect(checkDoc(edited)).toEqual([`${DOC_PATH}: the security map table is stale; run npx tsx scripts/security-map.ts --write`]);
    expect(checkDoc(replaceSection(edited, renderSection()))).toEqual([]);
  });
});

describe('reading test names from source', () => {
  const declared = declaredTests(SOURCE, 'x.test.ts');
  const names = declared.map((d) => d.fullName);

  it('joins describe chains with " > " and keeps placeholders as written', () => {
    expect(names).toEqual([
      'outer > plain title',
      'outer > inner > skippable${NOTE}',
      'outer > inner > %s = %i ms',
      'outer > inner > ${w.name}: refused',
      'outer > inner > ${kind}',
      'browser > plain title',
      'zone %s > runs',
      'top level',
    ]);
  });

  it('fixed names have no pattern; templated ones match what vitest reports', () => {
    const byName = new Map(declared.map((d) => [d.fullName, d]));
    const fits = (declaredName: string, reported: string): boolean => {
      const d = byName.get(declaredName);
      if (d === undefined) throw new Error(`no ${declaredName}`);
      return nameMatches(d, reported);
    };
    expect(byName.get('top level')?.pieces).toBeNull();
    expect(fits('top level', 'top level')).toBe(true);
    expect(fits('outer > inner > %s = %i ms', 'outer > inner > 15m = 900000 ms')).toBe(true);
    expect(fits('outer > inner > %s = %i ms', 'outer > inner > 15m = 900000 s')).toBe(false);
    expect(fits('outer > inner > ${w.name}: refused', 'outer > inner > logout: refused')).toBe(true);
    expect(fits('outer > inner > ${w.name}: refused', 'outer > inner > logout: accepted')).toBe(false);
    expect(fits('zone %s > runs', 'zone UTC > runs')).toBe(true);
    expect(fits('outer > inner > skippable${NOTE}', 'outer > inner > skippable')).toBe(true);
  });

  it('resolves a full name, or a bare title only when it is unique in the file', () => {
    expect(resolveRef('outer > plain title', declared)).toMatchObject({ fullName: 'outer > plain title' });
    expect(resolveRef('top level', declared)).toMatchObject({ fullName: 'top level' });
    expect(resolveRef('plain title', declared)).toMatch(/not unique/);
    expect(resolveRef('outer > gone', declared)).toBe('no such test');
  });

  it('assigns a reported run to the exact name first, else to the most specific pattern', () => {
    expect(matchRun('outer > inner > x', declared)?.fullName).toBe('outer > inner > ${kind}');
    expect(matchRun('outer > inner > logout: refused', declared)?.fullName).toBe('outer > inner > ${w.name}: refused');
    expect(matchRun('outer > plain title', declared)?.fullName).toBe('outer > plain title');
    expect(matchRun('elsewhere > plain title', declared)).toBeUndefined();
  });
});

describe('checking a map', () => {
  const files = { 'a.test.ts': SOURCE };
  const map = (tests: string[], asvs = ['9.1.2']): SecurityMap => ({ guarantees: [{ guarantee: 'g', owasp: ['A02'], asvs, tests }], gaps: [] });

  it('accepts existing names, full or bare', () => {
    expect(checkMap(map(['a.test.ts :: outer > inner > ${w.name}: refused', 'a.test.ts :: top level']), readerOf(files))).toEqual([]);
  });

  it('reports a missing test, a missing file, a missing prefix, an ambiguous title, a duplicate and a bad ASVS id', () => {
    const problems = checkMap(map(['a.test.ts :: nope', 'b.test.ts :: top level', 'top level', 'a.test.ts :: plain title', 'a.test.ts :: top level', 'a.test.ts :: top level'], ['V9.1']), readerOf(files));
    expect(problems.join('\n')).toMatch(/a\.test\.ts :: nope: no such test/);
    expect(problems.join('\n')).toMatch(/b\.test\.ts does not exist/);
    expect(problems.join('\n')).toMatch(/"top level" has no "file :: " prefix/);
    expect(problems.join('\n')).toMatch(/plain title: the bare title is not unique/);
    expect(problems.join('\n')).toMatch(/names a test twice/);
    expect(problems.join('\n')).toMatch(/"V9\.1" is not an ASVS requirement id/);
  });

  it('a guarantee without tests is a problem', () => {
    expect(checkMap(map([]), readerOf(files))).toEqual([expect.stringContaining('names no test')]);
  });

  it('the doc check needs both markers', () => {
    expect(checkDoc(null)).toEqual([`${DOC_PATH} does not exist`]);
    expect(checkDoc('# Security\n')).toEqual([expect.stringContaining('lacks the')]);
    expect(checkDoc(`x\n${START_MARKER}\n${END_MARKER}\ny`, map(['a.test.ts :: top level']))).toEqual([expect.stringContaining('stale')]);
  });

  it('renders pipes and backticks in test names without breaking the table', () => {
    const section = renderSection(map(['a.test.ts :: a | b `c`']));
    expect(section).toContain('`` a.test.ts :: a \\| b `c` ``');
    expect(section.startsWith(START_MARKER)).toBe(true);
    expect(section.endsWith(END_MARKER)).toBe(true);
  });
});
