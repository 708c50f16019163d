import { useState, type ReactNode } from 'react';
import type { Reauth } from '../api/endpoints';
import { wrongPasswordAt } from '../lib/errors';
import type { Action } from '../lib/hooks';
import { reauthWithPasskey } from '../lib/webauthn';
import { ActionMessage, Alert, Field, Form, SubmitButton } from './ui';

interface ReauthFormProps<T> {
  readonly action: Action;
  /** Offer "Use a passkey instead" (the user has a passkey). */
  readonly passkeyAllowed: boolean;
  /** Does the work with the proof: the typed password, or a fresh passkey assertion. */
  readonly onProof: (proof: Reauth) => Promise<T>;
  /** The success message, from the result of `onProof`. */
  readonly success?: string | ((result: T) => string);
  readonly submitLabel: string;
  readonly busyLabel: string;
  readonly tone?: 'primary' | 'secondary' | 'danger';
  readonly passwordLabel?: string;
  readonly passwordName: string;
  /** The request body's name for the password (its server error shows under it); `password` unless told. */
  readonly passwordField?: string;
  readonly passwordHint?: ReactNode;
  readonly passwordError?: string | undefined;
  /** Other fields, above the password. */
  readonly children?: ReactNode;
  /** Before a passkey prompt: what is missing in the other fields, if anything (the password is not needed). */
  readonly checkOtherFields?: () => string | null;
  readonly onCancel?: () => void;
  readonly className?: string;
  readonly autoFocus?: boolean;
}

/** A form that confirms it is really the account holder: the password, or (when they have one) a passkey. */
export function ReauthForm<T>(props: ReauthFormProps<T>): ReactNode {
  const [password, setPassword] = useState('');
  const [missing, setMissing] = useState<string | null>(null);
  const { action } = props;
  const passwordField = props.passwordField ?? 'password';
  function withPassword(): void {
    setMissing(null);
    void action.run(async () => {
      try {
        const result = await props.onProof({ password });
        setPassword('');
        return result;
      } catch (error) {
        throw wrongPasswordAt(error, passwordField);
      }
    }, props.success);
  }
  function withPasskey(): void {
    const problem = props.checkOtherFields?.() ?? null;
    setMissing(problem);
    if (problem !== null) return;
    void action.run(async () => props.onProof(await reauthWithPasskey()), props.success);
  }
  return (
    <Form onSubmit={withPassword} className={props.className} action={action} onInput={() => { setMissing(null); }}>
      {props.children}
      <Field
        label={props.passwordLabel ?? 'Password'}
        type="password"
        name={props.passwordName}
        field={passwordField}
        autoComplete="current-password"
        value={password}
        onChange={setPassword}
        required
        hint={props.passwordHint}
        error={props.passwordError}
        autoFocus={props.autoFocus}
      />
      {missing !== null && <Alert kind="error">{missing}</Alert>}
      <ActionMessage action={action} />
      <div className="actions">
        <SubmitButton busy={action.busy} busyLabel={props.busyLabel} tone={props.tone}>
          {props.submitLabel}
        </SubmitButton>
        {props.passkeyAllowed && (
          <button type="button" className="button secondary" disabled={action.busy} onClick={withPasskey}>
            Use a passkey instead
          </button>
        )}
        {props.onCancel !== undefined && (
          <button type="button" className="button secondary" disabled={action.busy} onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
    </Form>
  );
}
