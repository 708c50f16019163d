import type { ReactNode } from 'react';
import { Alert, ErrorWithRetry } from './ui';

/** The one message for an email link that can never work again, then the way forward. */
export function DeadLinkNotice(props: { readonly children: ReactNode }): ReactNode {
  return (
    <div className="stack">
      <Alert kind="error">This link has expired or was already used.</Alert>
      {props.children}
    </div>
  );
}

/** The check of a link could not be made (network, rate limit): the link may be fine, so try again. */
export function LinkCheckFailed(props: { readonly error: unknown; readonly onRetry: () => void }): ReactNode {
  return <ErrorWithRetry error={props.error} onRetry={props.onRetry} />;
}
