/**
 * What POST /api/auth/tokens/inspect answers: the one definition, also imported by the web UI, so
 * this file must stay free of imports.
 */
export type TokenInspection =
  | { readonly purpose: 'verify_email'; readonly email: string; readonly expiresAt: string }
  | { readonly purpose: 'reset_password'; readonly email: string; readonly expiresAt: string }
  | {
      readonly purpose: 'org_invite';
      readonly organization: { readonly name: string };
      readonly invitedBy: { readonly name: string | null; readonly email: string };
      readonly email: string;
      readonly role: 'admin' | 'member';
      readonly expiresAt: string;
    };
