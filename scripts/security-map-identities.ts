/**
 * The "sign in with another provider" part of the security map (src/identities/: external OpenID
 * providers and GitHub, Gatehouse as the relying party): guarantees → OWASP Top 10 (2021) → ASVS 5.0.0
 * (mostly V10 OAuth and OIDC) → the tests that pin them, and the gaps that remain.
 * scripts/security-map.ts appends these rows to its own and renders them into docs/SECURITY.md; the
 * same check verifies every test named here. See docs/SOCIAL-LOGIN.md for the design.
 */
import type { Gap, Guarantee } from './security-map.js';

// Describe chains that many rows share (each string below is still one exact test name).
const IN = 'test/identities/signin.test.ts :: sign in with an external OpenID provider (a real oidc-provider) > ';
const ERR = 'test/identities/errors.test.ts :: bad callbacks end on the sign-in page with a clear error code, never a stack > ';
const HIJACK = 'test/identities/pre-hijacking.test.ts :: account pre-hijacking is impossible (both ways), and unverified emails never create or link > ';
const LINK = 'test/identities/link.test.ts :: linking and unlinking from the profile, and the second factor after a provider > ';
const REAUTH = 'test/identities/link-reauth.test.ts :: linking a provider re-authenticates; linking and unlinking are emailed > ';
const GITHUB = 'test/identities/github.test.ts :: sign in with GitHub (OAuth 2 against a local stand-in of its endpoints) > ';
const CONFIG = 'test/identities/config.test.ts :: provider configuration > ';
const DOCTOR = 'test/identities/doctor.test.ts :: doctor: each provider’s discovery document > ';
const UI = 'test/e2e/social.test.ts :: web UI: sign in with another provider (real server, real oidc-provider, Chromium) > ';

