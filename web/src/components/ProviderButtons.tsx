import type { ReactNode } from 'react';
import { api } from '../api/client';
import { useResource } from '../lib/hooks';

export interface ProviderInfo {
  readonly name: string;
  readonly label: string;
}

export function fetchProviders(): Promise<{ providers: ProviderInfo[] }> {
  return api.get('/api/auth/providers', { signedOutIsExpected: true });
}

/** What each `/sign-in?error=<code>` from a provider callback means, in words. */
export const PROVIDER_ERRORS: Readonly<Record<string, string>> = {
  oauth_state: 'That sign-in link was not started in this browser, was already used, or is too old. Start again.',
  oauth_provider_error: 'The provider did not sign you in (it was cancelled or refused). Try again.',
  oauth_email_unverified: 'The provider did not confirm that your email address is verified, so we cannot use it. Verify it there, or sign in another way.',
  oauth_account_exists:
    'An account with this email already exists. Sign in to it with your password, then link the provider from your profile page.',
  oauth_identity_taken: 'That provider account is already linked to another account here.',
  oauth_account_inactive: 'This account has been disabled.',
  oauth_failed: 'We could not verify the answer from the provider. Try again; if it keeps failing, contact your administrator.',
  oauth_unavailable: 'The provider cannot be reached right now. Try again in a moment, or sign in another way.',
  oauth_rate_limited: 'Too many new accounts from your network. Try again later.',
};

export function providerErrorText(code: string | null): string | null {
  if (code === null) return null;
  return PROVIDER_ERRORS[code] ?? 'Signing in with the provider did not work. Try again.';
}

/**
 * "Continue with …" buttons. Plain links: the start is a top-level navigation to the server, which
 * redirects to the provider (the server keeps state, nonce and PKCE verifier; nothing here does).
 */
export function ProviderButtons(props: { readonly next: string; readonly verb: string }): ReactNode {
  const { state } = useResource(fetchProviders);
  if (state.status !== 'ready' || state.data.providers.length === 0) return null;
  const query = props.next === '/' ? '' : `?next=${encodeURIComponent(props.next)}`;
  return (
    <div className="stack provider-buttons">
      <p className="divider">
        <span>or</span>
      </p>
      {state.data.providers.map((p) => (
        <a key={p.name} className="button secondary wide" href={`/api/auth/oauth/${encodeURIComponent(p.name)}/start${query}`}>
          {props.verb} {p.label}
        </a>
      ))}
    </div>
  );
}
