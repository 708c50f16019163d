import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { declaredTests, REPO_ROOT, type DeclaredTest } from '../scripts/security-map.js';
import { attackCheck, auditCheck, eslintCheck, secretlintCheck, summaryLine, summaryMarkdown, type CheckResult } from '../scripts/security-summary.js';

/** What `npm audit --json` prints when the registry refuses the bulk advisory endpoint. */
const AUDIT_405 = {
  message: '405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk',
  method: 'POST',
  statusCode: 405,
  body: '',
  error: { summary: '', detail: '' },
};

function auditReport(counts: Record<string, number>): unknown {
  return { auditReportVersion: 2, vulnerabilities: { 'left-pad': {} }, metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, ...counts } } };
}

describe('ESLint', () => {
  it('no messages → ✅ 0 findings', () => {
    expect(eslintCheck([{ filePath: join(REPO_ROOT, 'src/a.ts'), messages: [] }])).toEqual({ check: 'ESLint security', status: 'ok', label: '0 findings', details: [] });
  });

  it('every message is a finding; security rules are counted apart', () => {
    const r = eslintCheck([
      { filePath: join(REPO_ROOT, 'src/a.ts'), messages: [{ ruleId: 'security/detect-eval-with-expression', line: 3, column: 1, message: 'eval with argument' }] },
      { filePath: join(REPO_ROOT, 'web/b.tsx'), messages: [{ ruleId: null, line: 1, column: 1, message: 'Parsing error', fatal: true }, { ruleId: '@typescript-eslint/no-explicit-any', line: 2, column: 5, message: 'any' }] },
    ]);
    expect(r.status).toBe('fail');
    expect(r.label).toBe('3 findings (1 security rules)');
    expect(r.details[0]).toBe('src/a.ts:3:1 security/detect-eval-with-expression eval with argument');
    expect(r.details[1]).toContain('parse error');
  });

  it('no report → ❌ not run, never a pass', () => {
    expect(eslintCheck(undefined)).toMatchObject({ status: 'fail', label: 'not run (no ESLint report)' });
  });
});

describe('secretlint', () => {
  it('counts findings and never repeats the message (which may quote the secret)', () => {
    const r = secretlintCheck([
      { filePath: join(REPO_ROOT, '.env.example'), messages: [{ ruleId: '@secretlint/secretlint-rule-aws', message: 'found AKIA-not-a-real-key', loc: { start: { line: 2, column: 4 } } }] },
      { filePath: join(REPO_ROOT, 'README.md'), messages: [] },
    ]);
    expect(r).toMatchObject({ status: 'fail', label: '1' });
    expect(r.details).toEqual(['.env.example:2:4 @secretlint/secretlint-rule-aws']);
    expect(secretlintCheck([]).label).toBe('0');
    expect(secretlintCheck(undefined).status).toBe('fail');
  });
});

describe('npm audit', () => {
  it('an HTTP 405 from the registry is ⚠️ unavailable with the reason, not a pass', () => {
    expect(auditCheck(AUDIT_405)).toEqual({ check: 'Dependency audit', status: 'warn', label: 'unavailable — registry has no audit endpoint (HTTP 405)', details: [] });
  });

  it('other errors are unavailable too, saying what happened', () => {
    expect(auditCheck({ statusCode: 503 }).label).toBe('unavailable — audit endpoint answered HTTP 503');
    expect(auditCheck({ error: { code: 'ENOLOCK' } }).label).toBe('unavailable — npm audit failed (ENOLOCK)');
  });

  it('high or critical findings fail; lower ones are reported without failing', () => {
    expect(auditCheck(auditReport({ high: 1, critical: 1, low: 2 }))).toMatchObject({ status: 'fail', label: '2 high/critical (2 below high)', details: ['left-pad'] });
    expect(auditCheck(auditReport({ moderate: 3 }))).toMatchObject({ status: 'ok', label: '0 high/critical (3 below high)' });
    expect(auditCheck(auditReport({}))).toMatchObject({ status: 'ok', label: '0 high/critical' });
    expect(auditCheck(undefined).status).toBe('fail');
  });
});