export const IDENTITY_GUARANTEES: readonly Guarantee[] = [
  {
    guarantee: 'Sign in with another provider: the code flow with PKCE S256, a state and (OpenID providers) a nonce, all kept in a server-side row that an HttpOnly SameSite=Lax gh_oauth cookie names for 10 minutes (the cookie holds none of them); the callback consumes the row whatever happens, so a replayed callback, one in another browser (login CSRF), one without the cookie, one older than 10 minutes or one delivered at another provider\'s callback URL is refused (oauth_state) before the code is redeemed; starts are limited per client address',
    owasp: ['A07', 'A01'],
    asvs: ['10.1.2', '10.2.1', '10.2.2 (partial: the state names its provider and each provider has its own callback URL; the iss response parameter is required only when the provider advertises it)'],
    tests: [
      `${IN}start redirects with code + PKCE S256, state and nonce, and sets an HttpOnly SameSite=Lax single-use cookie for 10 minutes`,
      `${ERR}a replayed callback (the same state and code again) is refused: the state is single use`,
      `${ERR}a callback whose state is not this browser’s (login CSRF), or with no state cookie at all, is refused before the code is used`,
      `${ERR}a state older than 10 minutes is refused (oauth_state), even from the browser that started it`,
      `${ERR}a callback delivered at another provider’s callback URL (mix-up) is refused: the state names the provider it was made for`,
      `${ERR}starts are bounded per client address (each stores a state row): the 61st in a minute is 429`,
      `${GITHUB}the authorization request to GitHub carries PKCE S256 and the GitHub scopes`,
      `${GITHUB}a replayed GitHub callback is refused (state single use, code single use at GitHub)`,
    ],
  },
  {
    guarantee: 'What a provider answers is checked: an ID token with a wrong aud, iss, nonce or signature is refused (oauth_failed), creates nothing and leaks no token to the log, while the same provider\'s honest token signs in; a provider error (access_denied), a provider that is down at the start or before the callback end on the sign-in page with an error code, never a stack or a 500',
    owasp: ['A07', 'A08'],
    asvs: ['10.5.1', '10.5.4', '9.1.1'],
    tests: [
      `${ERR}an ID token with a wrong \${tamper} is refused (oauth_failed) and creates nothing`,
      `${ERR}the crafted provider with an honest token does sign in (so the refusals above are the checks, not the set-up)`,
      `${ERR}an error from the provider (access_denied) is oauth_provider_error`,
      `${ERR}a provider that is down: start redirects to /sign-in?error=oauth_unavailable (no stack, no 500)`,
      `${ERR}a provider that goes down between start and callback: oauth_unavailable`,
    ],
  },
  {
    guarantee: 'Provider configuration: production refuses to boot with an http provider URL (even on loopback); doctor reads each provider\'s discovery document and reports an issuer that is not the configured one, missing or non-https endpoints and a provider that is down as errors, and names the redirect URI to register',
    owasp: ['A05', 'A02'],
    asvs: ['12.3.1', '10.5.3 (partial: doctor compares the issuer; at sign-in it is left to openid-client\'s discovery, not pinned by a test)'],
    tests: [
      `${CONFIG}production refuses to boot with an http provider URL, even on 127.0.0.1; development allows http only on loopback`,
      `${DOCTOR}a real provider: the document is read; its http endpoints are errors for production; the redirect URI to register is named`,
      `${DOCTOR}an issuer that does not match the document is an error`,
      `${DOCTOR}a document without endpoints is an error for each missing one`,
      `${DOCTOR}a provider that is down is an error, not a crash`,
    ],
  },
  {
    guarantee: 'An identity is provider + subject, never an email: the same subject signs the same user in even after its email changed at the provider; an identity linked to one account cannot be linked to another (oauth_identity_taken); for GitHub the numeric user id is the subject',
    owasp: ['A07'],
    asvs: ['10.5.2'],
    tests: [
      `${IN}the same identity signs the same user in again (found by provider + subject, not by email)`,
      `${LINK}an identity already linked to another account cannot be linked again (oauth_identity_taken)`,
      `${GITHUB}a primary, verified email creates a verified user; the GitHub user id is the subject`,
    ],
  },
  {
    guarantee: 'No silent linking of an existing email (account pre-hijacking, both ways): a provider sign-in whose email an account already has is refused (oauth_account_exists) and links nothing — an attacker\'s pre-registered account gains no way in, and the real owner signs in with the password and links from the profile; an account a provider created has no password and cannot be claimed by registering its email (409 email_taken)',
    owasp: ['A07', 'A04'],
    asvs: ['10.5.2'],
    tests: [
      `${HIJACK}attacker registers the victim’s email with a password first: the victim’s provider sign-in is refused and nothing is linked`,
      `${HIJACK}the real owner of an existing account is not signed in by email either: they sign in with the password and link`,
      `${HIJACK}an account made by a provider cannot be pre-claimed with a password later: register is 409 email_taken`,
      `${IN}a user created by a provider has no password: password login fails like a wrong password`,
      `${GITHUB}the same pre-hijacking rule: a GitHub email that an account already has is refused`,
      `${UI}an existing account’s email is refused with a clear message on the sign-in page (no stack, no linking)`,
    ],
  },
  {
    guarantee: 'An unverified email never creates or links: email_verified must be exactly true (a missing email or any other value is unverified) when signing up, against an existing account and when linking from the profile (oauth_email_unverified, nothing created); for GitHub the primary email must be verified, even if another one is; a new account from a verified email starts verified, with its organization',
    owasp: ['A07', 'A04'],
    asvs: ['10.5.2'],
    tests: [
      `${HIJACK}the reverse: an attacker’s IdP account claiming the victim’s email, unverified, cannot create the account first`,
      `${HIJACK}the reverse, against an existing account: an unverified email at the IdP links nothing`,
      `${HIJACK}a missing email, or email_verified that is not exactly true, is unverified`,
      `${LINK}an unverified provider email does not link either`,
      `${GITHUB}a primary email that GitHub has not verified never creates an account, even if another one is verified`,
      `${IN}a new identity with a new verified email creates a verified user with their organization, signed in`,
    ],
  },
  {
    guarantee: '`next` stays on the site: after a provider sign-in, an absolute URL, //host, /\\host, /.//host, an encoded slash or javascript: as `next` lands on a local path of PUBLIC_URL\'s origin (no open redirect); a local `next` is kept, through the second-factor step too',
    owasp: ['A01'],
    asvs: ['3.7.2'],
    tests: [
      `${IN}next=\${payload} is refused: the sign-in lands on a local path`,
      `${IN}a new identity with a new verified email creates a verified user with their organization, signed in`,
      `${LINK}a user with a second factor still presents it after the provider: gh_mfa and no session, then the code`,
    ],
  },
  {
    guarantee: 'Linking from the profile needs the session and the CSRF header (401 / 403 otherwise); its state row is bound to the session that started it, so a link callback delivered in another browser or after that session ended links nothing; someone else\'s identity cannot be unlinked (404); identity_linked and identity_unlinked name the provider in the user\'s log',
    owasp: ['A01', 'A07', 'A09'],
    asvs: ['3.5.1', '10.1.2'],
    tests: [
      `${LINK}linking needs a session and the CSRF header`,
      `${LINK}a link callback delivered in another browser (or after the session ended) links nothing`,
      `${LINK}a signed-in user links a provider whose email is theirs; afterwards that provider signs them in`,
      `${LINK}unlinking: 204 with a password left; someone else’s identity is 404`,
    ],
  },
  {
    guarantee: 'Linking a provider (a new, lasting way in) re-authenticates, like an email change: {password}, or {passkey} (an assertion for the reauth challenge of this session, single use); no proof → 400 invalid_request, a wrong one → 401 invalid_credentials under the login limits, and nothing is stored (no state row, no cookie). An account with no password and no passkey (made by a provider) has nothing to present: it links only from a session signed in within the last 10 minutes (LINK_RECENT_SIGN_IN_MS), else 403 forbidden with "sign in again"; an impersonation session, however new, never links',
    owasp: ['A07', 'A01'],
    asvs: ['7.5.1 (partial: an account with no password and no passkey proves a recent sign-in instead)'],
    tests: [
      `${REAUTH}no proof → 400 invalid_request on the password field; no state row, no cookie`,
      `${REAUTH}a wrong password → 401 invalid_credentials; no state row, nothing linked`,
      `${REAUTH}a passkey assertion for the reauth options links too; a replayed one → 401`,
      `${REAUTH}an account with no password and no passkey links with a fresh sign-in and no proof`,
      `${REAUTH}… but a sign-in older than the window → 403 forbidden (sign in again); no state row`,
      `${REAUTH}an impersonating admin cannot link, though the impersonation session is brand new; no state row`,
      `${UI}links a provider from the profile; a user with a second factor still presents it after the provider`,
      `${UI}the provider button signs a new user in; the profile lists the identity, and the last way to sign in cannot be unlinked`,
    ],
  },
  {
    guarantee: 'Linking and unlinking a provider each email the user a security notice naming the provider (never a token, code or subject); an unlink that is refused sends none',
    owasp: ['A07', 'A09'],
    asvs: ['6.3.7'],
    tests: [
      `${REAUTH}linking and unlinking each email the user one notice naming the provider, never a token`,
      `${REAUTH}a refused unlink (the last way to sign in) sends no notice`,
      `${REAUTH}an account with no password and no passkey links with a fresh sign-in and no proof`,
    ],
  },
  {
    guarantee: 'The last way to sign in cannot be removed: unlinking the only identity of an account without a password (or passkey) → 409 conflict; with a password or a second provider, one identity can go',
    owasp: ['A04'],
    asvs: [],
    tests: [
      `${LINK}the last way to sign in cannot be removed (409 conflict); with a second provider linked, one can go`,
      `${LINK}unlinking: 204 with a password left; someone else’s identity is 404`,
      `${UI}the provider button signs a new user in; the profile lists the identity, and the last way to sign in cannot be unlinked`,
    ],
  },
  {
    guarantee: 'A provider replaces the password step only: a user with a second factor gets gh_mfa and no session after the provider, then the code (the password alone is still only a first step); the session records its methods (provider:<name>, then totp) and login_succeeded names the provider, also when a code completed the sign-in',
    owasp: ['A07', 'A09'],
    asvs: ['6.3.3', '16.3.1'],
    tests: [
      `${LINK}a user with a second factor still presents it after the provider: gh_mfa and no session, then the code`,
      `${IN}a new identity with a new verified email creates a verified user with their organization, signed in`,
      `${UI}links a provider from the profile; a user with a second factor still presents it after the provider`,
    ],
  },
];

