import type { ReactNode } from 'react';
import { Link } from '../components/Link';
import { Alert } from '../components/ui';
import { useDocumentTitle } from '../lib/hooks';
import { navigate } from '../lib/router';
import { markSignedOut, refreshSession } from '../lib/session';

export function NotFoundPage(): ReactNode {
  useDocumentTitle('Page not found');
  return (
    <div className="auth-card card">
      <h1>Page not found</h1>
      <p className="muted">There is no page at this address. Check the link, or go back to the start.</p>
      <div className="auth-links">
        <Link to="/">Go to the start page</Link>
      </div>
    </div>
  );
}

export function ForbiddenPage(): ReactNode {
  useDocumentTitle('Not allowed');
  return (
    <div className="auth-card card">
      <h1>Not allowed</h1>
      <Alert kind="error">This page is for site administrators.</Alert>
      <div className="auth-links">
        <Link to="/">Go to your profile</Link>
      </div>
    </div>
  );
}

export function DisabledPage(): ReactNode {
  useDocumentTitle('Account disabled');
  function other(): void {
    markSignedOut();
    navigate('/sign-in');
  }
  return (
    <div className="auth-card card">
      <h1>Account disabled</h1>
      <Alert kind="error">Your account has been disabled, so you have been signed out of it.</Alert>
      <p className="muted">If you think this is a mistake, contact the administrator of this Gatehouse.</p>
      <div className="auth-links">
        <button type="button" className="button secondary" onClick={other}>
          Sign in with another account
        </button>
      </div>
    </div>
  );
}

export function UnreachablePage(props: { readonly message: string }): ReactNode {
  useDocumentTitle('Unavailable');
  return (
    <div className="auth-card card">
      <h1>Gatehouse is unavailable</h1>
      <Alert kind="error">{props.message}</Alert>
      <div className="auth-links">
        <button type="button" className="button primary" onClick={() => void refreshSession()}>
          Try again
        </button>
      </div>
    </div>
  );
}
