/**
 * The OpenID Connect provider part of the security map ("Sign in with Gatehouse", src/oidc/): its
 * guarantees → OWASP Top 10 (2021) → ASVS 5.0.0 (mostly V10 OAuth and OIDC) → the tests that pin them,
 * and the gaps that remain. scripts/security-map.ts appends these rows to its own and renders them into
 * docs/SECURITY.md; the same check verifies every test named here. See docs/OIDC.md for the design.
 */
import type { Gap, Guarantee } from './security-map.js';

// Describe chains that many rows share (each string below is still one exact test name).
const FLOW = 'test/oidc/flow.test.ts :: OpenID Connect provider: the code flow with openid-client as the relying party > ';
const NEG = 'test/oidc/negative.test.ts :: OpenID Connect provider: refused requests > ';
const CONSENT = 'test/oidc/consent.test.ts :: OpenID Connect sign-in and consent steps > ';
const COUPLING = 'test/oidc/coupling.test.ts :: OpenID Connect grants end with the Gatehouse session they were made in > ';
const CLIENTS = 'test/oidc/admin-logout.test.ts :: OpenID Connect clients: admin API > ';
const LOGOUT = 'test/oidc/admin-logout.test.ts :: OpenID Connect RP-initiated logout > ';
const AMR = 'test/oidc/mfa.test.ts :: OpenID Connect provider: how the user signed in reaches the app (amr) > ';
const KEYS = 'test/oidc/cli-keys.test.ts :: OpenID Connect signing keys > ';
const KEY_ROTATION = 'test/oidc/cli-keys.test.ts :: OpenID Connect signing keys and SESSION_SECRET rotation > ';
const CLI = 'test/oidc/cli-keys.test.ts :: cli: oidc-client and oidc-keys > ';
const DOCTOR = 'test/oidc/doctor.test.ts :: doctor: the OpenID Connect provider > ';
const DOCTOR_CLI = 'test/oidc/doctor.test.ts :: cli: doctor reads the OpenID Connect provider from the database > ';
const MULTI = 'test/multi-instance/oidc.test.ts :: OpenID Connect on two server processes, one PostgreSQL database and one Redis${NOTE} > ';
const UI = 'test/e2e/oidc.test.ts :: Sign in with Gatehouse: a relying-party app, end to end (real server, Chromium) > ';
const SERVE = 'test/e2e/serving.test.ts :: serving the built web UI next to the API (no browser needed) > ';