export const IDENTITY_GAPS: readonly Gap[] = [
  { gap: 'Providers: unlinking a provider needs no re-authentication', owasp: ['A07'], asvs: ['7.5.1 (L2, partial)'], note: 'By contract: DELETE /api/identities/{id} takes no body. A live session and the CSRF header can remove a provider, never the last way to sign in (409), never add one; the user is emailed and it is recorded as identity_unlinked.' },
  { gap: 'Providers: an account with no password and no passkey links on a recent sign-in', owasp: ['A07'], asvs: ['7.5.1 (L2, partial)'], note: 'By design: such an account has nothing to re-authenticate with, so a session stolen within 10 minutes of its sign-in can still link a provider; the user is emailed. Once the user sets a password (forgot password), the account re-authenticates like any other.' },
  { gap: 'Providers: trust in each provider\'s email verification', owasp: ['A07'], asvs: [], note: 'By design: an account created through a provider starts with a verified email because the provider said email_verified: true; an operator should configure only providers that verify addresses.' },
  { gap: 'Providers: the sign-in is not tied to the provider\'s session', owasp: ['A07'], asvs: ['7.6.1 (L2, partial)'], note: 'By design: signing out at the provider does not end the Gatehouse session, and Gatehouse\'s logout does not sign out at the provider; the session then follows Gatehouse\'s own lifetimes.' },
  { gap: 'Providers: RFC 9207 iss in the authorization response is not required', owasp: ['A07'], asvs: ['10.2.2 (L2, partial)'], note: 'Mix-up is countered by a state row naming its provider and a callback URL per provider (pinned); openid-client compares an iss the provider sends, and requires one when the provider advertises it (not pinned by a test); a provider that neither sends nor advertises it is accepted.' },
];
