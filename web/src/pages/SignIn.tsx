import { useEffect, useState, type ReactNode } from 'react';
import { signIn } from '../api/endpoints';
import { Link } from '../components/Link';
import { ActionForm } from '../components/ActionForm';
import { Alert, Field } from '../components/ui';
import { clearFlash, peekFlash } from '../lib/flash';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { safeReturnPath, withNext } from '../lib/return-path';
import { navigate, useLocation } from '../lib/router';
import { refreshSession } from '../lib/session';

export function SignInPage(): ReactNode {
  useDocumentTitle('Sign in');
  const { params } = useLocation();
  const next = safeReturnPath(params.get('next'));
  const [flash] = useState(peekFlash);
  useEffect(clearFlash, []);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const action = useAction();

  function submit(): void {
    void action.run(async () => {
      await signIn(email, password);
      await refreshSession();
      navigate(next, { replace: true });
    });
  }

  return (
    <div className="auth-card card">
      <h1>Sign in</h1>
      {next.startsWith('/join') && <p className="muted">Sign in to accept your invitation.</p>}
      {flash !== null && <Alert kind={flash.kind}>{flash.text}</Alert>}
      <ActionForm action={action} onSubmit={submit} submitLabel="Sign in" busyLabel="Signing in…">
        <Field label="Email" type="email" name="email" autoComplete="username" value={email} onChange={setEmail} required />
        <Field label="Password" type="password" name="password" autoComplete="current-password" value={password} onChange={setPassword} required />
      </ActionForm>
      <div className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <p>
          New here? <Link to={withNext('/register', next)}>Create an account</Link>
        </p>
      </div>
    </div>
  );
}
