import type { Services } from '../services.js';
import type { TypedApp } from '../http/typed.js';
import { mountProvider } from './mount.js';
import { oidcInteractionRoutes } from './interaction-routes.js';
import { oidcAdminRoutes } from './admin-routes.js';

/**
 * "Sign in with Gatehouse": the OpenID Connect provider, its sign-in and consent API, consents,
 * and client administration. The provider needs the issuer's root: only mounted at the root.
 */
export async function oidcRoutes(app: TypedApp, s: Services, options: { readonly webUi: boolean }): Promise<void> {
  if (app.prefix !== '') return;
  const holder = await mountProvider(app, s, options);
  oidcInteractionRoutes(app, s, holder);
  oidcAdminRoutes(app, s);
}
