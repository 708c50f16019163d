/**
 * The security map: every guarantee of the contract → OWASP Top 10 (2021) → OWASP ASVS 5.0.0 → the tests
 * that pin it. This file is the single source; docs/SECURITY.md shows it between the markers below.
 *
 *   npx tsx scripts/security-map.ts --write   regenerate the table in docs/SECURITY.md
 *   npx tsx scripts/security-map.ts [--check] exit 1 when the table is stale or a named test is gone
 *
 * A test is named `file :: describe > … > it title` (or the bare title when it is unique in its file).
 * Titles built from templates keep their `${…}` / `%s` placeholders exactly as written in the source.
 * Named tests are found by parsing the test files (no vitest run needed).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { IDENTITY_GAPS, IDENTITY_GUARANTEES } from './security-map-identities.js';
import { MFA_GAPS, MFA_GUARANTEES } from './security-map-mfa.js';
import { OIDC_GAPS, OIDC_GUARANTEES } from './security-map-oidc.js';

export type OwaspId = 'A01' | 'A02' | 'A03' | 'A04' | 'A05' | 'A06' | 'A07' | 'A08' | 'A09' | 'A10';

export const OWASP_TOP10_2021: Readonly<Record<OwaspId, string>> = {
  A01: 'Broken Access Control',
  A02: 'Cryptographic Failures',
  A03: 'Injection',
  A04: 'Insecure Design',
  A05: 'Security Misconfiguration',
  A06: 'Vulnerable and Outdated Components',
  A07: 'Identification and Authentication Failures',
  A08: 'Software and Data Integrity Failures',
  A09: 'Security Logging and Monitoring Failures',
  A10: 'Server-Side Request Forgery',
};

export interface Guarantee {
  readonly guarantee: string;
  readonly owasp: readonly OwaspId[];
  /** ASVS 5.0.0 requirement ids, optionally followed by a parenthesised qualifier such as "(partial: …)". */
  readonly asvs: readonly string[];
  readonly tests: readonly string[];
}

export interface Gap {
  readonly gap: string;
  readonly owasp: readonly OwaspId[];
  readonly asvs: readonly string[];
  readonly note: string;
}

export interface SecurityMap {
  readonly guarantees: readonly Guarantee[];
  readonly gaps: readonly Gap[];
}

//#region data
// Describe chains that many rows share (each string below is still one exact test name).
const TOK = 'test/core/tokens.test.ts :: session tokens > ';
const ROT = 'test/core/tokens.test.ts :: SESSION_SECRET_PREVIOUS (key rotation) > ';
const REASON = 'test/core/session-end-reason.test.ts :: 401 unauthenticated says why a session ended (error.reason) > ';
const RECHECK = 'test/core/sessions.test.ts :: every request re-checks session and user > ';
const FRESH = 'test/core/sessions.test.ts :: a fresh session at every login > ';
const CAP = 'test/core/sessions.test.ts :: MAX_SESSIONS > ';
const EXPIRY = 'test/core/sessions.test.ts :: expiry and lastActiveAt > ';
const CHPW = 'test/core/sessions.test.ts :: change-password > ';
const CSRF = 'test/core/csrf.test.ts :: cookie-pair CSRF (signed double submit) > ';
const ORIGIN = 'test/core/csrf.test.ts :: Origin check > ';
const HDR = 'test/core/headers.test.ts :: security headers (http PUBLIC_URL) > ';
const HTTPS = 'test/core/headers.test.ts :: https PUBLIC_URL > ';
const BODY = 'test/core/hygiene.test.ts :: request bodies > ';
const CTRL = 'test/core/control-characters.test.ts :: control characters in ids, filters and path parameters > ';
const PW = 'test/core/hygiene.test.ts :: password policy > ';
const ENUM = 'test/core/hygiene.test.ts :: login does not reveal accounts > ';
const NORM = 'test/core/hygiene.test.ts :: email normalization > ';
const LIMIT = 'test/core/rate-limits.test.ts :: failed logins per account + IP > ';
const CEIL = 'test/core/account-ceiling.test.ts :: the per-account ceiling cannot lock the owner out > ';
const REG = 'test/core/rate-limits.test.ts :: registrations per IP > ';
const EVENTS = 'test/core/logs.test.ts :: security events > ';
const FA = 'test/forward-auth/verify.test.ts :: GET /api/auth/verify (forward auth) > ';
const PLUGIN = 'test/integration/plugin.test.ts :: the Fastify plugin mounted in someone else’s app > ';
const VERIFIER = 'test/integration/verifier.test.ts :: createVerifier (%s mode) > ';
const ETOK = 'test/email/tokens.test.ts :: email tokens: audience, purpose and key confusion > ';
const RESET = 'test/email/reset.test.ts :: password reset > ';
const FORGOT = 'test/email/reset.test.ts :: forgot-password > ';
const VERIFY = 'test/email/verify.test.ts :: email verification > ';
const RESEND = 'test/email/verify.test.ts :: resend-verification > ';
const INV = 'test/org/invitations.test.ts :: GET /api/org and invitations > ';
const JOIN = 'test/org/join.test.ts :: POST /api/org/join > ';
const ROLES = 'test/org/members.test.ts :: member roles > ';
const PROFILE = 'test/profile/update.test.ts :: PATCH /api/profile > ';
const EMAIL = 'test/profile/update.test.ts :: PATCH /api/profile: email change > ';
const DEL = 'test/profile/delete.test.ts :: DELETE /api/profile > ';
const ADMIN = 'test/admin/access.test.ts :: admin routes are for site admins only > ';
const AEVENTS = 'test/admin/events.test.ts :: GET /api/admin/security-events > ';
const DISABLE = 'test/admin/users-manage.test.ts :: PATCH /api/admin/users/:id {disabled} > ';
const IMP = 'test/admin/impersonation.test.ts :: impersonation > ';
const TTL = 'test/admin/impersonation-lifetime.test.ts :: impersonation: how long it lives > expiry at IMPERSONATION_TTL > ';
const ENDS = 'test/admin/impersonation-lifetime.test.ts :: impersonation: how long it lives > the impersonation ends with the admin > ';
const MULTI = 'test/multi-instance/two-instances.test.ts :: two server processes on one PostgreSQL database and one Redis${NOTE} > ';
const SHARED = 'test/redis/shared-limits.test.ts :: rate limits shared through Redis by two instances > ';
const UI = 'test/e2e/auth.test.ts :: web UI: register, verify, sign in, reset (real server, Chromium) > ';
const SERVE = 'test/e2e/serving.test.ts :: serving the built web UI next to the API (no browser needed) > ';
const BOOT = 'test/ops/boot.test.ts :: production boot refusal > ';
const PROD = 'test/ops/config.test.ts :: config: production strictness > ';

