import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { signIn } from '../api/endpoints';
import type { SecondFactorMethod } from '../api/types';
import { ActionForm } from '../components/ActionForm';
import { Link } from '../components/Link';
import { PasskeySignIn } from '../components/signin/PasskeySignIn';
import { SecondFactorStep } from '../components/signin/SecondFactorStep';
import { Alert, Field } from '../components/ui';
import { ProviderButtons, providerErrorText } from '../components/ProviderButtons';
import type { Flash } from '../lib/flash';
import { clearFlash, peekFlash } from '../lib/flash';
import { useAction, useDocumentTitle } from '../lib/hooks';
import { safeReturnPath, withNext } from '../lib/return-path';
import { navigate, useLocation } from '../lib/router';
import { refreshSession } from '../lib/session';

const KNOWN_METHODS: readonly SecondFactorMethod[] = ['totp', 'passkey', 'recovery_code'];

/** `?mfa=totp,recovery_code`: a provider sign-in that now needs the second factor (the gh_mfa cookie is set). */
function methodsFromQuery(raw: string | null): readonly SecondFactorMethod[] | null {
  if (raw === null) return null;
  const methods = raw.split(',').filter((m): m is SecondFactorMethod => (KNOWN_METHODS as readonly string[]).includes(m));
  return methods.length === 0 ? null : methods;
}

const EXPIRED: Flash = { kind: 'info', text: 'Your sign-in was not finished in time, or too many codes were wrong. Enter your password again.' };

export function SignInPage(): ReactNode {
  useDocumentTitle('Sign in');
  const { params } = useLocation();
  const next = safeReturnPath(params.get('next'));
  const providerError = providerErrorText(params.get('error'));
  const [flash, setFlash] = useState<Flash | null>(() => peekFlash() ?? (providerError === null ? null : { kind: 'error', text: providerError }));
  useEffect(clearFlash, []);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  /** Set once the password was right and a second factor is needed. */
  const [methods, setMethods] = useState<readonly SecondFactorMethod[] | null>(() => methodsFromQuery(params.get('mfa')));
  const action = useAction();
  const passkeyAction = useAction();

  const finish = useCallback(async (): Promise<void> => {
    await refreshSession();
    navigate(next, { replace: true });
  }, [next]);

  function submit(): void {
    setFlash(null);
    passkeyAction.reset();
    void action.run(async () => {
      const result = await signIn(email, password);
      if (result.mfaRequired === true) {
        setPassword('');
        setMethods(result.methods);
        return;
      }
      await finish();
    });
  }

  function backToPassword(notice: Flash | null): void {
    action.reset();
    setFlash(notice);
    setMethods(null);
  }

  if (methods !== null) {
    return (
      <div className="auth-card card">
        <SecondFactorStep
          methods={methods}
          onSignedIn={finish}
          onExpired={() => { backToPassword(EXPIRED); }}
          onCancel={() => { backToPassword(null); }}
        />
      </div>
    );
  }

  return (
    <div className="auth-card card">
      <h1>Sign in</h1>
      {next.startsWith('/join') && <p className="muted">Sign in to accept your invitation.</p>}
      {flash !== null && <Alert kind={flash.kind}>{flash.text}</Alert>}
      <ActionForm action={action} onSubmit={submit} submitLabel="Sign in" busyLabel="Signing in…">
        {/* "webauthn": the browser may offer this site's passkeys among the field's suggestions. */}
        <Field label="Email" type="email" name="email" autoComplete="username webauthn" value={email} onChange={(value) => { setEmail(value); setFlash(null); }} required />
        <Field label="Password" type="password" name="password" autoComplete="current-password" value={password} onChange={(value) => { setPassword(value); setFlash(null); }} required />
      </ActionForm>
      <PasskeySignIn action={passkeyAction} onStart={() => { setFlash(null); action.reset(); }} onSignedIn={finish} />
      <ProviderButtons next={next} verb="Continue with" />
      <div className="auth-links">
        <Link to="/forgot-password">Forgot your password?</Link>
        <p>
          New here? <Link to={withNext('/register', next)}>Create an account</Link>
        </p>
      </div>
    </div>
  );
}
