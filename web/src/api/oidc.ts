import { api } from './client';

/** The OpenID Connect provider's JSON routes ("Sign in with Gatehouse"). */

export interface OidcInteraction {
  readonly uid: string;
  /** 'login' or 'consent'. */
  readonly prompt: string;
  readonly freshLoginRequired: boolean;
  readonly client: { readonly id: string; readonly name: string; readonly firstParty: boolean };
  readonly scopes: readonly string[];
  readonly missingScopes: readonly string[];
  readonly user: { readonly id: string; readonly email: string; readonly name: string } | null;
}

export interface OidcConsent {
  readonly clientId: string;
  readonly clientName: string;
  readonly scopes: readonly string[];
  readonly grantedAt: string;
}

export interface OidcSessionApps {
  readonly sessionId: string;
  readonly apps: readonly { readonly clientId: string; readonly name: string }[];
}

export interface OidcClient {
  readonly clientId: string;
  readonly name: string;
  readonly public: boolean;
  readonly firstParty: boolean;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly idTokenSignedResponseAlg: 'ES256' | 'RS256';
  readonly createdAt: string;
}

export interface NewOidcClient {
  readonly name: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  readonly public?: boolean;
  readonly firstParty?: boolean;
}

const enc = encodeURIComponent;

export function getInteraction(uid: string): Promise<OidcInteraction> {
  return api.get(`/api/oidc/interaction/${enc(uid)}`);
}

export function continueLogin(uid: string): Promise<{ redirectTo: string }> {
  return api.post(`/api/oidc/interaction/${enc(uid)}/login`);
}

export function answerConsent(uid: string, approve: boolean): Promise<{ redirectTo: string }> {
  return api.post(`/api/oidc/interaction/${enc(uid)}/consent`, { approve });
}

export function listConsents(): Promise<{ consents: OidcConsent[] }> {
  return api.get('/api/oidc/consents');
}

export function withdrawConsent(clientId: string): Promise<void> {
  return api.delete(`/api/oidc/consents/${enc(clientId)}`);
}

export function listSessionApps(): Promise<{ sessions: OidcSessionApps[] }> {
  return api.get('/api/oidc/apps');
}

export function listOidcClients(): Promise<{ clients: OidcClient[] }> {
  return api.get('/api/admin/oidc-clients');
}

export function createOidcClient(input: NewOidcClient): Promise<{ client: OidcClient; clientSecret: string | null }> {
  return api.post('/api/admin/oidc-clients', input);
}

export function removeOidcClient(clientId: string): Promise<void> {
  return api.delete(`/api/admin/oidc-clients/${enc(clientId)}`);
}

/** What each scope lets an app see, in the words of the consent page. */
export const SCOPE_TEXT: Readonly<Record<string, string>> = {
  openid: 'Know who you are (your Gatehouse account id)',
  email: 'See your email address',
  profile: 'See your name',
  organization: 'See your organization and your role in it',
  offline_access: 'Stay signed in while you are away (refresh tokens)',
};