export const OIDC_GUARANTEES: readonly Guarantee[] = [
  {
    guarantee: 'OpenID Connect provider, code flow only with PKCE S256 for every client: discovery offers response_types ["code"], code_challenge_methods ["S256"] and no implicit grant; an authorization request without a code_challenge or with the plain method goes back to the client as invalid_request with no code, for confidential and public clients alike; a code is redeemed only with its own code_verifier (missing or another → 400), and a public client needs nothing else',
    owasp: ['A07', 'A04'],
    asvs: ['10.4.6', '10.4.4', '10.6.1'],
    tests: [
      `${FLOW}publishes discovery with our endpoints and only code + S256`,
      `${NEG}missing PKCE, and the plain method, are refused back to the client`,
      `${NEG}a public client too: no PKCE is refused, and its code needs the right code_verifier at the token endpoint`,
      `${CLIENTS}a public client signs in with PKCE and no secret`,
    ],
  },
  {
    guarantee: 'Redirect URIs match exactly: a redirect_uri that differs from every registered one in any way (a trailing slash, an added query, another host, letter case) gets an error page (400, frame-ancestors \'none\'), never a redirect; registration refuses relative, non-http(s), credentialed, wildcard and fragment URIs, for redirect and post-logout URIs alike (API 400, CLI exit 2)',
    owasp: ['A01', 'A05'],
    asvs: ['10.4.1'],
    tests: [
      `${NEG}a redirect URI that is not registered exactly gets an error page, never a redirect`,
      `${CLIENTS}registration refuses redirect URIs that could not be matched exactly or safely: relative, another scheme, credentials, wildcards, fragments`,
      `${CLIENTS}a public client gets no secret; bad redirect URIs and non-admins are refused`,
      `${CLI}adds a confidential client (secret printed once, stored hashed), lists and removes it`,
    ],
  },
  {
    guarantee: 'The authorization response names its issuer (RFC 9207): iss = PUBLIC_URL comes back with every code and every error (invalid_request, login_required), next to the client\'s state, and discovery advertises authorization_response_iss_parameter_supported, so a relying party that talks to several providers can detect a mix-up',
    owasp: ['A07', 'A04'],
    asvs: ['10.2.2 (partial: the provider\'s side — Gatehouse sends iss; checking it is the relying party\'s job)'],
    tests: [
      `${FLOW}publishes discovery with our endpoints and only code + S256`,
      `${NEG}a code used twice is refused, and the tokens from its first use are revoked`,
      `${NEG}prompt=none without a Gatehouse session answers login_required; state and iss come back`,
    ],
  },
  {
    guarantee: 'Authorization codes live 60 seconds, are bound to the client they were issued to and work once: a second redemption is refused (invalid_grant) and revokes the access and refresh tokens of the first; another client\'s code and an expired code → invalid_grant; a confidential client with a wrong secret → 401 invalid_client',
    owasp: ['A07'],
    asvs: ['10.4.2', '10.4.3', '10.4.10'],
    tests: [
      `${NEG}a code used twice is refused, and the tokens from its first use are revoked`,
      `${NEG}another client's code is refused`,
      `${NEG}an expired code is refused`,
      `${NEG}a wrong client secret is refused`,
    ],
  },
  {
    guarantee: 'Refresh tokens (only with offline_access) rotate on every use; presenting a used one revokes the whole family — the newer refresh token and its access token included — and records oidc_token_reuse in the user\'s security log; a disabled user\'s refresh token is refused; no refresh token outlives the Gatehouse session it came from (absolute SESSION_TTL)',
    owasp: ['A07', 'A09'],
    asvs: ['10.4.5', '10.4.8', '16.3.3 (partial: reuse is recorded; other refused token requests are not)'],
    tests: [
      `${FLOW}signs a first-party app in: ID token, userinfo, refresh, introspection, revocation`,
      `${NEG}a refresh token used twice ends the whole family and is recorded`,
      `${NEG}a disabled user's refresh token is refused`,
      `${COUPLING}the session expiring (absolute lifetime)`,
    ],
  },
  {
    guarantee: 'Every grant belongs to the Gatehouse session it was made in: revoking that session on the devices page, logout, a password reset, eviction by MAX_SESSIONS, disabling or deleting the user and the session\'s absolute expiry end its tokens on the very next request (userinfo 401, introspection inactive, refresh invalid_grant), and so does removing the client (userinfo 401); a browser whose Gatehouse session ended signs in again, even with prompt=none (login_required); the devices page lists the apps signed in through each session',
    owasp: ['A07', 'A01'],
    asvs: ['7.6.1', '7.4.1', '7.4.2', '10.4.9'],
    tests: [
      `${COUPLING}revoking the session on the devices page`,
      `${COUPLING}logout`,
      `${COUPLING}a password reset`,
      `${COUPLING}eviction by the session cap`,
      `${COUPLING}disabling the user (admin API)`,
      `${COUPLING}deleting the account`,
      `${COUPLING}the session expiring (absolute lifetime)`,
      `${COUPLING}removing the client`,
      `${COUPLING}the devices page lists the apps signed in through each session`,
      `${COUPLING}a browser whose Gatehouse session ended must sign in again (the OIDC session follows ours)`,
    ],
  },
  {
    guarantee: 'Several instances: all provider state is in the shared database, so each step of a flow may run on another instance; logout on instance A ends the tokens on instance B on the very next request, and a user disabled in the database is refused by both at once; two instances starting together on an empty database agree on one set of signing keys',
    owasp: ['A07', 'A04'],
    asvs: ['7.6.1', '7.4.2'],
    tests: [
      `${MULTI}a flow spread over both instances works, and logout on A ends its tokens on B on the very next request`,
      `${MULTI}a user disabled in the database is refused by both instances on the very next request`,
    ],
  },
  {
    guarantee: 'ID tokens are signed ES256 (RS256 when a client is registered for it) with keys whose public halves only are published at /oidc/jwks; an ID token verifies for the client it was issued to and no other, and one whose aud was rewritten does not verify',
    owasp: ['A02', 'A08'],
    asvs: ['9.1.1', '10.5.4 (partial: the provider\'s side — aud is the client id; checking it is the relying party\'s job)'],
    tests: [
      `${NEG}an ID token for another audience, or with a forged audience, does not verify`,
      `${FLOW}publishes discovery with our endpoints and only code + S256`,
      `${KEYS}are made at first start and kept sealed; a rotation is picked up, and the old key stays published until its tokens expired`,
    ],
  },
  {
    guarantee: 'Signing keys: made at first start, private parts sealed in the database with AES-256-GCM under HKDF-SHA256(SESSION_SECRET, info "gatehouse:oidc-keys") (no private JWK member in a dump); `oidc-keys rotate` makes new keys that every instance signs with within 30 s while retired ones stay published for 25 h, then leave the JWKS; a key only SESSION_SECRET_PREVIOUS opens is sealed again under the current secret when loaded; an active key no configured secret opens stops the start, and doctor reports it as an error, an algorithm with only retired keys and an active key older than 180 days as warnings',
    owasp: ['A02', 'A05'],
    asvs: ['11.3.2', '13.3.4 (partial: rotation is manual; doctor asks for it after 180 days)'],
    tests: [
      `${KEYS}are made at first start and kept sealed; a rotation is picked up, and the old key stays published until its tokens expired`,
      `${KEY_ROTATION}retired keys no configured secret opens leave the JWKS; an active one that none opens fails loudly`,
      `${KEY_ROTATION}a key only SESSION_SECRET_PREVIOUS opens is sealed again with the current secret when loaded, so dropping the previous secret is safe`,
      `${CLI}adds a confidential client (secret printed once, stored hashed), lists and removes it`,
      `${DOCTOR}fresh signing keys raise nothing; an active key older than 180 days is a warning to rotate, gone after the rotation`,
      `${DOCTOR}an algorithm with only retired keys is a warning; no key at all (before the first start) is a note`,
      `${DOCTOR}an active key that no configured secret opens is an error (the server would not start); SESSION_SECRET_PREVIOUS opening it is fine`,
      `${DOCTOR_CLI}an http client is a warning (exit 0); keys sealed under another secret are an error (exit 1); no secret printed`,
    ],
  },
  {
    guarantee: 'Client secrets: 256 random bits, shown once (in the 201 response or the CLI output) and never in a later response, list or log line; stored only as a SHA-256 hash, which the token endpoint compares; public clients get none; only site admins register, list and remove clients (a plain user → 403); removing a client ends its tokens; doctor counts the clients and names those with redirect URIs that are not https (loopback http excepted)',
    owasp: ['A02', 'A07', 'A01'],
    asvs: ['10.4.10', '8.2.1'],
    tests: [
      `${CLIENTS}registers a client with its secret shown once (never in a later response or a log), lists and removes it`,
      `${CLI}adds a confidential client (secret printed once, stored hashed), lists and removes it`,
      `${CLIENTS}a public client gets no secret; bad redirect URIs and non-admins are refused`,
      `${COUPLING}removing the client`,
      `${DOCTOR}counts the clients, and names a client whose redirect or logout URIs are not https (loopback http of native apps is fine)`,
    ],
  },
  {
    guarantee: 'Consent: a client not registered as first-party gets a consent page naming it and each requested scope; the approval is remembered per user and client (also in later sessions), listed under /api/oidc/consents and withdrawable — withdrawing revokes its tokens, records oidc_consent_revoked and brings the consent page back; denying sends access_denied to the client',
    owasp: ['A01', 'A04'],
    asvs: ['10.7.1 (partial: first-party clients are not asked)', '10.7.2', '10.7.3', '10.4.9'],
    tests: [
      `${CONSENT}a third-party app gets a consent page naming it and its scopes; the consent is remembered and withdrawable`,
      `${CONSENT}denying consent sends access_denied back to the app`,
      `${UI}sign in, consent, and back at the app with the claims; the app is then listed on the profile and devices pages`,
    ],
  },
  {
    guarantee: 'The sign-in and consent steps are Gatehouse API calls under the usual rules: they need the user\'s session and the CSRF pair (a consent without it → 403), refuse another user\'s step (403), an unknown step (404), a step already past (409) and an admin impersonating the user (403); prompt=login and max_age demand a sign-in made after the request (409 until then) and auth_time reflects it; the interaction page and the provider\'s own pages (errors, logout confirmation) carry frame-ancestors \'none\', the latter without inline script',
    owasp: ['A01', 'A05', 'A07'],
    asvs: ['3.5.1', '3.4.6'],
    tests: [
      `${CONSENT}a third-party app gets a consent page naming it and its scopes; the consent is remembered and withdrawable`,
      `${CONSENT}the interaction API refuses unknown steps, other users and impersonation`,
      `${CONSENT}an admin impersonating a user cannot sign that user in to an app: the sign-in step → 403 forbidden`,
      `${CONSENT}prompt=login needs a sign-in made after the request; max_age one recent enough`,
      `${FLOW}sends a signed-out browser to the interaction page`,
      `${SERVE}the OpenID Connect sign-in and consent page (/oidc/interaction/{uid}) is the app, and cannot be framed`,
      `${NEG}a redirect URI that is not registered exactly gets an error page, never a redirect`,
      `${LOGOUT}confirmed logout ends the Gatehouse session (and so every token from it) and returns to the registered URI`,
    ],
  },
  {
    guarantee: 'RP-initiated logout asks the user first (a confirmation page with its own form token) and only then ends the Gatehouse session — and with it every token from it — recording logout; it returns only to a registered post-logout URI, with the state; an unregistered one → 400 and no redirect',
    owasp: ['A01', 'A07'],
    asvs: ['10.6.2', '7.4.1'],
    tests: [
      `${LOGOUT}confirmed logout ends the Gatehouse session (and so every token from it) and returns to the registered URI`,
      `${LOGOUT}an unregistered post-logout URI is refused`,
    ],
  },
  {
    guarantee: 'ID tokens say how the user signed in: amr comes from the Gatehouse session — ["pwd"] for a password alone (no mfa for an app to trust), pwd + otp + mfa after an authenticator code — and auth_time from the sign-in, so an app can demand a second factor or, with prompt=login or max_age, a recent sign-in',
    owasp: ['A07'],
    asvs: ['10.3.4 (partial: the provider\'s side — amr and auth_time are issued; checking them is the app\'s job)'],
    tests: [
      `${AMR}a Gatehouse session made with a password and an authenticator code gives an ID token with amr pwd + otp + mfa`,
      `${AMR}a password-only session gives amr pwd alone (no mfa claim for the app to trust)`,
      `${CONSENT}prompt=login needs a sign-in made after the request; max_age one recent enough`,
    ],
  },
];

