import type { Services } from '../services.js';
import { notify } from '../email/flows.js';
import { securityNotice } from '../email/templates.js';

export type IdentityNotice = 'linked' | 'unlinked';

/** `label` is the provider's configured display name; a notice never carries a token or subject. */
function texts(notice: IdentityNotice, label: string): { subject: string; heading: string; body: string } {
  if (notice === 'linked') {
    return {
      subject: `${label} was linked to your account`,
      heading: `${label} can now sign in to your account`,
      body: `The sign-in provider ${label} was linked to your account from your profile page. Signing in with ${label} now opens your account.`,
    };
  }
  return {
    subject: `${label} was unlinked from your account`,
    heading: `${label} can no longer sign in to your account`,
    body: `The sign-in provider ${label} was unlinked from your account and can no longer sign you in.`,
  };
}

export function sendIdentityNotice(s: Services, to: string, notice: IdentityNotice, provider: string): void {
  const label = s.config.providers.find((p) => p.name === provider)?.label ?? provider;
  notify(s, securityNotice(to, texts(notice, label)));
}
