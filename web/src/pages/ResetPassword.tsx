import { useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { resetPassword } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { ActionMessage, Alert, Field } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { markSignedOut } from '../lib/session';
import { forgetUrlToken, useUrlToken } from '../lib/url-token';

export function ResetPasswordPage(): ReactNode {
  useDocumentTitle('Choose a new password');
  const token = useUrlToken();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const done = action.success !== null;
  const linkDead = action.error instanceof ApiError && (action.error.code === 'invalid_token' || action.error.code === 'token_expired');

  function submit(): void {
    // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
    if (token === null) return;
    // eslint-disable-next-line security/detect-possible-timing-attacks -- compares the two fields the user just typed, in their own browser; no secret is held here to leak
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      await resetPassword(token, password);
      forgetUrlToken('/reset-password');
      // The reset signed out every session, this browser's included.
      markSignedOut();
    }, 'Your password was changed and every device was signed out. Sign in with your new password.');
  }

  // eslint-disable-next-line security/detect-possible-timing-attacks -- a null check on the URL's own token, not a comparison with a secret
  if (token === null) {
    return (
      <div className="auth-card card">
        <h1>Choose a new password</h1>
        <Alert kind="error">This link is incomplete. Open the link from the email again, or request a new one.</Alert>
        <div className="auth-links">
          <Link to="/forgot-password">Request a new link</Link>
        </div>
      </div>
    );
  }

  return (
    <div className="auth-card card">
      <h1>Choose a new password</h1>
      {done ? (
        <>
          <ActionMessage action={action} />
          <div className="auth-links">
            <Link to="/sign-in" className="button primary">
              Sign in
            </Link>
          </div>
        </>
      ) : (
        <>
          <ActionForm action={action} onSubmit={submit} submitLabel="Set new password" busyLabel="Saving…">
            <Field
              label="New password"
              type="password"
              name="password"
              autoComplete="new-password"
              value={password}
              onChange={setPassword}
              required
              hint="At least 8 characters."
              strength={{}}
              error={fieldErrors(action.error).password}
            />
            <Field
              label="Repeat the new password"
              type="password"
              name="confirm"
              autoComplete="new-password"
              value={confirm}
              onChange={setConfirm}
              required
              error={mismatch ? 'The two passwords are different.' : undefined}
            />
          </ActionForm>
          <div className="auth-links">{linkDead ? <Link to="/forgot-password">Request a new link</Link> : <Link to="/sign-in">Back to sign in</Link>}</div>
        </>
      )}
    </div>
  );
}
