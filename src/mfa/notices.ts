import type { Services } from '../services.js';
import { notify } from '../email/flows.js';
import { securityNotice } from '../email/templates.js';

export type MfaNotice = 'totp_on' | 'totp_off' | 'passkey_added' | 'passkey_removed' | 'recovery_code_used' | 'mfa_reset';

const TEXTS: Readonly<Record<MfaNotice, { subject: string; heading: string; body: string }>> = {
  totp_on: {
    subject: 'Two-factor authentication is on',
    heading: 'An authenticator app now protects your account',
    body: 'Two-factor authentication with an authenticator app was turned on for your account. Signing in now also asks for a code from the app. Keep your recovery codes somewhere safe.',
  },
  totp_off: {
    subject: 'Two-factor authentication was turned off',
    heading: 'The authenticator app was removed from your account',
    body: 'Two-factor authentication with an authenticator app was turned off for your account.',
  },
  passkey_added: { subject: 'A passkey was added', heading: 'A new passkey can sign in to your account', body: 'A passkey was added to your account. It can sign you in without a password.' },
  passkey_removed: { subject: 'A passkey was removed', heading: 'A passkey was removed from your account', body: 'A passkey was removed from your account and can no longer sign in.' },
  recovery_code_used: {
    subject: 'A recovery code was used',
    heading: 'A recovery code was used to sign in',
    body: 'Someone signed in to your account with your password and one of your recovery codes. Each code works once; you can make new ones on the security page.',
  },
  mfa_reset: {
    subject: 'Your two-factor settings were reset',
    heading: 'An administrator reset your two-factor authentication',
    body: 'An administrator removed the authenticator app, passkeys and recovery codes from your account. You can sign in with your password and set up two-factor authentication again.',
  },
};

export function sendMfaNotice(s: Services, to: string, notice: MfaNotice): void {
  notify(s, securityNotice(to, TEXTS[notice]));
}
