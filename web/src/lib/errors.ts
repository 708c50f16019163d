import { ApiError, type ErrorCode } from '../api/client';
import { describeWebAuthnError } from './webauthn';

function inWords(seconds: number): string {
  if (seconds < 60) return seconds <= 1 ? 'a second' : `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return minutes === 1 ? 'a minute' : `${minutes} minutes`;
  const hours = Math.ceil(minutes / 60);
  return hours === 1 ? 'an hour' : `${hours} hours`;
}

/** The sentence a person sees for a failed request. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return describeWebAuthnError(error) ?? 'Something went wrong. Try again.';
  switch (error.code) {
    case 'account_inactive':
      return 'This account has been disabled. Contact your administrator if you think this is a mistake.';
    case 'rate_limited':
      return error.retryAfter === null
        ? 'Too many attempts. Wait a little and try again.'
        : `Too many attempts. Try again in ${inWords(error.retryAfter)}.`;
    case 'csrf_failed':
      return 'This request could not be verified. Reload the page and try again.';
    case 'invalid_code':
      return 'That code is not right, or was already used. Check it and try again.';
    case 'mfa_required':
      return error.message === '' ? 'This needs two-factor authentication. Set it up on the Security page first.' : error.message;
    case 'invalid_token':
      return 'This link is invalid or has already been used.';
    case 'token_expired':
      return 'This link has expired. Request a new one.';
    case 'forbidden':
      return error.message === '' ? 'You are not allowed to do this.' : error.message;
    case 'internal_error':
    case 'unknown_error':
      return 'Something went wrong on our side. Try again in a moment.';
    default:
      return error.message;
  }
}

/** Field-level messages from a 400 (`fields`), keyed by the request body's field names. */
export function fieldErrors(error: unknown): Readonly<Record<string, string>> {
  return error instanceof ApiError ? error.fields : {};
}

/** The error once the user has edited `field`: that field's message goes, and the whole error once no field message is left. */
export function withoutField(error: unknown, field: string): unknown {
  if (!(error instanceof ApiError) || !(field in error.fields)) return error;
  const rest = Object.fromEntries(Object.entries(error.fields).filter(([key]) => key !== field));
  if (Object.keys(rest).length === 0) return null;
  return new ApiError(error.status, error.code, error.message, rest, error.retryAfter);
}

/** An error with `code` is about one field (a taken email, a wrong password): its message belongs next to that field. */
export function errorAtField(error: unknown, code: ErrorCode, field: string): unknown {
  if (!(error instanceof ApiError) || error.code !== code) return error;
  return new ApiError(error.status, error.code, error.message, { ...error.fields, [field]: error.message }, error.retryAfter);
}

/** A wrong password in a form that asks for one: the message belongs next to that field, not in a banner. */
export function wrongPasswordAt(error: unknown, field: string): unknown {
  return errorAtField(error, 'invalid_credentials', field);
}

/** What the banner of a form says: field messages shown next to their fields are left out. */
export function bannerText(error: unknown, inline: ReadonlySet<string>): string | null {
  if (error === null) return null;
  const fields = fieldErrors(error);
  const keys = Object.keys(fields);
  if (keys.length === 0) return describeError(error);
  const elsewhere = keys.filter((key) => !inline.has(key)).map((key) => fields[key]);
  return elsewhere.length === 0 ? null : elsewhere.join(' ');
}
