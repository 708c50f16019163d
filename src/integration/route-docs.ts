import type { RouteDoc } from './route-doc-types.js';
import { MFA_ROUTE_DOCS } from '../mfa/route-docs.js';
import { OIDC_ROUTE_DOCS, OIDC_UNDOCUMENTED_ROUTES } from '../oidc/route-docs.js';
import { IDENTITY_ROUTE_DOCS } from '../identities/route-docs.js';

/**
 * OpenAPI descriptions of every route, keyed by `METHOD /path` (Fastify syntax, without the mount
 * prefix). Request schemas come from the routes themselves; this adds what a reader needs: tag,
 * summary and the documented responses. Response schemas live here, not on the routes, so they
 * document the output without ever filtering it through a serializer.
 * A route missing from this table is published without a summary, and the OpenAPI test fails.
 */
export type { RouteDoc };

const SIGNED_IN = { 401: 'unauthenticated (no valid session; both cookies are cleared)', 403: 'account_inactive, or csrf_failed on writes' } as const;

export const ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /healthz': { tag: 'operations', summary: 'Liveness', responses: { 200: 'The process runs.' } },
  'GET /readyz': { tag: 'operations', summary: 'Readiness', responses: { 200: 'The database and the counter store answer.', 503: 'unavailable' } },

  'POST /api/auth/register': {
    tag: 'auth',
    summary: 'Create an account and sign in',
    description:
      'Sets the session and CSRF cookies and sends a verification email. With `inviteToken` (the token of an invitation ' +
      'link) the new user joins that organization with the invited role instead of getting an organization of their own; ' +
      'a bad token refuses the registration and creates nothing.',
    responses: { 201: 'The new user.', 400: 'invalid_request (weak password, bad email, unknown field) or invalid_token (inviteToken)', 409: 'email_taken', 410: 'token_expired (inviteToken)', 429: 'rate_limited' },
  },
  'POST /api/auth/login': {
    tag: 'auth',
    summary: 'Sign in with email and password',
    description: 'Sets the session and CSRF cookies.',
    responses: { 200: 'The signed-in user; or, for a user with a second factor, {mfaRequired: true, methods} and the HttpOnly gh_mfa cookie (no session yet: continue with POST /api/auth/login/mfa).', 401: 'invalid_credentials', 403: 'account_inactive', 429: 'rate_limited (Retry-After)' },
  },
  'POST /api/auth/logout': { tag: 'auth', summary: 'Sign out', auth: 'write', responses: { 204: 'Session revoked, cookies cleared (Clear-Site-Data).' } },
  'GET /api/auth/me': { tag: 'auth', summary: 'The signed-in user and session', auth: 'read', responses: { 200: 'User, session and impersonator (or null).' } },
  'POST /api/auth/change-password': {
    tag: 'auth',
    summary: 'Change the password',
    description: 'Revokes every other session and issues a fresh cookie pair.',
    auth: 'write',
    responses: { 200: 'The user.', 400: 'invalid_request (weak new password)', 401: 'invalid_credentials (wrong current password)', 403: 'forbidden while impersonating', 429: 'rate_limited' },
  },
  'POST /api/auth/verify-email': {
    tag: 'email',
    summary: 'Confirm an email address with the token from the email',
    responses: { 200: 'Confirmed.', 400: 'invalid_token', 410: 'token_expired' },
  },
  'POST /api/auth/resend-verification': { tag: 'email', summary: 'Send a new verification email', auth: 'write', responses: { 202: 'Accepted.', 429: 'rate_limited' } },
  'POST /api/auth/forgot-password': {
    tag: 'email',
    summary: 'Request a password reset email',
    description: 'Answers the same whether or not the account exists.',
    responses: { 202: 'Accepted.', 400: 'invalid_request', 429: 'rate_limited', 503: 'unavailable (the database or the counter store is down: no email could be prepared)' },
  },
  'POST /api/auth/reset-password': {
    tag: 'email',
    summary: 'Set a new password with the token from the email',
    description: 'Revokes every session of the account.',
    responses: { 200: 'Changed.', 400: 'invalid_token or invalid_request (weak password)', 410: 'token_expired' },
  },
  'POST /api/auth/tokens/inspect': {
    tag: 'email',
    summary: 'Check an email link\'s token without using it',
    description:
      'For the pages behind email links: answers what the page needs before it shows a form, and consumes nothing. ' +
      'verify_email → {purpose, email, expiresAt}; reset_password → {purpose, email, expiresAt}; org_invite → ' +
      '{purpose, organization: {name}, invitedBy: {name|null, email}, email, role, expiresAt}. The same checks as the ' +
      'endpoints that use the token, so a token valid here is valid there. No session needed; the Origin check applies.',
    responses: { 200: 'The token is valid for this purpose.', 400: 'invalid_token (malformed, other purpose, used, superseded, revoked) or invalid_request', 410: 'token_expired' },
  },
  'GET /api/dev/outbox': { tag: 'operations', summary: 'Emails sent (development with MAIL_TRANSPORT=outbox only)', responses: { 200: 'Newest first.', 404: 'not_found (production)' } },

  'PATCH /api/profile': {
    tag: 'profile',
    summary: 'Update name, email or organization name',
    description: 'Changing the email needs currentPassword (or, for a user with a passkey, `passkey`: an assertion for POST /api/passkeys/reauth/options) and makes the address unverified again.',
    auth: 'write',
    responses: { 200: 'The user.', 400: 'invalid_request', 409: 'email_taken' },
  },
  'DELETE /api/profile': { tag: 'profile', summary: 'Delete the account (password, or a passkey assertion, required)', auth: 'write', responses: { 204: 'Deleted, cookies cleared.', 401: 'invalid_credentials', 409: 'conflict (last owner of an organization with members)' } },

  'GET /api/sessions': { tag: 'sessions', summary: 'Active sessions (devices)', auth: 'read', responses: { 200: 'Sessions, the current one marked.' } },
  'DELETE /api/sessions/:id': { tag: 'sessions', summary: 'Revoke one of my sessions', auth: 'write', responses: { 204: 'Revoked.', 404: 'not_found' } },
  'POST /api/sessions/revoke-others': { tag: 'sessions', summary: 'Revoke every other session', auth: 'write', responses: { 204: 'Revoked.' } },
  'GET /api/security-events': { tag: 'sessions', summary: 'My recent security events', auth: 'read', responses: { 200: 'Newest first.' } },

  'GET /api/org': { tag: 'organization', summary: 'My organization and its members', auth: 'read', responses: { 200: 'Organization and members.', 404: 'not_found' } },
  'POST /api/org/invitations': { tag: 'organization', summary: 'Invite someone by email (owner/admin)', auth: 'write', responses: { 201: 'The invitation.', 403: 'forbidden', 409: 'conflict', 429: 'rate_limited' } },
  'GET /api/org/invitations': { tag: 'organization', summary: 'Pending invitations (owner/admin)', auth: 'read', responses: { 200: 'Invitations.', 403: 'forbidden' } },
  'DELETE /api/org/invitations/:id': { tag: 'organization', summary: 'Revoke an invitation (owner/admin)', auth: 'write', responses: { 204: 'Revoked.', 403: 'forbidden', 404: 'not_found' } },
  'POST /api/org/join': { tag: 'organization', summary: 'Join with an invitation token', auth: 'write', responses: { 200: 'The organization.', 400: 'invalid_token', 409: 'conflict', 410: 'token_expired' } },
  'PATCH /api/org/members/:userId': { tag: 'organization', summary: "Change a member's role", auth: 'write', responses: { 200: 'The member.', 403: 'forbidden', 404: 'not_found', 409: 'conflict' } },
  'DELETE /api/org/members/:userId': { tag: 'organization', summary: 'Remove a member, or leave', auth: 'write', responses: { 204: 'Removed.', 403: 'forbidden', 404: 'not_found', 409: 'conflict' } },

  'GET /api/admin/users': { tag: 'admin', summary: 'Search users (site admin)', auth: 'read', responses: { 200: 'A page of users.', 403: 'forbidden' } },
  'PATCH /api/admin/users/:id': { tag: 'admin', summary: 'Disable, enable, promote or demote a user', auth: 'write', responses: { 200: 'The user.', 403: 'forbidden', 404: 'not_found', 409: 'conflict' } },
  'DELETE /api/admin/users/:id': { tag: 'admin', summary: 'Delete a user', auth: 'write', responses: { 204: 'Deleted.', 403: 'forbidden', 404: 'not_found', 409: 'conflict' } },
  'POST /api/admin/impersonate': { tag: 'admin', summary: 'Start impersonating a user', auth: 'write', responses: { 200: 'The impersonated user; new cookie pair.', 403: 'forbidden (admins and disabled users cannot be impersonated)', 404: 'not_found' } },
  'POST /api/admin/impersonate/stop': { tag: 'admin', summary: 'Stop impersonating', auth: 'write', responses: { 200: 'The admin again; new cookie pair.', 409: 'conflict (not impersonating)' } },
  'GET /api/admin/security-events': { tag: 'admin', summary: 'Search security events (site admin)', auth: 'read', responses: { 200: 'A page of events.', 403: 'forbidden' } },

  'GET /api/auth/verify': {
    tag: 'integration',
    summary: 'Forward auth for reverse proxies',
    description:
      'nginx auth_request, Caddy forward_auth, Traefik ForwardAuth. 204 with X-Gatehouse-User-Id, X-Gatehouse-Email ' +
      '(percent-encoded UTF-8), X-Gatehouse-Role, X-Gatehouse-Org-Id, X-Gatehouse-Org-Role and, while impersonating, ' +
      'X-Gatehouse-Impersonator-Id. When X-Forwarded-Method (or X-Original-Method) is a write, X-CSRF-Token and Origin ' +
      'are checked as for the API.',
    auth: 'read',
    responses: { 204: 'Signed in; identity in the X-Gatehouse-* headers.', 400: 'invalid_request (unknown query)', 403: 'account_inactive, csrf_failed, or forbidden (role/orgRole not met)' },
  },
  'GET /api/openapi.json': { tag: 'integration', summary: 'This OpenAPI document', responses: { 200: 'OpenAPI 3.1.' } },
  'GET /api/docs': { tag: 'integration', summary: 'Human-readable list of the routes', responses: { 200: 'HTML.' } },
  ...MFA_ROUTE_DOCS,
  ...OIDC_ROUTE_DOCS,
  ...IDENTITY_ROUTE_DOCS,
};

