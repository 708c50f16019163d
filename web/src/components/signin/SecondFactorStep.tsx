import { useState, type ReactNode } from 'react';
import { ApiError } from '../../api/client';
import { secondFactorPasskeyOptions, signInSecondFactor, type SecondFactor } from '../../api/endpoints';
import type { SecondFactorMethod } from '../../api/types';
import { describeError } from '../../lib/errors';
import { compactCode } from '../../lib/format';
import { useAction } from '../../lib/hooks';
import { getAssertion, passkeysSupported } from '../../lib/webauthn';
import { Alert, Field, Form, SubmitButton } from '../ui';

type Mode = 'totp' | 'recovery_code' | 'passkey';

interface SecondFactorStepProps {
  readonly methods: readonly SecondFactorMethod[];
  /** Signed in: the session cookie pair is set. */
  readonly onSignedIn: () => Promise<void>;
  /** The pending login is gone (expired, too many wrong codes): start again with the password. */
  readonly onExpired: () => void;
  readonly onCancel: () => void;
}

function firstMode(methods: readonly SecondFactorMethod[]): Mode {
  if (methods.includes('totp')) return 'totp';
  if (methods.includes('passkey') && passkeysSupported()) return 'passkey';
  return methods.includes('passkey') ? 'passkey' : 'recovery_code';
}

function errorText(error: unknown, mode: Mode): string | null {
  if (error === null) return null;
  if (error instanceof ApiError && error.code === 'invalid_code') {
    if (mode === 'recovery_code') return 'That recovery code is not valid or has already been used.';
    if (mode === 'passkey') return 'That passkey was not accepted. Try again, or use another way to verify.';
    return 'That code is not right. Check your authenticator app and enter the code it shows now.';
  }
  if (error instanceof ApiError && error.code === 'invalid_request' && mode !== 'passkey') {
    return mode === 'recovery_code' ? 'A recovery code looks like abcde-fghjk-mnpqr-stuvw-xyz23. Check it and try again.' : 'Enter the 6 digits your authenticator app shows.';
  }
  return describeError(error);
}

/** The second step of a password sign-in: a code from the app, a recovery code, or a passkey. */
export function SecondFactorStep(props: SecondFactorStepProps): ReactNode {
  const { methods } = props;
  const [mode, setMode] = useState<Mode>(() => firstMode(methods));
  const [code, setCode] = useState('');
  const action = useAction();

  async function verify(factor: () => Promise<SecondFactor>): Promise<void> {
    const result = await action.run(async () => {
      try {
        await signInSecondFactor(await factor());
      } catch (e) {
        if (e instanceof ApiError && e.code === 'invalid_code') setCode('');
        if (e instanceof ApiError && e.code === 'unauthenticated') props.onExpired();
        throw e;
      }
      return true;
    });
    if (result === true) await props.onSignedIn();
  }

  function submitCode(): void {
    const typed = compactCode(code);
    void verify(() => Promise.resolve(mode === 'recovery_code' ? { recoveryCode: typed } : { code: typed }));
  }

  function usePasskey(): void {
    setMode('passkey');
    void verify(async () => ({ passkey: await getAssertion(await secondFactorPasskeyOptions()) }));
  }

  function switchTo(next: Mode): void {
    action.reset();
    setCode('');
    setMode(next);
  }

  const message = errorText(action.error, mode);
  // A wrong or malformed code is said once, at the code field (cleared as soon as it is edited); the
  // banner is for the rest (too many attempts, an expired sign-in).
  const atField = mode !== 'passkey' && action.error instanceof ApiError && (action.error.code === 'invalid_code' || action.error.code === 'invalid_request');
  const fieldError = atField && message !== null ? message : undefined;
  function editCode(value: string): void {
    setCode(value);
    if (action.error !== null) action.reset();
  }
  return (
    <div className="stack">
      <h1>Two-step verification</h1>
      {mode === 'passkey' ? (
        <div className="stack">
          <p className="muted">Use your passkey to finish signing in.</p>
          {message !== null && <Alert kind="error">{message}</Alert>}
          <div>
            <button type="button" className="button primary" disabled={action.busy} onClick={usePasskey}>
              {action.busy ? 'Waiting for your passkey…' : 'Use a passkey'}
            </button>
          </div>
        </div>
      ) : (
        <Form onSubmit={submitCode}>
          <p className="muted">
            {mode === 'totp'
              ? 'Open your authenticator app and enter the 6-digit code it shows for Gatehouse.'
              : 'Enter one of the recovery codes you saved when you set up two-factor authentication. Each code works once.'}
          </p>
          {mode === 'totp' ? (
            <Field key="totp" label="Authentication code" name="code" autoComplete="one-time-code" inputMode="numeric" code value={code} onChange={editCode} required maxLength={12} autoFocus error={fieldError} />
          ) : (
            <Field key="recovery" label="Recovery code" name="recoveryCode" autoComplete="off" code value={code} onChange={editCode} required maxLength={40} autoFocus hint="For example abcde-fghjk-mnpqr-stuvw-xyz23." error={fieldError} />
          )}
          {message !== null && fieldError === undefined && <Alert kind="error">{message}</Alert>}
          <SubmitButton busy={action.busy} busyLabel="Verifying…">
            Verify
          </SubmitButton>
        </Form>
      )}
      <div className="auth-links">
        {mode !== 'totp' && methods.includes('totp') && (
          <button type="button" className="link-button" onClick={() => { switchTo('totp'); }}>
            Use your authenticator app
          </button>
        )}
        {mode !== 'passkey' && methods.includes('passkey') && (
          <button type="button" className="link-button" disabled={action.busy} onClick={usePasskey}>
            Use a passkey
          </button>
        )}
        {mode !== 'recovery_code' && methods.includes('recovery_code') && (
          <button type="button" className="link-button" onClick={() => { switchTo('recovery_code'); }}>
            Use a recovery code
          </button>
        )}
        <button type="button" className="link-button" onClick={props.onCancel}>
          Back to sign in
        </button>
      </div>
    </div>
  );
}
