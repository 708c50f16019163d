/**
 * The security summary printed at the end of every CI run, one check per part:
 *
 *   Security audit — ESLint security: ✅ 0 findings · Secret scan: ✅ 0 · Dependency audit: ⚠️ unavailable — … · Attack tests: ✅ 58/58
 *
 * and the same as markdown in test-results/security-summary.md. Inputs are the files the CI steps wrote:
 *
 *   npx tsx scripts/security-summary.ts \
 *     --eslint-json test-results/eslint.json          (eslint -f json)
 *     --secretlint-json test-results/secretlint.json  (secretlint --format json)
 *     --npm-audit-json test-results/npm-audit.json    (npm audit --json; an error body means "unavailable")
 *     --vitest-json test-results/vitest.json ...      (vitest --reporter=json; repeat for every run)
 *     [--out test-results/security-summary.md] [--strict: exit 1 when a check failed]
 *
 *   npx tsx scripts/security-summary.ts audit test-results/npm-audit.json
 *     prints the dependency-audit verdict; exit 1 only on real (high/critical) findings.
 *
 * A missing input means that step did not run, which is reported as such (❌ not run), never as a pass.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mappedRefs, matchRun, parseRef, readRepoFile, REPO_ROOT, resolveRef, testIndex, type DeclaredTest } from './security-map.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  readonly check: string;
  readonly status: Status;
  /** What the summary line shows after the icon: a count, or "unavailable — why". */
  readonly label: string;
  /** Lines worth reading when the check is not green (findings, failing tests). */
  readonly details: readonly string[];
}

