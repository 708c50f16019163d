/** Parsing helpers for `loadConfig`: they read the environment object they are given, never process.env. */

export type Environment = Readonly<Record<string, string | undefined>>;

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(value: string): number | undefined {
  const match = DURATION.exec(value.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  return Number.isSafeInteger(ms) && ms > 0 ? ms : undefined;
}

export interface Reader {
  readonly problems: string[];
  str(name: string, fallback: string): string;
  int(name: string, fallback: number, min: number, max: number): number;
  duration(name: string, fallback: string): number;
  bool(name: string, fallback: boolean): boolean;
}

export function makeReader(env: Environment): Reader {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  return {
    problems,
    str: (name, fallback) => raw(name) ?? fallback,
    int(name, fallback, min, max) {
      const v = raw(name);
      if (v === undefined) return fallback;
      const n = Number(v);
      if (!/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min || n > max) {
        problems.push(`${name} must be an integer from ${String(min)} to ${String(max)}`);
        return fallback;
      }
      return n;
    },
    bool(name, fallback) {
      const v = raw(name);
      if (v === undefined) return fallback;
      if (v === 'true' || v === '1') return true;
      if (v === 'false' || v === '0') return false;
      problems.push(`${name} must be true or false`);
      return fallback;
    },
    duration(name, fallback) {
      const v = raw(name) ?? fallback;
      const ms = parseDuration(v);
      if (ms === undefined) {
        problems.push(`${name} must be a duration like 30s, 15m, 24h or 7d`);
        return parseDuration(fallback) ?? 60_000;
      }
      return ms;
    },
  };
}

export function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

export const LOG_LEVELS: readonly string[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function logLevel(r: Reader): string {
  const level = r.str('LOG_LEVEL', 'info');
  if (LOG_LEVELS.includes(level)) return level;
  r.problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return 'info';
}

export function databaseUrl(r: Reader): string {
  const url = r.str('DATABASE_URL', 'sqlite:./data/gatehouse.db');
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(url)) {
    r.problems.push('DATABASE_URL must be sqlite:<path>, sqlite::memory: or postgres://…');
  }
  return url;
}

export function redisUrl(r: Reader): string | undefined {
  const url = r.str('REDIS_URL', '');
  if (url === '') return undefined;
  if (!/^rediss?:\/\/.+/.test(url)) r.problems.push('REDIS_URL must be redis://… or rediss://…');
  return url;
}

/**
 * Socket timers: Node turns a delay beyond about 24 days into 1 ms (closing every connection at
 * once), and no client needs more than an hour to send a 16 KiB request. So at most 1 h.
 */
export function socketTimeout(r: Reader, name: string, fallback: string): number {
  const ms = r.duration(name, fallback);
  if (ms <= 3_600_000) return ms;
  r.problems.push(`${name} must be at most 1h`);
  return parseDuration(fallback) ?? 30_000;
}