export const OIDC_GAPS: readonly Gap[] = [
  { gap: 'OIDC: first-party clients are not asked for consent', owasp: ['A04'], asvs: ['10.7.1 (L2, partial)'], note: 'By design: only a site admin can register a client as first-party (its identity is assured by the admin); every other client gets the consent page.' },
  { gap: 'OIDC: scopes are not limited per client', owasp: ['A01', 'A04'], asvs: ['10.4.11 (L2)'], note: 'Open: any registered client may ask for every scope (openid, email, profile, organization, offline_access); third-party clients need the user\'s consent for each, first-party clients get what they ask.' },
  { gap: 'OIDC: apps are not told when the Gatehouse session ends (no back- or front-channel logout)', owasp: ['A07'], asvs: ['7.6.1 (L2, partial)'], note: 'Open: access and refresh tokens die with the session at once, but an app\'s own session lives until it calls userinfo, introspection or refresh; an ID token stays verifiable for its hour.' },
  { gap: 'OIDC: tokens are bearer tokens (no DPoP or mTLS), no PAR or JAR, secret-based client authentication', owasp: ['A07', 'A02'], asvs: ['10.3.5 (L3)', '10.4.12 (L3)', '10.4.13 (L3)', '10.4.14 (L3)', '10.4.16 (L3)'], note: 'Open: refresh-token replay is handled by rotation with family revocation (enough for L1/L2 under 10.4.5); confidential clients use client_secret_basic.' },
  { gap: 'OIDC: signing keys are rotated by hand', owasp: ['A02'], asvs: ['13.3.4 (L3, partial)'], note: 'Open: `oidc-keys rotate` on demand; doctor warns when the active key is older than 180 days. The keys are sealed under SESSION_SECRET, so they are as safe as it is.' },
  { gap: 'OIDC: introspection and revocation of another client\'s tokens', owasp: ['A01'], asvs: ['10.4.10 (L2, partial)'], note: 'Configured (a client may introspect or revoke only tokens issued to itself) but not pinned by a test.' },
];