const ICON: Readonly<Record<Status, string>> = { ok: '✅', warn: '⚠️', fail: '❌' };
const WORD: Readonly<Record<Status, string>> = { ok: 'pass', warn: 'warning', fail: 'fail' };
const MAX_DETAILS = 25;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function records(value: unknown): Record<string, unknown>[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function notRun(check: string, what: string): CheckResult {
  return { check, status: 'fail', label: `not run (no ${what})`, details: [] };
}

function plural(n: number, word: string): string {
  return `${String(n)} ${word}${n === 1 ? '' : 's'}`;
}

/** ESLint's JSON formatter output: every message (error, warning, parse error) is a finding. */
export function eslintCheck(report: unknown): CheckResult {
  const check = 'ESLint security';
  if (!Array.isArray(report)) return notRun(check, 'ESLint report');
  const findings: string[] = [];
  let security = 0;
  for (const file of records(report)) {
    for (const m of records(file.messages)) {
      const rule = str(m.ruleId) || 'parse error';
      if (rule.startsWith('security/') || rule.startsWith('no-unsanitized/')) security += 1;
      findings.push(`${relative(REPO_ROOT, str(file.filePath))}:${str(m.line)}:${str(m.column)} ${rule} ${str(m.message)}`);
    }
  }
  const label = findings.length === 0 ? '0 findings' : `${plural(findings.length, 'finding')} (${String(security)} security rules)`;
  return { check, status: findings.length === 0 ? 'ok' : 'fail', label, details: findings };
}

/** secretlint's JSON output. Only the rule and the position are kept: a message could quote the secret. */
export function secretlintCheck(report: unknown): CheckResult {
  const check = 'Secret scan';
  if (!Array.isArray(report)) return notRun(check, 'secretlint report');
  const findings: string[] = [];
  for (const file of records(report)) {
    for (const m of records(file.messages)) {
      const loc = isRecord(m.loc) && isRecord(m.loc.start) ? `:${str(m.loc.start.line)}:${str(m.loc.start.column)}` : '';
      findings.push(`${relative(REPO_ROOT, str(file.filePath))}${loc} ${str(m.ruleId)}`);
    }
  }
  return { check, status: findings.length === 0 ? 'ok' : 'fail', label: String(findings.length), details: findings };
}

/** `npm audit --json`: counts high and critical; an error body (no audit endpoint) is "unavailable". */
export function auditCheck(report: unknown): CheckResult {
  const check = 'Dependency audit';
  if (!isRecord(report)) return notRun(check, 'npm audit output');
  const counts = isRecord(report.metadata) && isRecord(report.metadata.vulnerabilities) ? report.metadata.vulnerabilities : null;
  if (counts !== null) {
    const serious = num(counts.high) + num(counts.critical);
    const lower = num(counts.info) + num(counts.low) + num(counts.moderate);
    const below = lower > 0 ? ` (${String(lower)} below high)` : '';
    if (serious > 0) return { check, status: 'fail', label: `${String(serious)} high/critical${below}`, details: Object.keys(isRecord(report.vulnerabilities) ? report.vulnerabilities : {}) };
    return { check, status: 'ok', label: `0 high/critical${below}`, details: [] };
  }
  const status = num(report.statusCode);
  const error = isRecord(report.error) ? report.error : {};
  const code = str(error.code) || str(report.code);
  let reason = 'npm audit gave no report';
  if ([404, 405, 501].includes(status)) reason = `registry has no audit endpoint (HTTP ${String(status)})`;
  else if (status > 0) reason = `audit endpoint answered HTTP ${String(status)}`;
  else if (code !== '') reason = `npm audit failed (${code})`;
  return { check, status: 'warn', label: `unavailable — ${reason}`, details: [] };
}

type RunStatus = 'passed' | 'failed' | 'skipped';

function runStatus(value: unknown): RunStatus {
  if (value === 'passed') return 'passed';
  return value === 'failed' ? 'failed' : 'skipped';
}

/**
 * The mapped tests counted from vitest JSON reports (jest-like: testResults[].assertionResults[]). A test
 * passes when it passed somewhere and no run of it (each project, parameter and report) failed; a run the
 * test itself skips (e.g. a case meant for one database only) does not count against it.
 */
export function attackCheck(refs: readonly string[], reports: readonly unknown[], declaredIn: (file: string) => readonly DeclaredTest[] | null, root: string = REPO_ROOT): CheckResult {
  const check = 'Attack tests';
  const usable = reports.filter(isRecord);
  if (usable.length === 0) return notRun(check, 'vitest JSON report');
  const runs = new Map<string, RunStatus[]>();
  for (const report of usable) {
    for (const file of records(report.testResults)) {
      const name = str(file.name);
      const path = (isAbsolute(name) ? relative(root, name) : name).split('\\').join('/');
      const declared = declaredIn(path);
      if (declared === null) continue;
      for (const a of records(file.assertionResults)) {
        const titles = [...(Array.isArray(a.ancestorTitles) ? a.ancestorTitles.map(str) : []), str(a.title)];
        const match = matchRun(titles.join(' > '), declared);
        if (match === undefined) continue;
        const key = `${path} :: ${match.fullName}`;
        runs.set(key, [...(runs.get(key) ?? []), runStatus(a.status)]);
      }
    }
  }
  let passed = 0;
  const details: string[] = [];
  for (const ref of refs) {
    const { file, name } = parseRef(ref);
    const found = resolveRef(name, declaredIn(file) ?? []);
    const seen = typeof found === 'string' ? [] : (runs.get(`${file} :: ${found.fullName}`) ?? []);
    if (seen.includes('passed') && !seen.includes('failed')) passed += 1;
    else details.push(`${seen.includes('failed') ? 'failed' : seen.length === 0 ? 'not run' : 'skipped'}: ${ref}`);
  }
  const failed = details.some((d) => !d.startsWith('skipped'));
  const status: Status = passed === refs.length ? 'ok' : failed ? 'fail' : 'warn';
  return { check, status, label: `${String(passed)}/${String(refs.length)}`, details };
}

export function summaryLine(results: readonly CheckResult[]): string {
  return `Security audit — ${results.map((r) => `${r.check}: ${ICON[r.status]} ${r.label}`).join(' · ')}`;
}

export function summaryMarkdown(results: readonly CheckResult[]): string {
  const lines = ['# Security audit', '', summaryLine(results), '', '| check | result | count |', '|---|---|---|'];
  for (const r of results) lines.push(`| ${r.check} | ${ICON[r.status]} ${WORD[r.status]} | ${r.label.replaceAll('|', '\\|')} |`);
  for (const r of results) {
    if (r.status === 'ok' || r.details.length === 0) continue;
    lines.push('', `## ${r.check}`, '', ...r.details.slice(0, MAX_DETAILS).map((d) => `- \`${d.replaceAll('`', "'")}\``));
    if (r.details.length > MAX_DETAILS) lines.push(`- … and ${String(r.details.length - MAX_DETAILS)} more`);
  }
  return `${lines.join('\n')}\n`;
}

function readJson(path: string | undefined): unknown {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- paths given by the CI script
  if (path === undefined || !existsSync(path)) return undefined;
  try {
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- paths given by the CI script
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

function argValues(args: readonly string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag && args[i + 1] !== undefined ? [args[i + 1] ?? ''] : []));
}

function main(args: readonly string[]): number {
  if (args[0] === 'audit') {
    const report = readJson(args[1]);
    // Run by the audit step itself: no JSON at all (npm crashed, no network) is "unavailable", not a finding.
    const result = report === undefined ? auditCheck({}) : auditCheck(report);
    const verdict = { ok: 'ok — ', fail: 'findings — ', warn: '' }[result.status];
    process.stdout.write(`dependency audit: ${verdict}${result.label}\n`);
    for (const d of result.details) process.stdout.write(`  ${d}\n`);
    return result.status === 'fail' ? 1 : 0;
  }
  const one = (flag: string): string | undefined => argValues(args, flag)[0];
  const declaredIn = testIndex(readRepoFile(REPO_ROOT));
  const results = [
    eslintCheck(readJson(one('--eslint-json'))),
    secretlintCheck(readJson(one('--secretlint-json'))),
    auditCheck(readJson(one('--npm-audit-json'))),
    attackCheck(mappedRefs(), argValues(args, '--vitest-json').map(readJson), declaredIn),
  ];
  const out = resolve(one('--out') ?? join(REPO_ROOT, 'test-results', 'security-summary.md'));
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the output path given by the CI script
  mkdirSync(dirname(out), { recursive: true });
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- the output path given by the CI script
  writeFileSync(out, summaryMarkdown(results));
  for (const r of results) {
    if (r.status === 'ok') continue;
    for (const d of r.details.slice(0, MAX_DETAILS)) process.stdout.write(`  ${r.check}: ${d}\n`);
  }
  process.stdout.write(`${summaryLine(results)}\n`);
  return args.includes('--strict') && results.some((r) => r.status === 'fail') ? 1 : 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
