/**
 * The second-factor part of the security map (issue 13): guarantees of src/mfa/ and the policies
 * around it → OWASP Top 10 (2021) → ASVS 5.0.0 → the tests that pin them, and the gaps that remain.
 * scripts/security-map.ts appends these rows to its own and renders them into docs/SECURITY.md;
 * the same check verifies every test named here. See docs/MFA.md for the design.
 */
import type { Gap, Guarantee } from './security-map.js';

// Describe chains that many rows share (each string below is still one exact test name).
const TOTP = 'test/mfa/totp.test.ts :: authenticator app (TOTP): setup, confirm, turn off > ';
const TOTP_OFF = `${TOTP}DELETE /api/mfa/totp {password, code} > `;
const LOGIN = 'test/mfa/login-mfa.test.ts :: password login with an authenticator app > ';
const TOKEN = 'test/mfa/mfa-token.test.ts :: the gh_mfa token > ';
const LIMITS = 'test/mfa/mfa-token.test.ts :: wrong second-factor codes count toward LOGIN_MAX_FAILURES > ';
const CODES = 'test/mfa/recovery.test.ts :: recovery codes > ';
const REGEN = `${CODES}POST /api/mfa/recovery-codes {password} > `;
const PK = 'test/mfa/passkeys.test.ts :: passkeys: register, list, rename, remove > ';
const PK2FA = 'test/mfa/passkey-login.test.ts :: password login with a passkey as the second factor > ';
const PWLESS = 'test/mfa/passwordless.test.ts :: passwordless sign-in with a passkey > ';
const REAUTH = 'test/mfa/reauth.test.ts :: re-authentication with a passkey > ';
const RACE = 'test/mfa/races.test.ts :: single use under concurrency > ';
const POLICY = 'test/mfa/policy.test.ts :: organization policy requireMfa > ';
const ADMIN_ON = 'test/mfa/admin-mfa.test.ts :: ADMIN_REQUIRE_MFA=true > ';
const ADMIN_OFF = 'test/mfa/admin-mfa.test.ts :: admins and second factors (ADMIN_REQUIRE_MFA off) > ';
const LIFE = 'test/mfa/events-and-rotation.test.ts :: security events, emails and authMethods over a factor’s life > ';
const ROTATION = 'test/mfa/events-and-rotation.test.ts :: SESSION_SECRET rotation > ';
const HTTPS = 'test/mfa/https.test.ts :: PUBLIC_URL=${PUBLIC_URL} > ';
const HELPERS = 'test/mfa/soft-authenticator.test.ts :: TOTP helpers > ';
const DOCTOR = 'test/ops/doctor-database.test.ts :: doctor: site admins without a second factor > ';
const UI_TOTP = 'test/e2e/mfa.test.ts :: web UI: authenticator app and recovery codes (real server, Chromium) > ';
const UI_PASSKEY = 'test/e2e/mfa-passkeys.test.ts :: web UI: passkeys (real server, Chromium with a virtual authenticator) > ';
const UI_POLICY = 'test/e2e/mfa-policy.test.ts :: web UI: two-factor policies (real server, Chromium) > ';

