import { useEffect, useRef, type ReactNode } from 'react';
import type { AuthenticationResponseJSON } from '@simplewebauthn/browser';
import { ApiError } from '../../api/client';
import { passkeySignInOptions, signInWithPasskey } from '../../api/endpoints';
import { describeError } from '../../lib/errors';
import type { Action } from '../../lib/hooks';
import { getAssertion, passkeysSupported, startAutofill, type AutofillRequest } from '../../lib/webauthn';
import { Alert } from '../ui';

function passkeyErrorText(error: unknown): string {
  if (error instanceof ApiError && error.code === 'invalid_credentials') {
    return 'That passkey was not accepted. It may have been removed from your account. Try another one, or use your password.';
  }
  return describeError(error);
}

/**
 * Passwordless sign-in: the "Sign in with a passkey" button, plus passkey suggestions in the email
 * field's autofill (conditional mediation) while this component is shown. Leaving the page, or
 * starting another passkey prompt, cancels the autofill request.
 */
export function PasskeySignIn(props: { readonly action: Action; readonly onStart: () => void; readonly onSignedIn: () => Promise<void> }): ReactNode {
  const { action, onSignedIn } = props;
  const autofill = useRef<AutofillRequest | null>(null);
  const supported = passkeysSupported();

  useEffect(() => {
    if (!supported) return undefined;
    const request = startAutofill(passkeySignInOptions, (response: AuthenticationResponseJSON) => {
      void (async () => {
        const signedIn = await action.run(async () => signInWithPasskey(response));
        if (signedIn !== undefined) await onSignedIn();
      })();
    });
    autofill.current = request;
    return () => {
      request.cancel();
      autofill.current = null;
    };
  }, [supported, action.run, onSignedIn]);

  async function withButton(): Promise<void> {
    props.onStart();
    const signedIn = await action.run(async () => {
      // The autofill request's challenge cookie must not replace the one this prompt gets.
      const pending = autofill.current;
      if (pending !== null) {
        pending.cancel();
        await pending.settled;
      }
      return signInWithPasskey(await getAssertion(await passkeySignInOptions()));
    });
    if (signedIn !== undefined) await onSignedIn();
  }

  if (!supported) return null;
  return (
    <div className="stack passkey-sign-in">
      <p className="divider">
        <span>or</span>
      </p>
      {action.error !== null && <Alert kind="error">{passkeyErrorText(action.error)}</Alert>}
      <button type="button" className="button secondary wide" disabled={action.busy} onClick={() => void withButton()}>
        {action.busy ? 'Waiting for your passkey…' : 'Sign in with a passkey'}
      </button>
    </div>
  );
}
