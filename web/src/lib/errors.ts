import { ApiError } from '../api/client';
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
