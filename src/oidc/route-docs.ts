import type { RouteDoc } from '../integration/route-docs.js';

/** OpenAPI descriptions of the provider's own JSON routes (merged into ROUTE_DOCS). */
export const OIDC_ROUTE_DOCS: Readonly<Record<string, RouteDoc>> = {
  'GET /api/oidc/interaction/:uid': {
    tag: 'oidc',
    summary: 'A pending OpenID Connect sign-in or consent step',
    description: 'The client, the scopes it asks for, the step (login or consent), whether a fresh sign-in is needed, and who is signed in (or null).',
    responses: { 200: 'The step.', 404: 'not_found (expired or unknown)' },
  },
  'POST /api/oidc/interaction/:uid/login': {
    tag: 'oidc',
    summary: 'Continue an OpenID Connect sign-in as the signed-in user',
    auth: 'write',
    responses: { 200: '{redirectTo}: where the browser goes next.', 403: 'forbidden while impersonating', 404: 'not_found', 409: 'conflict (not a sign-in step, or a fresh sign-in is needed)' },
  },
  'POST /api/oidc/interaction/:uid/consent': {
    tag: 'oidc',
    summary: 'Allow or deny an app the scopes it asks for',
    description: 'Allowing remembers the consent for this user and app (withdrawable on the profile page).',
    auth: 'write',
    responses: { 200: '{redirectTo}: back to the app.', 403: 'forbidden (another user, or impersonating)', 404: 'not_found', 409: 'conflict (not a consent step)' },
  },
  'GET /api/oidc/consents': { tag: 'oidc', summary: 'Apps the user has consented to', auth: 'read', responses: { 200: '{consents: [{clientId, clientName, scopes, grantedAt}]}' } },
  'DELETE /api/oidc/consents/:clientId': {
    tag: 'oidc',
    summary: 'Withdraw a consent',
    description: "Ends every grant, code and token the user gave that app.",
    auth: 'write',
    responses: { 204: 'Withdrawn.', 404: 'not_found' },
  },
  'GET /api/oidc/apps': { tag: 'oidc', summary: 'Apps signed in through each session (devices page)', auth: 'read', responses: { 200: '{sessions: [{sessionId, apps: [{clientId, name}]}]}' } },
  'GET /api/admin/oidc-clients': { tag: 'admin', summary: 'OpenID Connect clients (site admin)', auth: 'read', responses: { 200: '{clients: [client]}', 403: 'forbidden' } },
  'POST /api/admin/oidc-clients': {
    tag: 'admin',
    summary: 'Register an OpenID Connect client (site admin)',
    description: 'The client_secret of a confidential client is in this response only; it is stored hashed and never shown again.',
    auth: 'write',
    responses: { 201: '{client, clientSecret (null for a public client)}', 400: 'invalid_request (bad redirect URI)', 403: 'forbidden' },
  },
  'DELETE /api/admin/oidc-clients/:id': {
    tag: 'admin',
    summary: 'Remove an OpenID Connect client and end its tokens (site admin)',
    auth: 'write',
    responses: { 204: 'Removed.', 403: 'forbidden', 404: 'not_found' },
  },
};

/** The provider's standard endpoints (described by its discovery document) and its web UI page: not our JSON API. */
export const OIDC_UNDOCUMENTED_ROUTES: readonly string[] = ['GET /oidc/*', 'GET /oidc/interaction/:uid', 'GET /.well-known/openid-configuration'];