export const MFA_GUARANTEES: readonly Guarantee[] = [
  {
    guarantee: 'Second factor at sign-in: for a user with an authenticator app or a passkey the password alone makes no session — POST /api/auth/login answers {mfaRequired, methods} with only a gh_mfa cookie, and the second step (a TOTP code, a recovery code or a passkey) issues a fresh cookie pair whose session records authMethods; a wrong password never starts the second step; a pending (unconfirmed) setup asks nothing',
    owasp: ['A07'],
    asvs: ['6.3.3', '7.2.4'],
    tests: [
      `${LOGIN}the password step answers {mfaRequired, methods} with an HttpOnly gh_mfa cookie and no session`,
      `${LOGIN}a wrong password is still 401 invalid_credentials with no gh_mfa`,
      `${LOGIN}the right code → 200 {user} + cookie pair, gh_mfa cleared, authMethods password+totp, login_succeeded`,
      `${PK2FA}methods name the passkey; options list the user’s credentials; the assertion signs in (password+passkey)`,
      `${PK2FA}a user with both factors may use either`,
      `${TOTP}setup returns a base32 secret and an otpauth URI; nothing is required at login until confirmed`,
      `${LIFE}a password session is ["password"]`,
      `${UI_TOTP}sets up an authenticator app in the wizard, keeps the recovery codes, then signs in with a code and with a recovery code\${SKIP}`,
    ],
  },
  {
    guarantee: 'TOTP as RFC 6238 fixes it (SHA-1, 6 digits, 30 s steps, ±1 step of drift, server time) with a random 160-bit secret; each code is accepted at most once: the last accepted step is stored with a compare-and-set, so the same code, an older one, the code that confirmed the setup, or one code raced on two pending logins → 401 invalid_code',
    owasp: ['A07'],
    asvs: ['6.5.1', '6.5.3', '6.5.5 (partial: ±1 step of drift keeps a code usable for up to 90 s, by contract)', '6.5.8'],
    tests: [
      `${LOGIN}±1 step of drift is accepted; a code is accepted once; an older one or one 2 steps ahead is refused`,
      `${LOGIN}the code that confirmed the setup is spent: the same code at login → 401 invalid_code`,
      `${RACE}one TOTP code on two pending logins at once: exactly one signs in`,
      `${TOTP}confirm: a wrong or malformed code → refused, TOTP stays off`,
      `${TOTP}a new setup replaces a pending one: the first secret no longer confirms`,
      `${HELPERS}computes the RFC 6238 test vectors`,
    ],
  },
  {
    guarantee: 'TOTP secrets at rest are sealed with AES-256-GCM under HKDF-SHA256(SESSION_SECRET, info "gatehouse:mfa") with a fresh IV per seal and the user id as additional data (a sealed value copied onto another user does not open): no form of the secret (base32, hex, base64) is in a database dump or a log line; during a rotation SESSION_SECRET_PREVIOUS still opens them and an accepted code reseals under the current key; a secret nothing opens refuses codes (401), never errs',
    owasp: ['A02'],
    asvs: ['11.3.2', '11.3.4'],
    tests: [
      `${TOTP}the secret is stored encrypted and recovery codes only as hashes; neither reaches a log`,
      `${TOTP}two enrollments of the same secret-length never share a sealed value (fresh nonce per seal)`,
      `${ROTATION}codes keep working when the old secret is SESSION_SECRET_PREVIOUS`,
      `${ROTATION}a secret never resealed is not opened by the new key alone: the code is refused, not an error`,
      'test/mfa/events-and-rotation.test.ts :: sealed TOTP secrets are bound to their user (AES-GCM additional data) > a sealed secret copied onto another user’s row does not open there: that user’s codes and the copied ones are refused',
    ],
  },
  {
    guarantee: 'Recovery codes: 10 per set, ~124 random bits each (above ASVS\'s 112-bit line for a plain hash), shown once and stored only as SHA-256 hashes; each works once (also when raced), case-insensitively, only for its owner and only after the password; a new set (password required) kills the old one, used or not',
    owasp: ['A07', 'A02'],
    asvs: ['6.5.1', '6.5.2', '6.5.3', '6.5.4'],
    tests: [
      `${TOTP}confirm turns TOTP on and shows 10 distinct recovery codes once; an email and mfa_enabled are recorded`,
      `${CODES}sign in with a recovery code: once only, recorded, emailed, counted down`,
      `${CODES}input is case-insensitive`,
      `${CODES}codes carry 25 symbols (~124 bits); dashes are optional; a code of the earlier 4×4 format still works; other lengths → 400`,
      `${CODES}an unknown code, or another user’s code → 401 invalid_code`,
      `${RACE}one recovery code on two pending logins at once: exactly one signs in`,
      `${REGEN}wrong password → 401 invalid_credentials and the old codes keep working`,
      `${REGEN}without a second factor → 409 conflict`,
      `${REGEN}10 new codes, the old ones die (even unused ones), recovery_codes_regenerated recorded`,
    ],
  },
  {
    guarantee: 'The pending login is never a session: gh_mfa (__Host-gh_mfa under https) is HttpOnly, SameSite=Strict, 5 minutes, a JWT of its own audience (gatehouse-mfa), typ and key, naming a database row; missing, expired, forged, replayed, unknown or another user\'s → 401 and no session; single use, also when completed twice at once; the Origin check applies',
    owasp: ['A07', 'A08'],
    asvs: ['9.2.1', '9.2.2', '9.2.3', '3.3.1', '3.3.2', '3.3.4'],
    tests: [
      `${TOKEN}is a JWT of audience gatehouse-mfa that lives at most 5 minutes`,
      `${TOKEN}is never a session: /api/auth/me with it (under either cookie name) → 401`,
      `${TOKEN}missing → 401 unauthenticated`,
      `${TOKEN}expired (5 minutes later) → 401 unauthenticated, even with the right code`,
      `${TOKEN}forged: garbage, alg none, wrong key, session key, a session token, a tampered signature → 401 unauthenticated`,
      `${TOKEN}a validly signed token for a pending login that does not exist → 401 unauthenticated`,
      `${LOGIN}gh_mfa replayed after success → 401 unauthenticated`,
      `${LOGIN}gh_mfa of user A with user B’s code → 401 invalid_code`,
      `${LOGIN}a user without a second factor has no pending login: login/mfa → 401 unauthenticated`,
      `${LOGIN}the Origin check applies to login/mfa (no X-CSRF-Token needed)`,
      `${RACE}one gh_mfa completed twice at once: one session`,
      `${HTTPS}the pending login cookie is __Host-gh_mfa (Secure, Path=/, HttpOnly), and completes into a __Host- pair`,
      `${UI_POLICY}a pending sign-in that the server no longer knows goes back to the password step\${SKIP}`,
    ],
  },
  {
    guarantee: 'Guessing the second factor: 5 wrong codes (TOTP, recovery code or passkey) end a pending login for good; the password step and every wrong code count toward LOGIN_MAX_FAILURES for the account and address until a whole login succeeds (then 429 for codes and passwords, even right ones), in the same counters as wrong passwords, shared across instances through Redis; malformed bodies count nothing; mfa_failed is recorded',
    owasp: ['A07'],
    asvs: ['6.1.1', '6.3.1'],
    tests: [
      `${LOGIN}5 wrong codes kill the pending login: then even the right code → 401 unauthenticated; mfa_failed recorded`,
      `${LOGIN}wrong codes do not kill the pending login before the 5th: the 4th wrong then the right code → 200`,
      `${CODES}wrong recovery codes count toward the 5 wrong codes that kill a pending login`,
      `${LIMITS}the password step counts until the second factor completes: it and 2 wrong codes reach the limit of 3; then codes and the password step answer 429, even right ones`,
      'test/redis/mfa-limits.test.ts :: wrong second-factor codes share the login limit across instances (Redis) > codes guessed on A and B add up to one LOGIN_MAX_FAILURES; then both refuse even the right code and the right password${SKIP_NOTE}',
      `${LOGIN}malformed bodies → 400 invalid_request and count nothing against the pending login`,
    ],
  },
  {
    guarantee: 'WebAuthn challenges live in the database: single use, at most 5 minutes, and bound to what asked for them — the session (registration, re-authentication), the pending login (second factor) or the browser through the HttpOnly SameSite=Strict gh_webauthn cookie (passwordless) — and to their purpose; any other session\'s, pending login\'s, browser\'s or purpose\'s challenge never verifies',
    owasp: ['A07', 'A04'],
    asvs: ['6.7.2', '3.3.2', '3.3.4'],
    tests: [
      `${PK}a challenge is single-use: the same response again → 400 invalid_request`,
      `${PK}a challenge lives 5 minutes`,
      `${PK}a challenge is bound to the session that asked: another session of the same user → 400`,
      `${PK2FA}the challenge is bound to its pending login and single-use`,
      `${PK2FA}an assertion 5 minutes later is refused`,
      `${PWLESS}options: no allowCredentials, UV required, an HttpOnly SameSite=Strict gh_webauthn cookie of at most 5 minutes`,
      `${PWLESS}the challenge is single-use: the same response again (with the same gh_webauthn) → 401`,
      `${PWLESS}expires after 5 minutes`,
      `${PWLESS}bound to its gh_webauthn cookie: another browser’s challenge, or no cookie at all → 401`,
      `${RACE}one passwordless assertion sent twice at once: one session`,
      `${REAUTH}an assertion is single-use: replayed → 401 invalid_credentials, nothing changed`,
      `${REAUTH}bound to the session: another session’s challenge → 401, account intact`,
    ],
  },
  {
    guarantee: 'Passkeys are bound to PUBLIC_URL (RP ID = its host, origin = its origin) and to the user: registration needs a discoverable credential and user verification; a response for another origin, RP ID or challenge, without UV, by someone else\'s or an unknown credential, another key or another user handle is refused (400 at registration, 401 at sign-in, nothing stored, no session); a removed passkey or a disabled user never signs in',
    owasp: ['A07', 'A04'],
    asvs: ['6.3.3', '6.3.4'],
    tests: [
      `${PK}creation options: RP ID = PUBLIC_URL host, resident key and UV required, none attestation, ES256 offered`,
      `${HTTPS}the RP ID is PUBLIC_URL’s host and the origin PUBLIC_URL’s origin`,
      `${PK}registration responses that must be refused → 400 invalid_request, nothing stored`,
      `${PK}malformed WebAuthn JSON → 400 invalid_request`,
      `${PK2FA}wrong origin, RP ID, challenge or no UV → 401 invalid_code`,
      `${PK2FA}someone else’s credential, or a signature by another key → 401 invalid_code`,
      `${PWLESS}another origin, RP ID or challenge, or no UV → 401 invalid_credentials`,
      `${PWLESS}someone else’s credential: signed by another key, another user handle, an unknown credential → 401`,
      `${PWLESS}a passkey alone signs in (even with TOTP on): {user} + cookie pair, authMethods ["passkey"], passkey_login`,
      `${PWLESS}a disabled user → 403 account_inactive, no session`,
      `${PWLESS}a removed passkey no longer signs in`,
      `${UI_PASSKEY}a passkey the server does not know is refused with a clear message\${SKIP}`,
    ],
  },
  {
    guarantee: 'Cloned authenticators: a genuine assertion whose signature counter does not move forward is refused at the second step and at passwordless sign-in, the stored counter is kept, and passkey_counter_regressed is recorded in the owner\'s log',
    owasp: ['A07', 'A09'],
    asvs: ['6.3.3', '16.3.1'],
    tests: [
      `${PK2FA}a counter that goes backwards → 401 and the stored counter is unchanged`,
      `${PWLESS}a counter that goes backwards → 401 invalid_credentials, recorded, counter unchanged`,
    ],
  },
  {
    guarantee: 'Changing factors needs proof: starting a TOTP setup or a passkey registration needs the password (wrong → 401, no secret or challenge issued); turning TOTP off needs the password and a current code or a recovery code (or a passkey); removing a passkey needs the password (or a passkey); another user\'s passkey id → 404; with no factor left the recovery codes are deleted and the password alone signs in again',
    owasp: ['A07', 'A01'],
    asvs: ['6.5.6', '7.5.1 (partial: with a second factor on, the password alone still adds or removes a passkey, regenerates recovery codes, starts a TOTP setup or changes the email)'],
    tests: [
      `${TOTP}setup is behind the password: wrong → 401 invalid_credentials and nothing changes`,
      `${PK}options are behind the password; wrong → 401 invalid_credentials and no challenge is issued`,
      `${TOTP_OFF}wrong password, wrong code, missing code → refused and TOTP stays on`,
      `${TOTP_OFF}with a current code → 204, TOTP and recovery codes gone, mfa_disabled + email, password login alone again`,
      `${TOTP_OFF}a recovery code also turns it off`,
      `${PK}remove: behind the password; another user’s id → 404; 204, passkey_removed + email`,
      `${PK}rename: 200 {passkey}; another user’s id → 404; bad names → 400`,
      `${UI_TOTP}turns the authenticator app off with the password and a code; the next sign-in asks for the password only\${SKIP}`,
    ],
  },
  {
    guarantee: 'Re-authentication with a passkey: email change, account deletion, turning TOTP off, removing a passkey and regenerating recovery codes accept a fresh assertion in place of the password — its options list only the caller\'s passkeys with UV required, need a session and CSRF, and its challenge is this session\'s, single use, 5 minutes; the password is still accepted and checked on its own',
    owasp: ['A07'],
    asvs: ['7.5.3'],
    tests: [
      `${REAUTH}options: the caller’s own passkeys, UV required; needs a session and CSRF`,
      `${REAUTH}DELETE /api/profile {passkey} → 204`,
      `${REAUTH}PATCH /api/profile {email, passkey} changes the email; the password is still accepted`,
      `${REAUTH}turning factors off and regenerating codes accept a passkey`,
      `${REAUTH}expired (5 minutes), another purpose’s challenge, someone else’s passkey, another origin → 401`,
      `${REAUTH}a malformed assertion → 400; password and passkey are still checked separately (wrong password → 401)`,
      `${UI_PASSKEY}adds a passkey, signs in with it and no password, uses it as the second factor and in place of the password\${SKIP}`,
    ],
  },
  {
    guarantee: 'Site admins and second factors: with ADMIN_REQUIRE_MFA on, an admin without a factor gets 403 mfa_required on every /api/admin/* route and nothing changes, and impersonation needs a session made with a second factor (a passwordless passkey session counts); doctor reads it as on in production unless set to false, warns when it is off and names enabled admins without a factor',
    owasp: ['A07', 'A01'],
    asvs: ['6.3.3', '7.5.3'],
    tests: [
      `${ADMIN_ON}an admin without a second factor gets 403 mfa_required on /api/admin/*, and nothing changes`,
      `${ADMIN_ON}after enrolling, admin routes open; impersonation needs a session made with the second factor`,
      `${ADMIN_ON}a passwordless passkey session counts as a second-factor session`,
      `${ADMIN_OFF}is off by default outside production: no factor needed for admin routes`,
      `${DOCTOR}names the enabled admins with neither TOTP nor a passkey, and only them`,
      `${DOCTOR}ADMIN_REQUIRE_MFA is on for production unless set to false, and off is a warning`,
    ],
  },
  {
    guarantee: 'Organization policy: owners and org admins set requireMfa (a member → 403); while it is on, a member without a second factor can sign in but gets 403 mfa_required everywhere — forward auth included — except /api/auth/me, /api/mfa*, /api/passkeys*, the sessions routes and logout, until a TOTP app or a passkey is added; removing the factor closes the gate again; other organizations are unaffected; an admin impersonating a member is not gated but cannot lift the policy or set up the member\'s factors',
    owasp: ['A07', 'A01'],
    asvs: ['6.3.3', '6.3.4'],
    tests: [
      `${POLICY}owner (or org admin) turns it on; a member → 403 forbidden; bad bodies → 400; the org view shows it`,
      `${POLICY}a member without a factor: 403 mfa_required everywhere except me, /api/mfa*, /api/passkeys*, sessions and logout`,
      `${POLICY}after enrolling TOTP the member is let through; turning TOTP off blocks them again`,
      `${POLICY}a passkey satisfies the policy too; turning the policy off lifts it for everyone`,
      `${POLICY}other organizations are not affected`,
      `${POLICY}an impersonation session is not gated by the policy, yet cannot lift it or set up a factor for the member`,
      `${UI_POLICY}an owner requires two-factor; a member is sent to Security and reaches the organization page only after enrolling\${SKIP}`,
    ],
  },
  {
    guarantee: 'Admin reset of a lost factor: DELETE /api/admin/users/{id}/mfa removes TOTP, passkeys and recovery codes, records mfa_reset naming the admin and emails the user; plain users, requests without CSRF and impersonating admins → 403, an unknown id → 404, nothing removed; the admin user view shows each user\'s factors',
    owasp: ['A01', 'A09'],
    asvs: ['6.5.6', '8.2.1'],
    tests: [
      `${ADMIN_OFF}DELETE /api/admin/users/{id}/mfa removes TOTP, passkeys and recovery codes; emailed; mfa_reset; password alone signs in`,
      `${ADMIN_OFF}reset: non-admin → 403 forbidden, unknown id → 404, no CSRF → 403, while impersonating → 403; nothing removed`,
      `${ADMIN_OFF}the admin user view adds mfa: {totp, passkeys}`,
      `${UI_POLICY}an admin must set up two-factor first, then resets a user's second factors\${SKIP}`,
    ],
  },
  {
    guarantee: 'Every step of a factor\'s life is a security event in the user\'s log (mfa_enabled, passkey_added, mfa_failed, recovery_code_used, recovery_codes_regenerated, passkey_login, passkey_removed, mfa_disabled, mfa_reset), and turning TOTP on or off, adding or removing a passkey, using a recovery code and an admin reset email the user; no secret or code is in any email',
    owasp: ['A09', 'A07'],
    asvs: ['6.3.7', '16.3.1'],
    tests: [
      `${LIFE}every step is recorded for the user and emailed where the contract says; no secret in any email`,
      `${PK}register → 201 {passkey}; listed in GET /api/mfa; default names; passkey_added + email; excluded next time`,
    ],
  },
];

