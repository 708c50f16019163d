/** 1970-01-01 … 9999-12-31 in epoch ms: the range isoTime writes itself (a 4-digit year, no sign). */
const MIN_MS = 0;
const MAX_MS = 253_402_300_799_999;
const DAY_MS = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${String(n)}` : String(n);
}

/** 0–999 as three digits. */
export function pad3(n: number): string {
  return n < 10 ? `00${String(n)}` : n < 100 ? `0${String(n)}` : String(n);
}

/**
 * `new Date(ms).toISOString()`, computed with integer arithmetic: V8 formats ISO dates through
 * snprintf, which costs about as much as the rest of a /me response's serialization (four dates
 * per response). Same output for every time from 1970 to 9999 (test/core/iso-time.test.ts);
 * anything else goes to toISOString itself.
 */
export function isoTime(ms: number): string {
  if (!Number.isInteger(ms) || ms < MIN_MS || ms > MAX_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  // Civil date from days since 1970-01-01 (H. Hinnant's days_from_civil, inverted; eras of 400 years).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(inDay / 3_600_000);
  const minutes = Math.floor((inDay % 3_600_000) / 60_000);
  const seconds = Math.floor((inDay % 60_000) / 1000);
  return `${String(year)}-${pad2(month)}-${pad2(day)}T${pad2(hours)}:${pad2(minutes)}:${pad2(seconds)}.${pad3(inDay % 1000)}Z`;
}