/** The web UI's routes: pages and assets, not API. */
export const UNDOCUMENTED_ROUTES: ReadonlySet<string> = new Set(['GET /*', 'GET /assets/*', ...OIDC_UNDOCUMENTED_ROUTES]);

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, fields: { type: 'object', additionalProperties: { type: 'string' } } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
} as const;

function responseSchema(status: number, description: string): Record<string, unknown> {
  if (status === 204) return { description, type: 'null' };
  if (status >= 400) return { ...ERROR_SCHEMA, description };
  return { description };
}

/** The route's schema plus its documentation, for @fastify/swagger's `transform`. */
export function documentedSchema(doc: RouteDoc, schema: object | undefined): Record<string, unknown> {
  const defaults: Record<number, string> = {};
  if (doc.auth !== undefined) {
    defaults[401] = SIGNED_IN[401];
    defaults[403] = SIGNED_IN[403];
  }
  if (doc.auth === 'write') defaults[415] = 'unsupported_media_type';
  const codes: Record<number, string> = { ...defaults, ...doc.responses };
  const response = Object.fromEntries(Object.entries(codes).map(([status, text]) => [status, responseSchema(Number(status), text)]));
  const security = doc.auth === undefined ? undefined : doc.auth === 'write' ? [{ sessionCookie: [], csrfHeader: [] }] : [{ sessionCookie: [] }];
  return {
    ...schema,
    tags: [doc.tag],
    summary: doc.summary,
    ...(doc.description === undefined ? {} : { description: doc.description }),
    ...(security === undefined ? {} : { security }),
    response,
  };
}