export const GUARANTEES: readonly Guarantee[] = [
  {
    guarantee: 'Token separation: session and email tokens have distinct audiences (gatehouse-session, gatehouse-email), typ headers and keys, email tokens also a purpose; each verifier accepts only its own',
    owasp: ['A07', 'A08'],
    asvs: ['9.2.2', '9.2.3', '9.2.4'],
    tests: [
      `${TOK}refuses a wrong or missing audience`,
      `${TOK}refuses a wrong typ header and a missing typ`,
      `${TOK}an email token is never a session cookie: a real verification token and a forged one with session claims`,
      `${TOK}a session token is never an email token (verify-email and reset-password refuse it, nothing changes)`,
      `${ETOK}refuses a reset token at verify-email and a verify token at reset-password`,
      `${ETOK}refuses every forged or confused token at both endpoints with 400 invalid_token`,
      `${ETOK}never accepts an email token as the session cookie`,
    ],
  },
  {
    guarantee: 'Signature and algorithm allow-list: only HS256 with our key verifies; alg none, HS512, foreign keys and tampered payloads are refused',
    owasp: ['A02', 'A08'],
    asvs: ['9.1.1', '9.1.2', '9.1.3'],
    tests: [
      `${TOK}control: a token forged with the right key, alg, typ and claims is accepted (so the refusals below are meaningful)`,
      `${TOK}refuses alg none`,
      `${TOK}refuses HS512 even with the right key`,
      `${TOK}refuses a token signed with a foreign key`,
      `${TOK}refuses a tampered payload`,
      `${TOK}refuses a genuine-looking token whose sub is not the session owner`,
      'test/crypto/verified-tokens.test.ts :: remembered session-token verifications > answer exactly like a fresh verification, and only genuine tokens are remembered',
      'test/crypto/verified-tokens.test.ts :: remembered session-token verifications > are per key set: a token of another secret is never taken from the cache',
    ],
  },
  {
    guarantee: 'Expiry in UTC: exp is required and checked with at most 5 s leeway; token and API times are UTC epoch seconds / ISO-8601 UTC, identical under any TZ',
    owasp: ['A07'],
    asvs: ['9.2.1'],
    tests: [
      `${TOK}refuses an expired token (beyond the 5 s leeway) even for a live session row`,
      `${TOK}refuses a token without exp`,
      'test/crypto/verified-tokens.test.ts :: remembered session-token verifications > still check the time on every use: a remembered token expires, a future one becomes valid',
      'test/core/tokens.test.ts :: time zone independence > token times, API times and expiry are identical under TZ=${zone}',
      `${EXPIRY}times are ISO-8601 UTC from the injected clock`,
      'test/email/ttl.test.ts :: email token lifetimes with TZ=%s > ${flow.name}: expires one second past its lifetime, ${label}',
      'test/email/ttl.test.ts :: the same file in a process started under another TZ > passes under TZ=America/Los_Angeles and TZ=Pacific/Kiritimati',
    ],
  },
  {
    guarantee: 'HKDF per-audience keys: HKDF-SHA256(SESSION_SECRET, info "gatehouse:" + audience); a backend can verify session tokens from the secret alone; SESSION_SECRET_PREVIOUS verifies during a rotation',
    owasp: ['A02'],
    asvs: ['9.1.3', '9.2.4', '11.4.1'],
    tests: [
      'test/core/tokens.test.ts :: HKDF written out in the test > matches RFC 5869 test case 3 (empty salt and info) and node:crypto',
      `${TOK}the issued cookie is an HS256 JWT verifiable from SESSION_SECRET alone with the contract derivation`,
      `${ROT}a token signed under the old secret verifies with new + previous = old, and new tokens use the new key`,
      `${ROT}the same old token is refused when the app runs without previous`,
      `${ROT}email tokens under the old secret keep working during the rotation`,
    ],
  },
  {
    guarantee: 'Per-request recheck: every authenticated request re-reads the session row (revoked, expired, idle) and the user row (deleted → 401, disabled → 403 account_inactive); no window',
    owasp: ['A01', 'A07'],
    asvs: ['7.2.1', '7.4.1', '7.4.2', '8.3.2'],
    tests: [
      `${RECHECK}a disabled user's live cookie is refused on the very next request (403 account_inactive), reads and writes`,
      `${RECHECK}a deleted user gets 401 unauthenticated and both cookies cleared`,
      `${RECHECK}a session revoked from another device is refused at once (401, cookies cleared)`,
      `${EXPIRY}the row decides too: a row expired or idle in the database is refused though its JWT is still valid`,
      'test/core/hot-path.test.ts :: hot path: GET /api/auth/me > sees a revocation made by another statement on the very next request (no cache)',
      `${FA}refusals > a revoked session (logged out) → 401 on the very next request, cookies cleared`,
      `${FA}refusals > a disabled user → 403 account_inactive at once`,
      `${FA}refusals > a deleted user → 401`,
    ],
  },
  {
    guarantee: 'Session lifetime: idle expiry after SESSION_IDLE_TTL and absolute expiry after SESSION_TTL, cookies cleared; lastActiveAt written at most once a minute',
    owasp: ['A07'],
    asvs: ['7.1.1', '7.3.1', '7.3.2'],
    tests: [
      `${EXPIRY}idle expiry: no request for more than SESSION_IDLE_TTL → 401, cookies cleared`,
      `${EXPIRY}activity keeps a session alive past the idle TTL`,
      `${EXPIRY}absolute expiry: past SESSION_TTL → 401 even when active all along`,
      `${EXPIRY}a 6-minute-long idle TTL from the environment is honoured`,
      `${EXPIRY}lastActiveAt is written at most once a minute`,
    ],
  },
  {
    guarantee: 'Logout ends the session on the server, clears both cookies and sends Clear-Site-Data; the old pair replayed → 401',
    owasp: ['A07'],
    asvs: ['7.4.1', '14.3.1'],
    tests: [`${RECHECK}logout clears the pair and sends Clear-Site-Data; replaying the old pair → 401 with cookies cleared`],
  },
  {
    guarantee: 'Cookie pair attributes: session cookie HttpOnly, SameSite=Lax, Path=/, no Domain; CSRF cookie JS-readable; __Host- names and Secure under https; the session token travels only in Set-Cookie and is accepted only from the cookie',
    owasp: ['A05', 'A07'],
    asvs: ['3.3.1', '3.3.2', '3.3.3', '3.3.4'],
    tests: [
      `${HDR}cookie pair attributes: session HttpOnly, CSRF JS-readable, SameSite=Lax, Path=/, no Domain, not Secure over http`,
      `${HTTPS}__Host- cookies, Secure, HttpOnly session, Path=/, no Domain`,
      `${HTTPS}a session token presented under the non-__Host- name is not accepted`,
      `${FRESH}the session token never appears in a response body`,
      `${TOK}accepts the token only from the cookie, never from a header or query`,
      `${TOK}refuses oversized and garbage cookies without leaking anything`,
    ],
  },
  {
    guarantee: 'Signed double-submit CSRF: every cookie-authenticated write needs X-CSRF-Token = CSRF cookie = the csrf claim of the session token, else 403 csrf_failed and nothing changes (tossed cookies, other users\' and other devices\' pairs included); GET never changes state',
    owasp: ['A01'],
    asvs: ['3.5.1', '3.5.3'],
    tests: [
      `${CSRF}\${w.name}: missing X-CSRF-Token → 403 csrf_failed, nothing changed`,
      `${CSRF}\${w.name}: wrong X-CSRF-Token → 403, nothing changed`,
      `${CSRF}\${w.name}: tossed cookie (attacker's own gh_csrf cookie + matching header) → 403, nothing changed`,
      `${CSRF}\${w.name}: another user's CSRF pair → 403, nothing changed`,
      `${CSRF}\${w.name}: the CSRF value of the same user's other device → 403, nothing changed`,
      `${CSRF}\${w.name}: right header but the CSRF cookie missing → 403, nothing changed`,
      `${CSRF}the header must match exactly (no case folding, no trimming)`,
      `${CSRF}control: the right pair is accepted (so the refusals above were about CSRF)`,
      `${CSRF}GET never needs the header (and never changes state)`,
      `${TOK}refuses a token without a csrf claim (401), for reads and writes`,
      `${ADMIN}admin writes need the CSRF header like every other write (403 csrf_failed, nothing changes)`,
      `${PROFILE}needs a session and the CSRF header`,
      `${UI}a write sent from the page without the wrapper (no X-CSRF-Token) is refused with 403 csrf_failed`,
    ],
  },
  {
    guarantee: 'Origin check: a mutating request whose Origin is not PUBLIC_URL\'s origin → 403 csrf_failed, including login, register and the email-token endpoints (which need no CSRF header)',
    owasp: ['A01'],
    asvs: ['3.5.1', '3.5.2'],
    tests: [
      `${ORIGIN}authenticated write with Origin \${origin} → 403 csrf_failed, nothing changed (even with the right CSRF pair)`,
      `${ORIGIN}login and register with Origin \${origin} → 403 csrf_failed, no session, no user`,
      `${ORIGIN}our own Origin is accepted`,
      `${HTTPS}the Origin check uses the https origin`,
      `${CSRF}login and register need no X-CSRF-Token`,
      `${ETOK}needs no session and no CSRF header, but does apply the Origin check`,
    ],
  },
  {
    guarantee: 'Forward auth: identity headers come from the database, never from the client; a mutating original method gets the CSRF and Origin checks; ?role= / ?orgRole= demand more; an impersonation is named',
    owasp: ['A01'],
    asvs: ['3.5.1', '4.1.3', '8.2.1', '8.3.1'],
    tests: [
      `${FA}signed in: 204, empty body, identity headers from the database`,
      `${FA}identity headers a client sent itself are never echoed back as the answer`,
      `${FA}while impersonating: the target’s identity plus X-Gatehouse-Impersonator-Id`,
      `${FA}refusals > no cookie, a garbage cookie, or a token anywhere but the cookie → 401 unauthenticated`,
      `${FA}CSRF for the original method > every mutating method is checked, in any letter case`,
      `${FA}CSRF for the original method > methods outside GET/HEAD/OPTIONS (e.g. WebDAV, PURGE) are treated as writes too`,
      `${FA}CSRF for the original method > a client cannot launder a write by adding a second method header claiming GET`,
      `${FA}CSRF for the original method > a wrong CSRF value (another session’s, or the cookie without the header) → 403 csrf_failed`,
      `${FA}CSRF for the original method > a foreign Origin on a write → 403 csrf_failed even with the right token; our own Origin is fine`,
      `${FA}?role= and ?orgRole= demand more > ?role=admin: site admins pass, everyone else → 403 forbidden`,
      `${FA}?role= and ?orgRole= demand more > ?orgRole=owner: only owners; ?orgRole=admin: owners and org admins`,
      `${FA}?role= and ?orgRole= demand more > a demotion shows on the very next request`,
    ],
  },
  {
    guarantee: 'Embedding (Fastify plugin, createVerifier): host routes get the same per-request session recheck, CSRF/Origin and role checks as Gatehouse itself; a verifier that cannot reach Gatehouse answers 503, never a pass',
    owasp: ['A01', 'A07'],
    asvs: ['3.5.1', '7.2.1', '8.3.1', '16.5.3'],
    tests: [
      `${PLUGIN}signed out: the host route answers 401 in the Gatehouse envelope, the handler never runs`,
      `${PLUGIN}a write without the CSRF header is 403 csrf_failed and never reaches the handler; with it, 200`,
      `${PLUGIN}role: admin refuses a plain user (403 forbidden) and admits a site admin`,
      `${PLUGIN}a disabled user gets 403 account_inactive on the very next request`,
      `${PLUGIN}after sign-out the host route answers 401 and clears both cookies`,
      `${PLUGIN}Gatehouse's own rules still hold under the host: no coercion, unknown fields refused, JSON only, its own 404s and headers`,
      `${VERIFIER}writes need the CSRF header matching the cookie and the signed claim, and a same-site Origin`,
      `${VERIFIER}a disabled user: 403 account_inactive; a revoked session: 401 on the very next call`,
      `${VERIFIER}while impersonating: the target’s identity and the admin’s id, and never admin power`,
      `${VERIFIER}a session signed with another secret is refused`,
      'test/integration/verifier.test.ts :: createVerifier (http mode) when Gatehouse cannot answer > is 503 unavailable, never a pass',
    ],
  },
  {
    guarantee: 'Production secret refusal: production does not boot (non-zero exit, clear message, nothing listening) without a SESSION_SECRET of at least 32 bytes or with dev-only mail; doctor reports the same',
    owasp: ['A05', 'A02'],
    asvs: ['13.3.1 (partial: secrets come from the environment, never from source or the database)', '13.4.2'],
    tests: [
      `${BOOT}a secret of 31 bytes is refused; 32 is the minimum`,
      `${BOOT}%s: non-zero exit, clear message, nothing listening, no secret printed`,
      `${PROD}SESSION_SECRET: missing or under 32 bytes is refused; exactly 32 bytes is accepted; bytes, not characters, count`,
      `${PROD}MAIL_TRANSPORT: required; outbox and console refused; resend needs its key; smtp accepted`,
      'test/ops/config.test.ts :: config: development secret > a truncated secret file is replaced, never used as a weak key',
      'test/ops/doctor.test.ts :: doctor: auditConfig > %s is an error',
      'test/ops/cli.test.ts :: cli: doctor > %s: exit 1, the finding named, no secret printed',
    ],
  },
  {
    guarantee: 'Dev-only surfaces are closed in production: the dev outbox answers 404 like an unknown route',
    owasp: ['A05'],
    asvs: ['13.4.2', '15.2.3'],
    tests: [
      'test/email/resend.test.ts :: the dev outbox route > answers 404 in production, exactly like an unknown route, while mail still goes out',
      'test/email/resend.test.ts :: the dev outbox route > answers 404 in development when another transport is configured',
      `${BOOT}a valid production environment starts, serves, hides the dev outbox and stops cleanly on SIGTERM`,
    ],
  },
  {
    guarantee: 'Secrets never logged or echoed: passwords, tokens, cookies, SESSION_SECRET, SMTP passwords and API keys stay out of log lines, error bodies, CLI output and stored mail failures',
    owasp: ['A09', 'A02'],
    asvs: ['16.2.5', '16.5.1'],
    tests: [
      'test/core/logs.test.ts :: logs are free of secrets > register, login, change-password, logout, forgot/reset-password and error paths with canaries (LOG_LEVEL=${level})',
      'test/core/hot-path.test.ts :: access log > writes one line per request, of fixed fields, with the query string cut off',
      'test/core/hygiene.test.ts :: internal errors > a database failure → 500 internal_error with a clean body, and the cookie never reaches the log',
      `${PW}the policy error says what is wrong without echoing the password`,
      'test/email/mailer.test.ts :: Mailer: retries, backoff and failure records > never logs or stores a library error message, nor the email body',
      'test/email/smtp.test.ts :: SMTP transport: refused credentials > records the failure without retrying a permanent 535, never logging the password, and keeps the account',
      'test/email/resend.test.ts :: Resend transport against a local recording server > records an unreachable endpoint as a network failure, without the key',
      'test/ops/config.test.ts :: config: `??` semantics and invalid values > a problem message never echoes the value (which may be a secret)',
      'test/ops/doctor.test.ts :: doctor: auditConfig > never quotes a secret, whatever the finding',
    ],
  },
  {
    guarantee: 'Input validation: unknown fields, null, wrong types, bad values and control characters in ids and filters → 400 invalid_request and nothing changes, alike on SQLite and PostgreSQL; partial updates apply only the fields present and {} changes nothing',
    owasp: ['A03', 'A04'],
    asvs: ['2.2.1', '2.2.2', '15.3.3', '15.3.5'],
    tests: [
      `${BODY}register with \${label} → 400 invalid_request, no user created`,
      `${BODY}login refuses unknown fields, null and wrong types (400) and no session is created`,
      `${BODY}change-password refuses unknown fields and wrong types, password unchanged`,
      `${BODY}PATCH-style partial input: null, wrong types and unknown fields → 400 and nothing changed; {} changes nothing`,
      `${PROFILE}applies only the fields present`,
      `${PROFILE}{} changes nothing (the full user row, the org, no email)`,
      `${PROFILE}null, wrong types, unknown fields and bad values → 400 invalid_request, nothing changed`,
      `${ETOK}keeps wrong-type and unknown fields out with 400 invalid_request`,
      `${ADMIN}admin route bodies refuse unknown fields, wrong types and null (400); unknown ids → 404`,
      `${ROLES}bad bodies → 400 and nothing changes`,
      'test/admin/users-list.test.ts :: GET /api/admin/users > a bad page → 400 invalid_request (0, -1, abc, 1.5, 1e2, repeated)',
      `${CTRL}every route with a path parameter answers 400 invalid_request, logs no error and changes nothing`,
      `${CTRL}a NUL after a real id is refused, not cut off: the admin's own session and the member stay`,
      `${CTRL}ids and filters in query strings and bodies are refused the same way`,
    ],
  },
  {
    guarantee: 'JSON only, bounded bodies: a body that is not application/json → 415 and one over 16 KiB → 413, nothing created (so no cross-site "simple" form post reaches a handler)',
    owasp: ['A04', 'A05'],
    asvs: ['3.5.2', '4.1.1'],
    tests: [
      `${BODY}non-JSON bodies → 415 unsupported_media_type, nothing created`,
      `${BODY}application/json with a charset parameter is accepted`,
      `${BODY}bodies over 16 KiB → 413 payload_too_large, nothing created`,
      `${BODY}a body just under 16 KiB is parsed (the limit is not lower than the contract)`,
    ],
  },
  {
    guarantee: 'Prototype pollution: __proto__ / constructor / prototype keys → 400 and Object.prototype stays clean',
    owasp: ['A03', 'A08'],
    asvs: ['15.3.6'],
    tests: [`${BODY}prototype-pollution keys → 400, and Object.prototype stays clean`],
  },
  {
    guarantee: 'Injection: search terms are data (LIKE wildcards literal, queries parameterized); user-controlled values are escaped in email HTML',
    owasp: ['A03'],
    asvs: ['1.2.1', '1.2.4'],
    tests: [
      'test/admin/users-list.test.ts :: GET /api/admin/users > LIKE wildcards in q are literal: % and _ match only themselves',
      'test/email/templates.test.ts :: email templates > escapes user-controlled values in HTML',
    ],
  },
  {
    guarantee: 'Error hygiene: every error is the JSON envelope from one catalog, never a stack, SQL, library text or internal id; unknown routes are JSON 404; a missing dependency answers 503, never a silent pass',
    owasp: ['A05', 'A04'],
    asvs: ['16.5.1', '16.5.2', '16.5.3'],
    tests: [
      `${BODY}malformed JSON → 400 invalid_request without echoing the parser`,
      `${BODY}error bodies for odd input never contain stacks, SQL or library text`,
      `${BODY}unknown routes → 404 not_found JSON; wrong methods never change state`,
      'test/core/hygiene.test.ts :: router-level errors (over-long path parameter, bad URL encoding) > are answered from the error catalog with the contract headers',
      'test/redis/redis-store.test.ts :: Redis counter store > configured but unreachable: every operation fails with 503 unavailable (never a silent pass), ping is false, close does not hang',
      'test/redis/shared-limits.test.ts :: Redis configured but down > login, register and forgot-password answer 503 unavailable and change nothing; /readyz 503 with counters:false; /healthz 200',
      'test/email/outage.test.ts :: forgot-password while the database is down > answers 503 unavailable like every other route that needs the database, and queues and counts nothing',
      `${SERVE}unknown /api routes stay JSON 404, even when a browser asks for HTML`,
    ],
  },
  {
    guarantee: 'MAX_SESSIONS cap, race-free: a login beyond the cap revokes the least recently active session, also under concurrent logins and across instances; impersonations neither count nor evict',
    owasp: ['A04', 'A07'],
    asvs: ['7.1.2', '15.4.2'],
    tests: [
      `${CAP}the 6th login evicts the least recently active session (not the oldest)`,
      `${CAP}20 concurrent logins leave at most MAX_SESSIONS active`,
      `${CAP}MAX_SESSIONS=2 is honoured under concurrency too`,
      'test/core/login-burst.test.ts :: a burst of correct logins from one address > is never refused by the failure limit, and still leaves at most MAX_SESSIONS active',
      `${MULTI}20 concurrent logins split over A and B leave exactly MAX_SESSIONS (\${String(MAX_SESSIONS)}) sessions active`,
      'test/admin/impersonation-lifetime.test.ts :: impersonation: how long it lives > the target\'s sessions > an impersonation neither counts toward nor evicts MAX_SESSIONS, and shows in the devices list as such',
    ],
  },
  {
    guarantee: 'Fresh session at every login: a new session row, id and cookie pair each time; a session cookie presented at login is revoked (no fixation)',
    owasp: ['A07'],
    asvs: ['7.2.4'],
    tests: [
      `${FRESH}the session id and both cookies differ at every login`,
      `${FRESH}a session cookie presented at login is revoked (no fixation, no orphan)`,
      `${IMP}stop > restores the admin's own session with a fresh cookie pair; the impersonation token is dead`,
    ],
  },
  {
    guarantee: 'Password change needs the current password, issues a new pair and ends every other session and the old pair; a reset ends every session and signs nobody in',
    owasp: ['A07'],
    asvs: ['6.2.2', '6.2.3', '7.2.4', '7.4.3'],
    tests: [
      `${CHPW}sets a new cookie pair; the old pair of this session and every other session → 401`,
      `${CHPW}wrong current password → 401 invalid_credentials and nothing changed`,
      `${CHPW}without a session → 401`,
      `${RESET}resets the password, revokes every session, and does not sign anyone in`,
    ],
  },
  {
    guarantee: 'Devices: a user lists and revokes only their own active sessions (someone else\'s id → 404, untouched); revoke-others keeps the current one',
    owasp: ['A01'],
    asvs: ['7.5.2 (partial: no re-authentication before revoking)', '8.2.2'],
    tests: [
      `${RECHECK}someone else's session id → 404 and it stays alive`,
      `${RECHECK}revoke-others kills every other session and keeps this one`,
      'test/admin/impersonation-lifetime.test.ts :: impersonation: how long it lives > the target\'s sessions > the user can end an impersonation from their devices list',
      'test/e2e/org-devices.test.ts :: web UI: organization and devices (real server, Chromium) > devices page revokes the other browser; that browser lands on sign-in at its next action',
    ],
  },
  {
    guarantee: 'Account disable/delete ends every session at once; re-enabling does not revive them',
    owasp: ['A01', 'A07'],
    asvs: ['7.4.2', '7.4.5'],
    tests: [
      `${DISABLE}disabling: the user's live cookies get 403 account_inactive on the very next request and every session is revoked`,
      `${DISABLE}re-enabling lets them sign in again; the sessions killed by the disable stay dead`,
      'test/admin/users-manage.test.ts :: DELETE /api/admin/users/:id > removes the user, their sessions and membership; their sole-member organization goes too',
      `${DEL}success → 204, cookies cleared, every session dead, the sole-member org deleted, the email free again`,
    ],
  },
  {
    guarantee: 'Site-admin authorization: admin routes are for site admins only, checked before validation; promotions and demotions apply on the very next request; an admin cannot lock themselves out',
    owasp: ['A01'],
    asvs: ['8.2.1', '8.3.1', '8.3.2'],
    tests: [
      `${ADMIN}\${name}: a plain user gets 403 forbidden and nothing changes`,
      `${ADMIN}\${name}: without a session → 401 unauthenticated and nothing changes`,
      `${ADMIN}authorization comes before validation: plain users and strangers learn nothing from a malformed request`,
      `${ADMIN}a demoted admin loses every admin route on the very next request`,
      `${ADMIN}a demotion through the API by another admin is just as immediate`,
      `${ADMIN}an admin can never lock themselves out (so the last admin stays) > self-disable → 409 conflict; nothing changes`,
      `${ADMIN}an admin can never lock themselves out (so the last admin stays) > self-demote → 409 conflict; nothing changes (also when combined with a harmless field)`,
    ],
  },
  {
    guarantee: 'Organization authorization: roles decide who may invite, manage and rename; another organization\'s objects are 404; role checks are made under the org lock; an org never loses its last owner',
    owasp: ['A01'],
    asvs: ['8.2.1', '8.2.2', '8.4.1', '15.4.2'],
    tests: [
      `${INV}a plain member cannot invite, list or revoke (403), and nothing is created or sent`,
      `${INV}another organization's invitation id → 404 and it stays valid`,
      `${ROLES}an admin manages members and admins but cannot touch owners or create owners (403, nothing changes)`,
      `${ROLES}a plain member cannot change roles or remove anyone (403, nothing changes)`,
      `${ROLES}someone outside the caller’s org (or nobody) → 404 and they are untouched`,
      `${ROLES}a manager demoted a moment ago cannot act with the old role (checked under the org lock)`,
      `${ROLES}two owners demoting each other at once: exactly one wins, one owner remains`,
      `${PROFILE}organizationName needs org owner or admin: a member → 403 and nothing changes, not even the name`,
    ],
  },
  {
    guarantee: 'Impersonation restrictions: admins, yourself and disabled users cannot be impersonated; no nesting; while impersonating, admin routes, password change, email change and deletion → 403; forward auth never grants admin',
    owasp: ['A01'],
    asvs: ['8.2.1', '8.3.1'],
    tests: [
      `${IMP}who cannot be impersonated (403 forbidden, nothing changes) > \${kind}`,
      `${IMP}who cannot be impersonated (403 forbidden, nothing changes) > no nested impersonation: the impersonation session cannot start another (403)`,
      `${IMP}the impersonated session cannot take over the account > change password → 403 forbidden; the password still works, no session changed`,
      `${IMP}the impersonated session cannot take over the account > change email → 403 forbidden even with the right current password; nothing changes, no email sent`,
      `${IMP}the impersonated session cannot take over the account > delete the account → 403 forbidden; the account, its sessions and organization remain`,
      `${ADMIN}\${name}: an impersonation session gets 403 forbidden and nothing changes`,
      `${FA}?role= and ?orgRole= demand more > an impersonating admin never satisfies ?role=admin`,
    ],
  },
  {
    guarantee: 'Impersonation lifetime: limited to IMPERSONATION_TTL; it dies with the admin\'s powers (disabled, demoted, logged out, session revoked) and when the target becomes an admin',
    owasp: ['A01', 'A07'],
    asvs: ['7.3.2', '8.3.2'],
    tests: [
      `${TTL}default 30m: works just before, 401 (cookies cleared) just after`,
      `${TTL}IMPERSONATION_TTL=10m is honoured, however active the impersonation is`,
      `${ENDS}admin disabled by another admin → the impersonation session gets 401 on its next request`,
      `${ENDS}admin demoted (in the database) → 401 on the next request, and stop is no way back to admin powers`,
      `${ENDS}admin logs out (their own session) → 401 on the impersonation's next request`,
      `${ENDS}admin's own session revoked from another device → 401`,
      `${ENDS}the target being promoted to admin ends it (admins cannot be impersonated)`,
    ],
  },
  {
    guarantee: 'Re-authentication: changing the email needs the current password in the same body (missing → 400, wrong → 401, nothing changed) and deleting the account needs the password; guesses are rate limited',
    owasp: ['A07', 'A01'],
    asvs: ['7.5.1', '7.5.3'],
    tests: [
      `${EMAIL}without currentPassword → 400; with a wrong one → 401 invalid_credentials; nothing changes, name included`,
      `${EMAIL}while impersonating, email change → 403 forbidden even with the right password`,
      `${DEL}a wrong or missing password → 401 / 400 and nothing is deleted`,
      `${LIMIT}wrong current passwords at change-password count too: a stolen session cannot brute-force`,
      `${LIMIT}parallel guesses of the current password at change-password are limited too`,
    ],
  },
  {
    guarantee: 'Notices: the old address is told about an email change and the owner about a password reset (no link in either)',
    owasp: ['A07'],
    asvs: ['6.3.7'],
    tests: [
      `${EMAIL}success: normalized, unverified, verification at the new address, notice at the old, old link dead`,
      `${RESET}resets the password, revokes every session, and does not sign anyone in`,
      'test/email/templates.test.ts :: email templates > notices: what changed and what to do if it was not you',
    ],
  },
  {
    guarantee: 'Security events: logins, failed logins, logouts, revocations, evictions, password/email changes, verification, role and membership changes, disable/enable and impersonation are recorded with UTC time, IP, user agent, actor and target; users see only their own, admins search all',
    owasp: ['A09'],
    asvs: ['16.2.1', '16.2.2', '16.3.1'],
    tests: [
      `${EVENTS}login_succeeded, login_failed, logout, session_revoked, session_evicted and password_changed appear in GET /api/security-events`,
      `${EVENTS}a user sees only their own events, and only when signed in`,
      `${AEVENTS}events have the contract shape and are newest first`,
      `${AEVENTS}filters by userId: only events of that user, never anybody else’s`,
      `${AEVENTS}impersonation start/stop are findable by either party and type, naming actor = admin and target = user`,
      `${IMP}stop > start and stop are security events on both accounts, naming actor = admin and target = user`,
      `${DISABLE}disable and enable are security events on both accounts, naming actor and target`,
      `${ROLES}role_changed is in the security log of both the target and the actor`,
      `${VERIFY}verifies with the emailed link, once, without a session, and records the event`,
    ],
  },
  {
    guarantee: 'Password policy: 8 to 256 code points, any composition, never truncated, trimmed or case-folded; common passwords and ones containing the email\'s local part are refused; stored with argon2id (OWASP parameters)',
    owasp: ['A07', 'A02'],
    asvs: ['6.2.1', '6.2.4', '6.2.5', '6.2.8', '6.2.9', '6.2.11 (partial: the email\'s local part only)', '11.4.2'],
    tests: [
      `${PW}7 characters are refused, 8 accepted`,
      `${PW}counts Unicode code points: 256 accepted (emoji included), 257 refused`,
      `${PW}common passwords are refused, whatever their case`,
      `${PW}a password containing the email's local part is refused`,
      `${PW}never truncated: a 200-char password differing only in the last char does not log in`,
      `${PW}never case-folded or trimmed`,
      `${CHPW}a weak new password → 400 invalid_request and nothing changed`,
      `${RESET}refuses a weak new password and keeps the link usable`,
      'test/ops/cli.test.ts :: cli: create-admin > creates a verified site admin owning a new organization, password from stdin, hashed with argon2id (OWASP)',
    ],
  },
  {
    guarantee: 'Login rate limits: LOGIN_MAX_FAILURES per account + IP per 15 min (then 429 with Retry-After, even for the right password) and LOGIN_MAX_FAILURES_PER_ACCOUNT (100) per account per hour, which addresses that signed in to the account within 30 days may pass with the right password (no targeted lockout); parallel guesses cannot slip past; X-Forwarded-For ignored unless TRUST_PROXY; shared across instances',
    owasp: ['A07'],
    asvs: ['6.1.1', '6.3.1', '2.4.1', '15.3.4'],
    tests: [
      `${LIMIT}10 failures, then 429 with Retry-After even with the right password; other IPs unaffected; reset after 15 min`,
      `${LIMIT}the 10th failure is still answered 401 (the limit is not lower than the contract)`,
      `${LIMIT}parallel guesses cannot slip past the limit: 30 concurrent wrong logins get at most 10 (+ hasher concurrency) verdicts`,
      `${LIMIT}a burst of correct logins from one address is never refused (only failures count)`,
      `${LIMIT}LOGIN_MAX_FAILURES is honoured`,
      `${LIMIT}X-Forwarded-For is ignored without TRUST_PROXY (rotating it does not escape the limit)`,
      `${LIMIT}a ceiling of 100 failures per account per hour from all addresses`,
      `${CEIL}after 100 failures from many addresses, a new address is refused even with the right password, but the owner signs in from an address used before`,
      `${CEIL}a remembered address is still held to the per account + IP limit, and its failures still count`,
      `${CEIL}an address is remembered for 30 days after its latest sign-in`,
      `${CEIL}LOGIN_MAX_FAILURES_PER_ACCOUNT is honoured`,
      `${CEIL}an address remembered for one account opens nothing for another, and unknown accounts answer alike (no enumeration)`,
      `${SHARED}failed logins split over A and B hit one limit; both refuse the right password; another IP is unaffected; the window ends\${SKIP_NOTE}`,
      `${MULTI}failed logins split over A and B hit one shared limit: after \${String(LOGIN_MAX_FAILURES)} the next attempt on either is 429, even with the right password`,
      `${UI}wrong passwords, then too many: the form says when to retry`,
    ],
  },
  {
    guarantee: 'Registration and email rate limits: REGISTER_MAX_PER_IP per hour; EMAIL_MAX_PER_ADDRESS verification, reset and invitation emails per address per hour (429 + Retry-After, nothing created)',
    owasp: ['A04', 'A07'],
    asvs: ['2.4.1'],
    tests: [
      `${REG}REGISTER_MAX_PER_IP then 429 with Retry-After and no user created; other IPs fine; reset after an hour`,
      `${REG}the default is 20 per hour`,
      `${FORGOT}rate limits per client IP across addresses`,
      `${RESEND}sends a fresh working link, and is rate limited per address with 429 + Retry-After`,
      `${INV}invitation emails count against the per-address hourly budget (429, nothing created)`,
      `${SHARED}registrations per IP are counted across instances\${SKIP_NOTE}`,
    ],
  },
  {
    guarantee: 'Account enumeration resistance: login answers unknown email and wrong password identically (body, headers, a real hash verification); forgot-password answers 202 for known, unknown and disabled addresses and limits them alike',
    owasp: ['A07'],
    asvs: ['6.3.8 (partial: registration answers 409 email_taken)'],
    tests: [
      `${ENUM}unknown email and wrong password get the same status, body and headers`,
      `${ENUM}unknown emails spend a real password verification (the dummy hash runs)`,
      `${LIMIT}unknown accounts are limited the same way (no enumeration through the limiter)`,
      `${FORGOT}answers known, unknown and disabled addresses identically`,
      `${FORGOT}rate limits per address with 429 + Retry-After, at the same count for known and unknown addresses`,
    ],
  },
  {
    guarantee: 'One identity per address: emails are trimmed, NFC-normalized and lower-cased before storing or comparing; concurrent registrations of one address create one user',
    owasp: ['A07', 'A04'],
    asvs: ['15.4.2'],
    tests: [
      `${NORM}"  Alice@Example.COM " is stored as alice@example.com, signs in in any case, and cannot register twice`,
      `${NORM}NFC: composed and decomposed forms are the same account`,
      `${NORM}concurrent registrations of one address create one user`,
      `${EMAIL}an address already in use (any case, surrounding spaces) → 409 email_taken, nothing changes`,
    ],
  },
  {
    guarantee: 'Email tokens are single-use and die when superseded or revoked (400 invalid_token) or when only expired (410 token_expired): reset links die on use and on any password change, verification links on any email change, invitations on revoke, re-invite or use',
    owasp: ['A07', 'A01'],
    asvs: ['6.4.1', '6.4.3', '9.2.1', '15.4.2'],
    tests: [
      `${RESET}refuses a second use of the same link`,
      `${RESET}refuses a link after a later password change even when the token row was left unconsumed`,
      `${RESET}lets a second request supersede the first link`,
      `${RESET}leaves at most one live link when two requests race`,
      `${RESET}refuses a link whose account was deleted`,
      `${VERIFY}uses a link only once under concurrent requests`,
      `${VERIFY}refuses a link after the email changed away and back again`,
      `${ETOK}refuses an expired token of the wrong purpose as invalid, not expired`,
      `${INV}revoke → 204 and the link then gives 400 invalid_token; revoking twice → 404`,
      `${INV}a new invitation to the same address supersedes the pending one: the old link dies (400)`,
      `${JOIN}an invitation is single-use: the used link → 400 invalid_token for anyone, nothing changes`,
      `${JOIN}two concurrent joins with one link: exactly one 200, the other 400 and unmoved`,
      `${JOIN}an expired link → 410 token_expired, nothing changes; a fresh link is valid immediately`,
      `${JOIN}a revoked invitation that has also expired still says invalid_token (400), not 410`,
      `${UI}forgot password → emailed link → new password; the old one stops working and the link is single-use`,
    ],
  },
  {
    guarantee: 'Email link poisoning: links in emails are built from PUBLIC_URL only, never from Host or X-Forwarded-Host',
    owasp: ['A04'],
    asvs: ['4.1.3'],
    tests: [
      `${FORGOT}builds links from PUBLIC_URL, never from Host or X-Forwarded-Host`,
      `${INV}invite → 201 {invitation} and an email whose /join link is built from PUBLIC_URL, never from Host`,
    ],
  },
  {
    guarantee: 'Security headers: nosniff, Referrer-Policy, a CSP with frame-ancestors/object-src/base-uri \'none\' on every response; Cache-Control: no-store on /api; HSTS under https; no CORS headers for other origins; token pages send no referrer',
    owasp: ['A05'],
    asvs: ['3.4.1', '3.4.2', '3.4.3', '3.4.4', '3.4.5', '3.4.6', '14.3.2'],
    tests: [
      `${HDR}every kind of /api response carries nosniff, Referrer-Policy, the CSP and no-store`,
      `${HDR}non-API responses carry the headers too`,
      `${HDR}no HSTS over http`,
      `${HDR}no CORS headers are reflected to other origins (simple request and preflight)`,
      `${HTTPS}HSTS on every response`,
      `${SERVE}GET %s is the app (index.html) with the CSP`,
      `${SERVE}token page %s never sends its URL as a referrer`,
    ],
  },
  {
    guarantee: 'Web UI: no inline script or style (the CSP holds), every write goes through the CSRF-aware fetch wrapper, and sign-in only returns to same-origin paths',
    owasp: ['A03', 'A01'],
    asvs: ['3.2.2', '3.7.2'],
    tests: [
      `${UI}unknown pages show "page not found" (404) while /api stays JSON; index.html has no inline script or style`,
      `${UI}signed-out visits go to sign-in and come back; only same-origin return paths are followed`,
      'test/web/return-path.test.ts :: returnPathFor (sign-in ?next=) > refuses %j',
      'test/web/return-path.test.ts :: returnPathFor (sign-in ?next=) > every result is a same-origin path that passes the rules again unchanged',
    ],
  },
  {
    guarantee: 'Multi-instance, no stale state: a revocation, disable, deletion, demotion or end of impersonation on one instance is refused on the other on the very next request',
    owasp: ['A01', 'A04'],
    asvs: ['7.4.1', '7.4.2', '8.3.2'],
    tests: [
      `${MULTI}a session revoked on A is refused on B on the very next request (cookies cleared); the revoking session lives on`,
      `${MULTI}a user disabled on B is refused on A on the very next request (403 account_inactive), and cannot sign in on either`,
      `${MULTI}deletion, demotion and the end of an impersonation on one instance are refused on the other on the very next request`,
    ],
  },
  {
    guarantee: 'Slow clients: a request must arrive in full within REQUEST_TIMEOUT (else 408 and the connection is closed); on SIGTERM, connections whose request never arrived are closed after 2 s, so a stalled client cannot hold a shutdown',
    owasp: ['A04', 'A05'],
    asvs: ['2.4.1'],
    tests: [
      'test/ops/slow-clients.test.ts :: slow clients (real server process, real sockets) > REQUEST_TIMEOUT: a body or headers that never arrive in full get 408 and the connection closed; a complete slow-ish request is served',
      'test/ops/slow-clients.test.ts :: slow clients (real server process, real sockets) > SIGTERM with a stalled upload, half-sent headers and an idle keep-alive exits 0 within seconds; a body completing meanwhile is still answered',
    ],
  },
  // Second factors and passkeys (issue 13): scripts/security-map-mfa.ts.
  ...MFA_GUARANTEES,
  // The OpenID Connect provider (Sign in with Gatehouse): scripts/security-map-oidc.ts.
  ...OIDC_GUARANTEES,
  // Sign in with another provider (src/identities/): scripts/security-map-identities.ts.
  ...IDENTITY_GUARANTEES,
  {
    guarantee: 'Why a session ended (error.reason of the 401: evicted, revoked, expired, password changed, signed out) is told only to the holder of a genuine token of that very session, worked out on the failure path only; no cookie, a forged or foreign token, an unknown session or a deleted user get the plain 401',
    owasp: ['A07', 'A01'],
    asvs: ['7.4.1', '16.5.1'],
    tests: [
      `${REASON}nothing is revealed for a token that is not a genuine session of its user > no cookie, garbage, or a token signed with another key: plain unauthenticated`,
      `${REASON}nothing is revealed for a token that is not a genuine session of its user > a validly signed token for an unknown session, or naming another user for a revoked one: plain unauthenticated`,
      `${REASON}nothing is revealed for a token that is not a genuine session of its user > a deleted user: plain unauthenticated`,
      `${REASON}evicted by the session cap: session_evicted, naming the limit`,
      `${REASON}signed out from the devices page of another device: session_revoked`,
      `${REASON}the password changed on another device: password_changed (and eviction a second earlier stays an eviction)`,
      `${REASON}the reason is stored with the revocation: two kinds at the same instant stay apart, with no security event to go by`,
      'test/e2e/session-events.test.ts :: web UI: forced sign-outs, polling, event lists (real server, Chromium) > a session revoked from another device: the open page lands on sign-in saying so at the next poll, then stops polling',
    ],
  },
];

