/** Why a provider step failed; each becomes `/sign-in?error=<code>`. */
export type OauthErrorCode =
  | 'oauth_state'
  | 'oauth_provider_error'
  | 'oauth_email_unverified'
  | 'oauth_account_exists'
  | 'oauth_identity_taken'
  | 'oauth_failed'
  | 'oauth_unavailable'
  | 'oauth_account_inactive'
  | 'oauth_rate_limited';

export class OauthError extends Error {
  readonly code: OauthErrorCode;
  constructor(code: OauthErrorCode, cause?: unknown) {
    super(code, cause === undefined ? undefined : { cause });
    this.name = 'OauthError';
    this.code = code;
  }
}

/** What Gatehouse learns from a provider: a stable subject and (maybe) a verified email. */
export interface ExternalProfile {
  readonly subject: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
}
