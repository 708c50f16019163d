import { useEffect, useState, type ReactNode } from 'react';
import { resendVerification, verifyEmail } from '../api/endpoints';
import { Link } from '../components/Link';
import { DeadLinkNotice } from '../components/DeadLink';
import { ActionMessage, Alert, Loading } from '../components/ui';
import { describeError } from '../lib/errors';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { refreshSession, useSession } from '../lib/session';
import { isDeadLinkError } from '../lib/token-check';
import { useUrlToken } from '../lib/url-token';

type Outcome = { readonly status: 'working' } | { readonly status: 'done' } | { readonly status: 'failed'; readonly error: unknown } | { readonly status: 'no-token' };

/** One POST per token, even if React mounts the page twice. */
const attempts = new Map<string, Promise<unknown>>();

export function VerifyEmailPage(): ReactNode {
  useDocumentTitle('Confirm your email');
  const session = useSession();
  const token = useUrlToken();
  const [outcome, setOutcome] = useState<Outcome>(token === null ? { status: 'no-token' } : { status: 'working' });
  const resend = useAction();

  useEffect(() => {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
    if (token === null) return;
    let live = true;
    let attempt = attempts.get(token);
    if (attempt === undefined) {
      attempt = verifyEmail(token);
      attempts.set(token, attempt);
    }
    attempt.then(
      async () => {
        if (session.status === 'signed-in') await refreshSession();
        if (live) setOutcome({ status: 'done' });
      },
      (error: unknown) => {
        if (live) setOutcome({ status: 'failed', error });
      },
    );
    return () => {
      live = false;
    };
    // The token is read once; the session only decides whether to refresh afterwards.
  }, [token]);

  const me = session.status === 'signed-in' ? session.me : null;
  const dead = outcome.status === 'failed' && isDeadLinkError(outcome.error);
  return (
    <div className="auth-card card">
      <h1>Confirm your email</h1>
      {outcome.status === 'working' && <Loading label="Confirming your email address…" />}
      {outcome.status === 'no-token' && (
        <Alert kind="error">This link is incomplete. Open the link from the email again, or copy the whole address into the browser.</Alert>
      )}
      {outcome.status === 'done' && <Alert kind="success">Your email address is confirmed. Thank you!</Alert>}
      {outcome.status === 'failed' && !dead && <Alert kind="error">{describeError(outcome.error)}</Alert>}
      {dead && (
        <DeadLinkNotice>
          {me === null ? (
            <p className="muted">A confirmation link works once, and only for the address it was sent to. Sign in to send yourself a new one from your profile.</p>
          ) : me.user.emailVerified ? (
            <p className="muted">
              Your address <strong>{me.user.email}</strong> is already confirmed: there is nothing more to do.
            </p>
          ) : (
            <div className="stack">
              <p className="muted">
                A confirmation link works once, and only for the address it was sent to. Send a new one to <strong>{me.user.email}</strong>.
              </p>
              <div>
                <button type="button" className="button primary" disabled={resend.busy} onClick={() => void resend.run(resendVerification, 'We sent a new link. Check your inbox.')}>
                  {resend.busy ? 'Sending…' : 'Send a new link'}
                </button>
              </div>
              <ActionMessage action={resend} />
            </div>
          )}
        </DeadLinkNotice>
      )}
      {outcome.status !== 'working' && (
        <div className="auth-links">
          {me !== null ? <Link to="/">Go to your profile</Link> : <Link to="/sign-in" className={dead ? 'button primary' : undefined}>Sign in</Link>}
        </div>
      )}
    </div>
  );
}