export const NOT_COVERED: readonly Gap[] = [
  { gap: 'Breached-password check (e.g. HIBP k-anonymity)', owasp: ['A07'], asvs: ['6.2.12 (L2)'], note: 'Open: only the ~49k most common passwords and the email local part are refused; no network lookup.' },
  { gap: 'Context-specific word list beyond the email local part (product, organization names)', owasp: ['A07'], asvs: ['6.1.2 (L2)', '6.2.11 (L2)'], note: 'Partial: only the email\'s local part is refused.' },
  { gap: 'Re-authentication before revoking sessions on the devices page', owasp: ['A07'], asvs: ['7.5.2 (L2)'], note: 'Open: the current session alone may revoke other sessions (revoking is the safe direction).' },
  { gap: 'Targeted sign-in lockout from new addresses: LOGIN_MAX_FAILURES_PER_ACCOUNT (100) failed logins from anywhere block sign-in to that account, for up to an hour, from addresses it never signed in from', owasp: ['A07', 'A04'], asvs: ['6.1.1 (L1, partial)'], note: 'Partial: addresses that signed in to the account within 30 days still pass with the right password (under their own per-address limit), existing sessions keep working and the window ends by itself; a first sign-in from a new network during an attack waits. No CAPTCHA or email step-up instead.' },
  { gap: 'Account enumeration at registration', owasp: ['A07'], asvs: ['6.3.8 (L3)'], note: 'By contract: register answers 409 email_taken; rate limited per IP (REGISTER_MAX_PER_IP).' },
  { gap: 'Notification of suspicious sign-ins (new device, many failures, lockout)', owasp: ['A07', 'A09'], asvs: ['6.3.5 (L3)'], note: 'Open: events are recorded and shown to the user, but no email is sent for a new device or a limit reached.' },
  { gap: 'Email is an account-recovery channel (reset link)', owasp: ['A07'], asvs: ['6.3.6 (L3)'], note: 'By design: whoever controls the mailbox can reset the password (15 min, single-use, all sessions revoked, owner notified); for a user with a second factor, the new password alone does not sign in.' },
  { gap: 'Admin-initiated password reset', owasp: ['A07'], asvs: ['6.4.6 (L3)'], note: 'Open: admins can disable, delete and impersonate a user and reset their second factors, not start a password reset on their behalf (the user can, from the sign-in page).' },
  { gap: 'Failed authorization and bypass attempts (403 forbidden, csrf_failed, mfa_required, 429 rate_limited) are not security events', owasp: ['A09'], asvs: ['16.3.2 (L2)', '16.3.3 (L2, partial)'], note: 'Open: authentication outcomes, account, admin and membership actions are recorded; refusals are only in the request log.' },
  { gap: 'Log protection and shipping (tamper evidence, separate log system), a log inventory', owasp: ['A09'], asvs: ['16.1.1 (L2)', '16.4.2 (L2)', '16.4.3 (L2)'], note: 'Operator\'s job: Gatehouse logs JSON to stdout and keeps events in its own database, which an admin of the database can alter.' },
  { gap: 'Secrets in a vault or HSM; automatic key rotation', owasp: ['A02', 'A05'], asvs: ['13.3.1 (L2)', '13.3.3 (L3)', '13.3.4 (L3)'], note: 'Open: SESSION_SECRET comes from the environment (the TOTP sealing key is derived from it); SESSION_SECRET_PREVIOUS supports manual rotation.' },
  { gap: 'CSP violation reporting and per-response nonces', owasp: ['A05'], asvs: ['3.4.7 (L3)', '3.4.3 (L3 part)'], note: 'Open: a static policy without report-to; the UI has no inline script to need a nonce.' },
  { gap: 'TLS termination and TLS to PostgreSQL/Redis', owasp: ['A02'], asvs: ['12.2.1 (L1)', '12.3.1 (L2)'], note: 'Operator\'s job (reverse proxy, connection URLs); doctor fails when PUBLIC_URL is not https. SMTP credentials require TLS to a remote host.' },
  { gap: 'Dependency audit against this registry', owasp: ['A06'], asvs: ['15.2.1 (L1, partial)'], note: 'The configured registry has no audit endpoint (HTTP 405): CI reports "unavailable" rather than a pass. ESLint security and secretlint do run.' },
  ...MFA_GAPS,
  ...OIDC_GAPS,
  ...IDENTITY_GAPS,
];
//#endregion