describe('attack tests from vitest JSON reports', () => {
  const FILE = 'test/x.test.ts';
  const SOURCE = "describe('csrf', () => { for (const w of writes) it(`${w.name}: refused`, f); it('origin', f); it('other', f); });";
  const index = (file: string): DeclaredTest[] | null => (file === FILE ? declaredTests(SOURCE, FILE) : null);
  const refs = [`${FILE} :: csrf > \${w.name}: refused`, `${FILE} :: origin`];
  const run = (...results: [string, string][]): unknown => ({
    testResults: [{ name: join(REPO_ROOT, FILE), assertionResults: results.map(([title, status]) => ({ ancestorTitles: ['csrf'], title, fullName: `csrf ${title}`, status })) }],
  });

  it('counts a mapped test as passed when every run of every case passed, across reports', () => {
    const sqlite = run(['logout: refused', 'passed'], ['revoke: refused', 'passed'], ['origin', 'passed'], ['other', 'failed']);
    const tz = run(['logout: refused', 'passed'], ['origin', 'passed']);
    expect(attackCheck(refs, [sqlite, tz], index)).toEqual({ check: 'Attack tests', status: 'ok', label: '2/2', details: [] });
  });

  it('one failing case fails the whole mapped test', () => {
    const r = attackCheck(refs, [run(['logout: refused', 'passed'], ['revoke: refused', 'failed'], ['origin', 'passed'])], index);
    expect(r).toMatchObject({ status: 'fail', label: '1/2' });
    expect(r.details).toEqual([`failed: ${FILE} :: csrf > \${w.name}: refused`]);
  });

  it('a run the test itself skips does not count against it when another run passed', () => {
    const postgres = run(['logout: refused', 'skipped'], ['origin', 'skipped']);
    const sqlite = run(['logout: refused', 'passed'], ['origin', 'passed']);
    expect(attackCheck(refs, [postgres, sqlite], index)).toMatchObject({ status: 'ok', label: '2/2' });
  });

  it('a mapped test that did not run fails; one that was only skipped warns', () => {
    expect(attackCheck(refs, [run(['origin', 'passed'])], index)).toMatchObject({ status: 'fail', label: '1/2', details: [`not run: ${refs[0] ?? ''}`] });
    expect(attackCheck(refs, [run(['logout: refused', 'skipped'], ['origin', 'passed'])], index)).toMatchObject({ status: 'warn', label: '1/2' });
  });

  it('no report at all → ❌ not run', () => {
    expect(attackCheck(refs, [undefined], index)).toMatchObject({ status: 'fail', label: 'not run (no vitest JSON report)' });
  });
});

describe('the summary', () => {
  const results: CheckResult[] = [
    eslintCheck([]),
    secretlintCheck([]),
    auditCheck(AUDIT_405),
    { check: 'Attack tests', status: 'ok', label: '58/58', details: [] },
  ];

  it('is one line, one part per check', () => {
    expect(summaryLine(results)).toBe('Security audit — ESLint security: ✅ 0 findings · Secret scan: ✅ 0 · Dependency audit: ⚠️ unavailable — registry has no audit endpoint (HTTP 405) · Attack tests: ✅ 58/58');
  });

  it('as markdown: the line, one table row per check, and the details of what is not green', () => {
    const failing = [...results.slice(0, 3), { check: 'Attack tests', status: 'fail', label: '57/58', details: ['failed: test/a.test.ts :: x | y'] } satisfies CheckResult];
    const md = summaryMarkdown(failing);
    expect(md).toContain('| ESLint security | ✅ pass | 0 findings |');
    expect(md).toContain('| Dependency audit | ⚠️ warning | unavailable — registry has no audit endpoint (HTTP 405) |');
    expect(md).toContain('| Attack tests | ❌ fail | 57/58 |');
    expect(md).toContain('## Attack tests\n\n- `failed: test/a.test.ts :: x | y`');
    expect(md).not.toContain('## ESLint security');
  });
});
