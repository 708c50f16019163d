import { useId, useState, type ReactNode } from 'react';
import { confirmTotp, startTotpSetup } from '../../api/endpoints';
import { fieldErrors, wrongPasswordAt } from '../../lib/errors';
import { compactCode, groupKey } from '../../lib/format';
import { useAction } from '../../lib/hooks';
import { ActionMessage, Field, Form, SubmitButton } from '../ui';
import { QrCode } from './QrCode';

interface Pending {
  readonly secret: string;
  readonly otpauthUri: string;
}

function PasswordStep(props: { readonly onReady: (pending: Pending) => void; readonly onCancel: () => void }): ReactNode {
  const [password, setPassword] = useState('');
  const action = useAction();
  function submit(): void {
    void action.run(async () => {
      try {
        props.onReady(await startTotpSetup(password));
      } catch (error) {
        throw wrongPasswordAt(error, 'password');
      }
    });
  }
  return (
    <Form onSubmit={submit} action={action}>
      <p className="muted">Step 1 of 2. Enter your password to start.</p>
      <Field label="Password" type="password" name="totpPassword" field="password" autoComplete="current-password" value={password} onChange={setPassword} required autoFocus />
      <ActionMessage action={action} />
      <div className="actions">
        <SubmitButton busy={action.busy} busyLabel="Checking…">
          Continue
        </SubmitButton>
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

function ScanStep(props: { readonly pending: Pending; readonly onEnabled: (codes: string[]) => void; readonly onCancel: () => void }): ReactNode {
  const [code, setCode] = useState('');
  const action = useAction();
  const keyLabel = useId();
  function submit(): void {
    void action.run(async () => {
      const { recoveryCodes } = await confirmTotp(compactCode(code));
      props.onEnabled(recoveryCodes);
    });
  }
  return (
    <Form onSubmit={submit} action={action}>
      <p className="muted">Step 2 of 2. Add Gatehouse to your authenticator app, then enter the code it shows.</p>
      <div className="totp-setup">
        <QrCode text={props.pending.otpauthUri} label="QR code for your authenticator app" />
        <div className="stack">
          <p>Scan the QR code with an authenticator app (such as 1Password, Google Authenticator, Microsoft Authenticator or Aegis).</p>
          <div className="stack-sm">
            <p id={keyLabel} className="hint">
              Cannot scan it? Enter this setup key instead (time-based, 6 digits):
            </p>
            <code className="totp-secret" aria-labelledby={keyLabel}>
              {groupKey(props.pending.secret)}
            </code>
          </div>
        </div>
      </div>
      <Field
        label="6-digit code from the app"
        name="totpCode"
        field="code"
        autoComplete="one-time-code"
        inputMode="numeric"
        code
        value={code}
        onChange={setCode}
        required
        maxLength={12}
        autoFocus
        error={fieldErrors(action.error).code === undefined ? undefined : 'Enter the 6 digits your authenticator app shows.'}
      />
      <ActionMessage action={action} />
      <div className="actions">
        <SubmitButton busy={action.busy} busyLabel="Checking…">
          Turn on
        </SubmitButton>
        <button type="button" className="button secondary" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </Form>
  );
}

/** Authenticator-app setup: password → QR code and key → first code. Recovery codes come back on success. */
export function TotpSetup(props: { readonly onEnabled: (codes: string[]) => void; readonly onCancel: () => void }): ReactNode {
  const [pending, setPending] = useState<Pending | null>(null);
  return (
    <div className="subform stack" role="group" aria-label="Set up an authenticator app">
      <h3>Set up an authenticator app</h3>
      {pending === null ? <PasswordStep onReady={setPending} onCancel={props.onCancel} /> : <ScanStep pending={pending} onEnabled={props.onEnabled} onCancel={props.onCancel} />}
    </div>
  );
}
