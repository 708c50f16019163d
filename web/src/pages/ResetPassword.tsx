import { useEffect, useState, type ReactNode } from 'react';
import { resetPassword } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { DeadLinkNotice, LinkCheckFailed } from '../components/DeadLink';
import { ActionMessage, Alert, Field, Loading } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { markSignedOut } from '../lib/session';
import { isDeadLinkError, useTokenCheck } from '../lib/token-check';
import { forgetUrlToken, useUrlToken } from '../lib/url-token';

function RequestNewLink(): ReactNode {
  return (
    <>
      <p className="muted">A reset link works once, for a short time, and only the newest one you asked for works. Ask for a new one.</p>
      <div className="auth-links">
        <Link to="/forgot-password" className="button primary">
          Request a new reset link
        </Link>
        <Link to="/sign-in">Back to sign in</Link>
      </div>
    </>
  );
}

function NewPasswordForm(props: { readonly token: string; readonly email: string; readonly onDead: () => void }): ReactNode {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  /** Editing either field takes back "the two passwords are different". */
  function clearingMismatch(set: (value: string) => void): (value: string) => void {
    return (value) => {
      set(value);
      setMismatch(false);
    };
  }

  function submit(): void {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- compares the two fields the user just typed, in their own browser; no secret is held here to leak
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      try {
        await resetPassword(props.token, password);
      } catch (e) {
        // Used or superseded since the page checked it (another tab, a newer email).
        if (isDeadLinkError(e)) props.onDead();
        throw e;
      }
      forgetUrlToken('/reset-password');
      // The reset signed out every session, this browser's included.
      markSignedOut();
    }, 'Your password was changed and every device was signed out. Sign in with your new password.');
  }

  if (action.success !== null) {
    return (
      <>
        <ActionMessage action={action} />
        <div className="auth-links">
          <Link to="/sign-in" className="button primary">
            Sign in
          </Link>
        </div>
      </>
    );
  }
  return (
    <>
      <p className="muted">
        Choose a new password for <strong>{props.email}</strong>. Every device signed in to this account will be signed out.
      </p>
      <ActionForm action={action} onSubmit={submit} submitLabel="Set new password" busyLabel="Saving…">
        {/* For password managers: the account the new password belongs to. */}
        <input type="email" name="username" autoComplete="username" value={props.email} readOnly hidden />
        <Field
          label="New password"
          type="password"
          name="password"
          autoComplete="new-password"
          value={password}
          onChange={clearingMismatch(setPassword)}
          required
          hint="At least 8 characters."
          strength={{ userInputs: [props.email] }}
          error={fieldErrors(action.error).password}
        />
        <Field
          label="Repeat the new password"
          type="password"
          name="confirm"
          autoComplete="new-password"
          value={confirm}
          onChange={clearingMismatch(setConfirm)}
          required
          error={mismatch ? 'The two passwords are different.' : undefined}
        />
      </ActionForm>
      <div className="auth-links">
        <Link to="/sign-in">Back to sign in</Link>
      </div>
    </>
  );
}

export function ResetPasswordPage(): ReactNode {
  useDocumentTitle('Choose a new password');
  const token = useUrlToken();
  const { check, retry } = useTokenCheck(token, 'reset_password');
  const [diedOnUse, setDiedOnUse] = useState(false);
  const dead = check.status === 'dead' || diedOnUse;
  // A dead link is forgotten by the tab too (it is kept across reloads while it may still work).
  useEffect(() => {
    if (dead) forgetUrlToken('/reset-password');
  }, [dead]);

  let body: ReactNode;
  if (token === null || check.status === 'no-token') {
    body = (
      <>
        <Alert kind="error">This link is incomplete. Open the link from the email again, or request a new one.</Alert>
        <div className="auth-links">
          <Link to="/forgot-password">Request a new link</Link>
        </div>
      </>
    );
  } else if (dead) {
    body = (
      <DeadLinkNotice>
        <RequestNewLink />
      </DeadLinkNotice>
    );
  } else if (check.status === 'checking') {
    body = <Loading label="Checking your link…" />;
  } else if (check.status === 'failed') {
    body = <LinkCheckFailed error={check.error} onRetry={retry} />;
  } else {
    body = <NewPasswordForm token={token} email={check.data.email} onDead={() => { setDiedOnUse(true); }} />;
  }
  return (
    <div className="auth-card card">
      <h1>Choose a new password</h1>
      {body}
    </div>
  );
}
