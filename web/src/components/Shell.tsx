import { useState, type ReactNode } from 'react';
import { signOut, stopImpersonating } from '../api/endpoints';
import type { Me } from '../api/types';
import { describeError } from '../lib/errors';
import { setFlash } from '../lib/flash';
import { navigate, useLocation } from '../lib/router';
import { markSignedOut, refreshSession } from '../lib/session';
import { Link } from './Link';

function Brand(): ReactNode {
  return (
    <Link to="/" className="brand">
      <span className="brand-mark" aria-hidden="true" />
      Gatehouse
    </Link>
  );
}

/** Shown on every page while an administrator acts as another user. */
export function ImpersonationBanner(props: { readonly me: Me }): ReactNode {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const impersonator = props.me.impersonator;
  if (impersonator === null) return null;
  async function stop(): Promise<void> {
    setBusy(true);
    setError(null);
    try {
      await stopImpersonating();
      await refreshSession();
      navigate('/admin');
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="impersonation" role="region" aria-label="Impersonation">
      <p>
        <strong>You are acting as {props.me.user.email}.</strong> Signed in as administrator {impersonator.email}. Everything you do is
        recorded under your name.
      </p>
      <button type="button" className="button light small" onClick={() => void stop()} disabled={busy}>
        {busy ? 'Stopping…' : 'Stop impersonating'}
      </button>
      {error !== null && <p className="impersonation-error">{error}</p>}
    </div>
  );
}

const NAV: readonly { readonly to: string; readonly label: string; readonly admin?: boolean }[] = [
  { to: '/', label: 'Profile' },
  { to: '/security', label: 'Security' },
  { to: '/organization', label: 'Organization' },
  { to: '/admin', label: 'Admin', admin: true },
];

export function SignedInShell(props: { readonly me: Me; readonly children: ReactNode }): ReactNode {
  const { path } = useLocation();
  const [busy, setBusy] = useState(false);
  const isAdmin = props.me.user.role === 'admin' && props.me.impersonator === null;
  async function leave(): Promise<void> {
    setBusy(true);
    try {
      await signOut();
      markSignedOut();
      setFlash({ kind: 'success', text: 'You are signed out.' });
      navigate('/sign-in');
    } catch {
      // A dead session is already signed out; the wrapper has taken us to sign-in.
      setBusy(false);
    }
  }
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <ImpersonationBanner me={props.me} />
      <header className="topbar">
        <div className="topbar-inner">
          <Brand />
          <nav aria-label="Main">
            <ul>
              {NAV.filter((item) => item.admin !== true || isAdmin).map((item) => (
                <li key={item.to}>
                  <Link to={item.to} current={path === item.to}>
                    {item.label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <div className="account">
            <span className="account-email">{props.me.user.email}</span>
            <button type="button" className="button small secondary" onClick={() => void leave()} disabled={busy}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      <main id="main" className="page" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}

export function PublicShell(props: { readonly children: ReactNode; readonly me?: Me | null }): ReactNode {
  return (
    <>
      {props.me !== undefined && props.me !== null && <ImpersonationBanner me={props.me} />}
      <header className="topbar plain">
        <div className="topbar-inner">
          <Brand />
        </div>
      </header>
      <main id="main" className="narrow" tabIndex={-1}>
        {props.children}
      </main>
      <footer className="footer">
        <p>Gatehouse will never ask for your password by email. Keep the links we send you to yourself.</p>
      </footer>
    </>
  );
}
