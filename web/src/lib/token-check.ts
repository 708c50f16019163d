import { useCallback, useEffect, useState } from 'react';
import { ApiError } from '../api/client';
import { inspectToken } from '../api/endpoints';
import type { TokenInspection, TokenPurpose } from '../api/types';

/** What the page behind an email link knows about its token before it shows anything else. */
export type TokenCheck<T> =
  | { readonly status: 'no-token' }
  | { readonly status: 'checking' }
  | { readonly status: 'valid'; readonly data: T }
  /** Expired, used, superseded, revoked or not genuine: the page says so and offers the way forward. */
  | { readonly status: 'dead' }
  /** The check itself failed (network, rate limit…): the link may be fine, so the page offers a retry. */
  | { readonly status: 'failed'; readonly error: unknown };

/** The errors the contract gives a link that can never work again (400 invalid_token, 410 token_expired). */
export function isDeadLinkError(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'invalid_token' || error.code === 'token_expired');
}

/**
 * Checks the token on load, without using it (POST /api/auth/tokens/inspect), so a dead link is
 * reported before the visitor fills anything in.
 */
export function useTokenCheck<P extends TokenPurpose>(
  token: string | null,
  purpose: P,
): { readonly check: TokenCheck<Extract<TokenInspection, { purpose: P }>>; readonly retry: () => void } {
  type Data = Extract<TokenInspection, { purpose: P }>;
  const [check, setCheck] = useState<TokenCheck<Data>>(token === null ? { status: 'no-token' } : { status: 'checking' });
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
    if (token === null) return;
    let live = true;
    setCheck({ status: 'checking' });
    inspectToken(token, purpose).then(
      (data) => {
        if (live) setCheck({ status: 'valid', data });
      },
      (error: unknown) => {
        if (live) setCheck(isDeadLinkError(error) ? { status: 'dead' } : { status: 'failed', error });
      },
    );
    return () => {
      live = false;
    };
  }, [token, purpose, generation]);
  const retry = useCallback(() => { setGeneration((g) => g + 1); }, []);
  return { check, retry };
}
