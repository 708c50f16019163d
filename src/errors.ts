/** The one catalog of stable error codes and their HTTP status. */
export const ERROR_STATUS = {
  invalid_request: 400,
  invalid_token: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  invalid_code: 401,
  account_inactive: 403,
  csrf_failed: 403,
  forbidden: 403,
  mfa_required: 403,
  not_found: 404,
  email_taken: 409,
  conflict: 409,
  token_expired: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

const DEFAULT_MESSAGES: Record<ErrorCode, string> = {
  invalid_request: 'The request is invalid.',
  invalid_token: 'This link is invalid or has already been used.',
  unauthenticated: 'You are not signed in.',
  invalid_credentials: 'The email or password is incorrect.',
  invalid_code: 'That code is not valid. Check it and try again.',
  account_inactive: 'This account has been disabled.',
  csrf_failed: 'The request could not be verified. Reload the page and try again.',
  forbidden: 'You are not allowed to do this.',
  mfa_required: 'Set up two-factor authentication to continue.',
  not_found: 'Not found.',
  email_taken: 'An account with this email already exists.',
  conflict: 'The request conflicts with the current state.',
  token_expired: 'This link has expired. Request a new one.',
  payload_too_large: 'The request body is too large.',
  unsupported_media_type: 'Request bodies must be application/json.',
  rate_limited: 'Too many attempts. Try again later.',
  unavailable: 'The service is temporarily unavailable.',
  internal_error: 'Something went wrong on our side.',
};

export type FieldErrors = Record<string, string>;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldErrors | undefined;
  /** Seconds, for `rate_limited`. */
  readonly retryAfter: number | undefined;
  /** Why a session that existed has ended (`unauthenticated` only); see session/end-reason.ts. */
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message?: string, options: { fields?: FieldErrors; retryAfter?: number; reason?: string } = {}) {
    super(message ?? DEFAULT_MESSAGES[code]);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.fields = options.fields;
    this.retryAfter = options.retryAfter;
    this.reason = options.reason;
  }
}

export function invalidRequest(fields: FieldErrors, message = 'Some fields are invalid.'): AppError {
  return new AppError('invalid_request', message, { fields });
}

export function defaultMessage(code: ErrorCode): string {
  return DEFAULT_MESSAGES[code];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; fields?: FieldErrors; reason?: string };
}

export function errorBody(code: ErrorCode, message?: string, fields?: FieldErrors, reason?: string): ErrorBody {
  const body: ErrorBody = { error: { code, message: message ?? DEFAULT_MESSAGES[code] } };
  if (fields !== undefined) body.error.fields = fields;
  if (reason !== undefined) body.error.reason = reason;
  return body;
}