export const SECURITY_MAP: SecurityMap = { guarantees: GUARANTEES, gaps: NOT_COVERED };
export const DOC_PATH = 'docs/SECURITY.md';
export const START_MARKER = '<!-- security-map:start -->';
export const END_MARKER = '<!-- security-map:end -->';

// ---------------------------------------------------------------------------------------------------
// Declared tests: a static reading of it()/test() calls and their describe() chains.

/** One piece of a title: literal text, or a placeholder (a template `${…}` or an `.each` `%s`). */
type Part = { readonly literal: string } | { readonly placeholder: string };

export interface DeclaredTest {
  readonly file: string;
  /** The describe chain and the title joined with ' > ', placeholders as written in the source. */
  readonly fullName: string;
  readonly title: string;
  /**
   * null when the name is fixed text; otherwise the fixed pieces between its placeholders, which the
   * names vitest reports must contain in order (a placeholder stands for any text).
   */
  readonly pieces: readonly string[] | null;
  /** How many characters of the name are fixed text (the more, the more specific the pattern). */
  readonly literalLength: number;
}

const EACH_TOKEN = /%[sdifjoOc#$%]/g;

function rootName(callee: ts.Expression): string | null {
  if (ts.isIdentifier(callee)) return callee.text;
  if (ts.isPropertyAccessExpression(callee) || ts.isCallExpression(callee)) return rootName(callee.expression);
  return null;
}

function usesEach(callee: ts.Expression): boolean {
  if (ts.isPropertyAccessExpression(callee)) return ['each', 'for'].includes(callee.name.text) || usesEach(callee.expression);
  if (ts.isCallExpression(callee)) return usesEach(callee.expression);
  return false;
}

function splitEach(text: string): Part[] {
  const parts: Part[] = [];
  let last = 0;
  for (const m of text.matchAll(EACH_TOKEN)) {
    if (m.index > last) parts.push({ literal: text.slice(last, m.index) });
    parts.push(m[0] === '%%' ? { literal: '%' } : { placeholder: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) parts.push({ literal: text.slice(last) });
  return parts;
}

function titleParts(arg: ts.Expression, each: boolean): Part[] {
  const literal = (text: string): Part[] => (each ? splitEach(text) : [{ literal: text }]);
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return literal(arg.text);
  if (ts.isTemplateExpression(arg)) {
    const parts = literal(arg.head.text);
    for (const span of arg.templateSpans) parts.push({ placeholder: `\${${span.expression.getText()}}` }, ...literal(span.literal.text));
    return parts;
  }
  return [{ placeholder: `\${${arg.getText()}}` }];
}

function partsText(parts: readonly Part[]): string {
  return parts.map((p) => ('literal' in p ? p.literal : p.placeholder)).join('');
}


function declaredTest(file: string, chain: readonly Part[][]): DeclaredTest {
  const joined: Part[] = chain.flatMap((parts, i) => (i === 0 ? parts : [{ literal: ' > ' }, ...parts]));
  const pieces: string[] = [];
  let piece = '';
  for (const p of joined) {
    if ('literal' in p) {
      piece += p.literal;
    } else {
      pieces.push(piece);
      piece = '';
    }
  }
  pieces.push(piece);
  const last = chain.at(-1) ?? [];
  return {
    file,
    fullName: partsText(joined),
    title: partsText(last),
    pieces: pieces.length === 1 ? null : pieces,
    literalLength: joined.reduce((n, p) => n + ('literal' in p ? p.literal.length : 0), 0),
  };
}

/** Every it()/test() in `source` with its describe() chain (describe*, e.g. describeWithChromium, counts). */
export function declaredTests(source: string, file: string): DeclaredTest[] {
  const found: DeclaredTest[] = [];
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const visit = (node: ts.Node, chain: readonly Part[][]): void => {
    if (ts.isCallExpression(node)) {
      const name = rootName(node.expression);
      const first = node.arguments[0];
      const isTest = name === 'it' || name === 'test';
      const isSuite = name?.startsWith('describe') === true;
      if ((isTest || isSuite) && first !== undefined && !ts.isFunctionLike(first)) {
        const next = [...chain, titleParts(first, usesEach(node.expression))];
        if (isTest) found.push(declaredTest(file, next));
        else for (const arg of node.arguments.slice(1)) visit(arg, next);
        return;
      }
    }
    ts.forEachChild(node, (child) => {
      visit(child, chain);
    });
  };
  visit(sf, []);
  return found;
}

export interface TestRef {
  readonly file: string;
  readonly name: string;
}

export function parseRef(ref: string): TestRef {
  const at = ref.indexOf(' :: ');
  return at < 0 ? { file: '', name: ref } : { file: ref.slice(0, at), name: ref.slice(at + 4) };
}

/** The declared test a name designates: its full name, else its bare title when unique in the file. */
export function resolveRef(name: string, declared: readonly DeclaredTest[]): DeclaredTest | string {
  const full = declared.filter((d) => d.fullName === name);
  if (full.length === 1 && full[0] !== undefined) return full[0];
  if (full.length > 1) return `declared ${String(full.length)} times`;
  const titled = declared.filter((d) => d.title === name);
  if (titled.length === 1 && titled[0] !== undefined) return titled[0];
  return titled.length > 1 ? `the bare title is not unique (${String(titled.length)} tests); use the full name` : 'no such test';
}

/** Whether a reported name fits a declared one (placeholders match any text, as in a `*` glob). */
export function nameMatches(declared: DeclaredTest, name: string): boolean {
  const pieces = declared.pieces;
  if (pieces === null) return name === declared.fullName;
  const first = pieces[0] ?? '';
  const last = pieces.at(-1) ?? '';
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (const piece of pieces.slice(1, -1)) {
    const found = name.indexOf(piece, at);
    if (found < 0 || found + piece.length > end) return false;
    at = found + piece.length;
  }
  return true;
}

/** The declared test a reported run belongs to: an exact name first, else the most specific pattern. */
export function matchRun(fullName: string, declared: readonly DeclaredTest[]): DeclaredTest | undefined {
  const exact = declared.find((d) => d.pieces === null && d.fullName === fullName);
  if (exact !== undefined) return exact;
  let best: DeclaredTest | undefined;
  for (const d of declared) {
    if (d.pieces !== null && nameMatches(d, fullName) && (best === undefined || d.literalLength > best.literalLength)) best = d;
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------
// Rendering and checking.

/** Every distinct test the map names, in first-mention order. */
export function mappedRefs(map: SecurityMap = SECURITY_MAP): string[] {
  return [...new Set(map.guarantees.flatMap((g) => g.tests))];
}

function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replaceAll('|', '\\|')}${pad}${fence}`;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function owaspCell(ids: readonly OwaspId[]): string {
  return ids.map((id) => `${id} ${OWASP_TOP10_2021[id]}`).join('<br>');
}

function asvsCell(ids: readonly string[]): string {
  return ids.length === 0 ? '—' : cell(ids.join(', '));
}

/** The generated part of docs/SECURITY.md, markers included. */
export function renderSection(map: SecurityMap = SECURITY_MAP): string {
  const refs = mappedRefs(map);
  const lines = [
    START_MARKER,
    '<!-- Generated from scripts/security-map.ts by `npx tsx scripts/security-map.ts --write`; edit the script, not this table. -->',
    '',
    `${String(map.guarantees.length)} guarantees, pinned by ${String(refs.length)} distinct tests. A test is named \`file :: describe > … > title\`;`,
    '`${…}` and `%s` are the placeholders of parameterized tests as written in the source (every case must pass).',
    '',
    '| # | Guarantee | OWASP Top 10 (2021) | ASVS 5.0 | Pinned by |',
    '|---|---|---|---|---|',
    ...map.guarantees.map((g, i) => `| ${String(i + 1)} | ${cell(g.guarantee)} | ${owaspCell(g.owasp)} | ${asvsCell(g.asvs)} | ${g.tests.map(code).join('<br>')} |`),
    '',
    '### Not covered',
    '',
    '| Gap | OWASP Top 10 (2021) | ASVS 5.0 | Status |',
    '|---|---|---|---|',
    ...map.gaps.map((g) => `| ${cell(g.gap)} | ${owaspCell(g.owasp)} | ${asvsCell(g.asvs)} | ${cell(g.note)} |`),
    END_MARKER,
  ];
  return lines.join('\n');
}

/** `doc` with its marked section replaced by `section`; null when the markers are missing. */
export function replaceSection(doc: string, section: string): string | null {
  const start = doc.indexOf(START_MARKER);
  const end = doc.indexOf(END_MARKER);
  if (start < 0 || end < start) return null;
  return doc.slice(0, start) + section + doc.slice(end + END_MARKER.length);
}

/** "9.1.2", or "9.1.2 (qualifier)". */
function isAsvsId(text: string): boolean {
  const space = text.indexOf(' ');
  const id = space < 0 ? text : text.slice(0, space);
  const rest = space < 0 ? '' : text.slice(space + 1);
  return /^\d+\.\d+\.\d+$/.test(id) && (rest === '' || (rest.startsWith('(') && rest.endsWith(')')));
}

/** The declared tests of a file (parsed once), or null when the file does not exist. */
export function testIndex(read: (file: string) => string | null): (file: string) => DeclaredTest[] | null {
  const cache = new Map<string, DeclaredTest[] | null>();
  return (file: string): DeclaredTest[] | null => {
    if (!cache.has(file)) {
      const text = read(file);
      cache.set(file, text === null ? null : declaredTests(text, file));
    }
    return cache.get(file) ?? null;
  };
}

/** Problems with the map itself and with the tests it names; `read` returns a file's text or null. */
export function checkMap(map: SecurityMap, read: (file: string) => string | null): string[] {
  const problems: string[] = [];
  const declaredIn = testIndex(read);
  map.guarantees.forEach((g, i) => {
    const row = `guarantee ${String(i + 1)} (${g.guarantee.slice(0, 40)}…)`;
    if (g.tests.length === 0) problems.push(`${row}: names no test`);
    if (new Set(g.tests).size !== g.tests.length) problems.push(`${row}: names a test twice`);
    for (const id of g.asvs) if (!isAsvsId(id)) problems.push(`${row}: "${id}" is not an ASVS requirement id`);
    for (const ref of g.tests) {
      const { file, name } = parseRef(ref);
      const declared = file === '' ? null : declaredIn(file);
      if (declared === null) {
        problems.push(`${row}: ${file === '' ? `"${ref}" has no "file :: " prefix` : `${file} does not exist`}`);
        continue;
      }
      const found = resolveRef(name, declared);
      if (typeof found === 'string') problems.push(`${row}: ${ref}: ${found}`);
    }
  });
  for (const gap of map.gaps) for (const id of gap.asvs) if (!isAsvsId(id)) problems.push(`gap "${gap.gap}": "${id}" is not an ASVS requirement id`);
  return problems;
}

/** Problems with the doc: missing markers or a table that differs from what the map generates. */
export function checkDoc(doc: string | null, map: SecurityMap = SECURITY_MAP): string[] {
  if (doc === null) return [`${DOC_PATH} does not exist`];
  const expected = replaceSection(doc, renderSection(map));
  if (expected === null) return [`${DOC_PATH} lacks the ${START_MARKER} … ${END_MARKER} markers`];
  return expected === doc ? [] : [`${DOC_PATH}: the security map table is stale; run npx tsx scripts/security-map.ts --write`];
}

export function readRepoFile(root: string): (file: string) => string | null {
  return (file: string): string | null => {
    const path = join(root, file);
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a path named by our own map, inside the repo
    return existsSync(path) ? readFileSync(path, 'utf8') : null;
  };
}

/** Everything `--check` verifies, for the repository at `root`. */
export function checkSecurityMap(root: string, map: SecurityMap = SECURITY_MAP): string[] {
  const read = readRepoFile(root);
  return [...checkMap(map, read), ...checkDoc(read(DOC_PATH), map)];
}

export const REPO_ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));

function main(args: readonly string[]): number {
  const read = readRepoFile(REPO_ROOT);
  if (args.includes('--write')) {
    const doc = read(DOC_PATH);
    const next = doc === null ? null : replaceSection(doc, renderSection());
    if (next === null) {
      process.stderr.write(`security-map: ${DOC_PATH} is missing or lacks the markers\n`);
      return 1;
    }
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- a fixed path inside the repo
    writeFileSync(join(REPO_ROOT, DOC_PATH), next);
  }
  const problems = checkSecurityMap(REPO_ROOT);
  for (const p of problems) process.stderr.write(`security-map: ${p}\n`);
  if (problems.length > 0) return 1;
  process.stdout.write(`security-map: ${String(GUARANTEES.length)} guarantees, ${String(mappedRefs().length)} tests, ${DOC_PATH} up to date\n`);
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
