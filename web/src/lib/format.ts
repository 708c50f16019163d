import { relativeTime } from './time.js'; // .js: also type-checked from test/ under NodeNext

const DATE_TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE_TIME.format(date);
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : DATE.format(date);
}

/** "just now", "5 minutes ago", "yesterday"… (kept for callers; lib/time.ts is the one helper). */
export function formatRelative(iso: string, now: number = Date.now()): string {
  return relativeTime(iso, now);
}

const BROWSERS: readonly (readonly [RegExp, string])[] = [
  [/\bEdg(?:e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bCriOS\/|\bHeadlessChrome\/|\bChrome\//, 'Chrome'],
  [/\bChromium\//, 'Chromium'],
  [/\bVersion\/[\d.]+.*\bSafari\//, 'Safari'],
  [/^gatehouse-cli\b/, 'Gatehouse command line'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
  [/\bnode\b|^undici/i, 'Node.js'],
  [/^python-requests|^Python-urllib|^aiohttp/i, 'Python'],
];

const SYSTEMS: readonly (readonly [RegExp, string])[] = [
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bAndroid\b/, 'Android'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bLinux\b|\bX11\b/, 'Linux'],
];

/** "Chrome on Linux", "Safari on iPhone", "Unknown device". */
export function describeUserAgent(userAgent: string | null): string {
  if (userAgent === null || userAgent.trim() === '') return 'Unknown device';
  const browser = BROWSERS.find(([pattern]) => pattern.test(userAgent))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(userAgent))?.[1];
  if (browser !== undefined && system !== undefined) return `${browser} on ${system}`;
  if (browser !== undefined) return browser;
  if (system !== undefined) return `A browser on ${system}`;
  // A short unrecognised agent (a script, a tool) says more as itself than as "unknown".
  const trimmed = userAgent.trim();
  return trimmed.length <= 40 ? trimmed : 'Unknown browser';
}

export const EVENT_LABELS: Readonly<Record<string, string>> = {
  login_succeeded: 'Signed in',
  login_failed: 'Failed sign-in attempt',
  logout: 'Signed out',
  session_revoked: 'Device signed out',
  session_evicted: 'Oldest device signed out (too many devices)',
  password_changed: 'Password changed',
  password_reset: 'Password reset by email',
  password_reset_requested: 'Password reset requested',
  email_changed: 'Email address changed',
  email_verified: 'Email address confirmed',
  org_joined: 'Joined an organization',
  member_removed: 'Removed from an organization',
  role_changed: 'Organization role changed',
  user_disabled: 'Account disabled',
  user_enabled: 'Account enabled',
  user_deleted: 'Account deleted',
  impersonation_started: 'Administrator started impersonating',
  impersonation_stopped: 'Administrator stopped impersonating',
  registered: 'Account created',
  user_registered: 'Account created',
  mfa_enabled: 'Authenticator app turned on',
  mfa_disabled: 'Authenticator app turned off',
  mfa_failed: 'Wrong two-factor code at sign-in',
  recovery_code_used: 'Recovery code used',
  recovery_codes_regenerated: 'New recovery codes created',
  passkey_added: 'Passkey added',
  passkey_removed: 'Passkey removed',
  passkey_login: 'Signed in with a passkey',
  passkey_counter_regressed: 'Passkey refused (possible copy of the key)',
  mfa_reset: 'Two-factor authentication reset by an administrator',
  identity_linked: 'Sign-in provider linked',
  identity_unlinked: 'Sign-in provider unlinked',
  oidc_consent_granted: 'App access allowed',
  oidc_consent_revoked: 'App access withdrawn',
  oidc_token_reuse: 'App refresh token reused',
  profile_updated: 'Profile updated',
  org_left: 'Left an organization',
  invitation_created: 'Invitation sent',
  invitation_revoked: 'Invitation revoked',
  org_mfa_policy_changed: 'Organization two-factor policy changed',
};

export function describeEvent(type: string): string {
  const known = EVENT_LABELS[type];
  if (known !== undefined) return known;
  const words = type.replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export const ORG_ROLE_LABELS = { owner: 'Owner', admin: 'Admin', member: 'Member' } as const;

const AUTH_METHOD_LABELS: Readonly<Record<string, string>> = {
  password: 'Password',
  totp: 'Authenticator app',
  passkey: 'Passkey',
  recovery_code: 'Recovery code',
};

/** "Password", "Authenticator app"… for a session's `authMethods` entry. */
export function describeAuthMethod(method: string): string {
  if (method.startsWith('provider:')) return `Sign-in provider (${method.slice('provider:'.length)})`;
  return AUTH_METHOD_LABELS[method] ?? describeEvent(method);
}

/** What a person typed as a code, without the spaces phones and password managers add. */
export function compactCode(text: string): string {
  return text.replace(/\s+/g, '');
}

/** A base32 key in groups of four, easier to read and type: "ABCD EFGH …". */
export function groupKey(secret: string): string {
  return (secret.match(/.{1,4}/g) ?? []).join(' ');
}
