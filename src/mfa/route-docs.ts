import type { RouteDoc } from '../integration/route-doc-types.js';

const REAUTH = 'Body: `{password}` or, for a user with a passkey, `{passkey}` (an assertion for POST /api/passkeys/reauth/options).';
const PENDING = 'Needs the HttpOnly gh_mfa cookie set by POST /api/auth/login (5 minutes, single use); no X-CSRF-Token (there is no session yet).';

/** OpenAPI descriptions of the second-factor and passkey routes (see ROUTE_DOCS). */
export const MFA_ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /api/mfa': { tag: 'mfa', summary: 'My second factors', auth: 'read', responses: { 200: '{totp, passkeys, recoveryCodesLeft}.' } },
  'POST /api/mfa/totp/setup': {
    tag: 'mfa',
    summary: 'Start setting up an authenticator app (password required)',
    description: 'A pending enrollment: nothing is required at login until it is confirmed. A new setup replaces a pending one.',
    auth: 'write',
    responses: { 200: '{secret (base32), otpauthUri}.', 401: 'invalid_credentials', 409: 'conflict (already on)', 429: 'rate_limited' },
  },
  'POST /api/mfa/totp/confirm': {
    tag: 'mfa',
    summary: 'Confirm the authenticator app with a code',
    description: 'Turns TOTP on and returns 10 single-use recovery codes, shown this once.',
    auth: 'write',
    responses: { 200: '{recoveryCodes}.', 400: 'invalid_request (not 6 digits)', 401: 'invalid_code', 409: 'conflict (no pending setup)' },
  },
  'DELETE /api/mfa/totp': {
    tag: 'mfa',
    summary: 'Turn the authenticator app off',
    description: `${REAUTH} With the password, \`code\` (a current TOTP code or a recovery code) is required too.`,
    auth: 'write',
    responses: { 204: 'Off.', 401: 'invalid_credentials or invalid_code', 409: 'conflict (not on)', 429: 'rate_limited' },
  },
  'POST /api/mfa/recovery-codes': {
    tag: 'mfa',
    summary: 'Replace my recovery codes',
    description: `${REAUTH} The old codes stop working.`,
    auth: 'write',
    responses: { 200: '{recoveryCodes}: 10 new codes.', 401: 'invalid_credentials', 409: 'conflict (no second factor)' },
  },
  'POST /api/passkeys/options': {
    tag: 'mfa',
    summary: 'WebAuthn creation options for a new passkey (password required)',
    description: 'PublicKeyCredentialCreationOptionsJSON: resident key and user verification required, existing passkeys excluded. The challenge is bound to this session, single use, 5 minutes.',
    auth: 'write',
    responses: { 200: 'Creation options.', 401: 'invalid_credentials', 429: 'rate_limited' },
  },
  'POST /api/passkeys': { tag: 'mfa', summary: 'Register a passkey', auth: 'write', responses: { 201: '{passkey}.', 400: 'invalid_request (malformed, or not for a challenge of this session, origin or RP ID)', 409: 'conflict (already registered)' } },
  'POST /api/passkeys/reauth/options': {
    tag: 'mfa',
    summary: 'WebAuthn request options to re-authenticate with one of my passkeys',
    description: 'The assertion is then sent as `passkey` in place of the password (email change, account deletion, turning factors off).',
    auth: 'write',
    responses: { 200: 'Request options.', 409: 'conflict (no passkey)' },
  },
  'PATCH /api/passkeys/:id': { tag: 'mfa', summary: 'Rename a passkey', auth: 'write', responses: { 200: '{passkey}.', 400: 'invalid_request', 404: 'not_found' } },
  'DELETE /api/passkeys/:id': { tag: 'mfa', summary: 'Remove a passkey', description: REAUTH, auth: 'write', responses: { 204: 'Removed.', 401: 'invalid_credentials', 404: 'not_found' } },
  'POST /api/auth/login/mfa': {
    tag: 'auth',
    summary: 'Second step of a password login',
    description: `Exactly one of \`code\` (TOTP), \`recoveryCode\` or \`passkey\` (an assertion for POST /api/auth/login/mfa/options). ${PENDING} Five wrong codes end the pending login; wrong codes count toward LOGIN_MAX_FAILURES.`,
    responses: { 200: 'The user; the session and CSRF cookies.', 400: 'invalid_request', 401: 'invalid_code, or unauthenticated (gh_mfa missing, expired, used or forged)', 403: 'account_inactive', 429: 'rate_limited' },
  },
  'POST /api/auth/login/mfa/options': { tag: 'auth', summary: 'WebAuthn request options for the second step', description: PENDING, responses: { 200: 'Request options (the user’s passkeys).', 401: 'unauthenticated', 409: 'conflict (no passkey)' } },
  'POST /api/auth/passkey/options': {
    tag: 'auth',
    summary: 'Start a passwordless sign-in with a passkey',
    description: 'Request options without allowCredentials (discoverable credentials); the challenge is bound to the HttpOnly gh_webauthn cookie set here (5 minutes, single use).',
    responses: { 200: 'Request options.', 429: 'rate_limited' },
  },
  'POST /api/auth/passkey': {
    tag: 'auth',
    summary: 'Sign in with a passkey (no password)',
    responses: { 200: 'The user; the session and CSRF cookies.', 400: 'invalid_request', 401: 'invalid_credentials (also a signature counter that went backwards)', 403: 'account_inactive' },
  },
  'PATCH /api/org': { tag: 'organization', summary: 'Organization settings: require a second factor (owner/admin)', auth: 'write', responses: { 200: 'The organization.', 403: 'forbidden' } },
  'DELETE /api/admin/users/:id/mfa': {
    tag: 'admin',
    summary: "Reset a user's second factors",
    description: 'Removes TOTP, passkeys and recovery codes; the user is emailed and the reset is audited.',
    auth: 'write',
    responses: { 204: 'Reset.', 403: 'forbidden or mfa_required', 404: 'not_found' },
  },
};