export const MFA_GAPS: readonly Gap[] = [
  { gap: 'A TOTP code is usable for up to 90 s (±1 step of drift)', owasp: ['A07'], asvs: ['6.5.5 (L2, partial)'], note: 'By contract, for clock drift; each code is still accepted only once.' },
  { gap: 'Full (multi-factor) re-authentication before changing factors or the email', owasp: ['A07'], asvs: ['7.5.1 (L2, partial)'], note: 'Open: with a second factor on, a live session plus the password adds or removes a passkey, regenerates recovery codes, starts a TOTP setup or changes the email (a passkey assertion is accepted instead); turning TOTP off needs the password and a code. Every such change is emailed.' },
  { gap: 'Identity proofing before an admin resets a lost factor', owasp: ['A07'], asvs: ['6.4.4 (L2)'], note: 'Operator\'s process: Gatehouse audits the reset (mfa_reset) and emails the account\'s address, but cannot check who asked for it.' },
  { gap: 'TOTP and recovery codes can be phished in real time', owasp: ['A07'], asvs: ['6.3.3 (L3 part)'], note: 'By nature of codes: a relaying site can use a code within its window (once). Only passkeys are bound to PUBLIC_URL\'s origin; organizations cannot yet require passkeys specifically.' },
  { gap: 'Cloned-authenticator detection relies on signature counters', owasp: ['A07'], asvs: [], note: 'Authenticators that always report 0 (most synced passkeys) cannot be checked; regressions of counting ones are refused and recorded (passkey_counter_regressed).' },
];
