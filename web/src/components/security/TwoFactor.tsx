import { useState, type ReactNode } from 'react';
import { disableTotp, regenerateRecoveryCodes } from '../../api/endpoints';
import type { MfaStatus } from '../../api/types';
import { fieldErrors } from '../../lib/errors';
import { compactCode } from '../../lib/format';
import { useAction } from '../../lib/hooks';
import { ReauthForm } from '../ReauthForm';
import { Alert, Badge, Field, Section } from '../ui';
import { RecoveryCodes } from './RecoveryCodes';
import { TotpSetup } from './TotpSetup';

type Mode = 'idle' | 'setup' | 'disable' | 'regenerate';

function DisableTotpForm(props: { readonly hasPasskeys: boolean; readonly onDone: () => void; readonly onCancel: () => void }): ReactNode {
  const [code, setCode] = useState('');
  const action = useAction();
  return (
    <ReauthForm
      action={action}
      className="form subform"
      passkeyAllowed={props.hasPasskeys}
      passwordName="disableTotpPassword"
      submitLabel="Turn off"
      busyLabel="Turning off…"
      tone="danger"
      onCancel={props.onCancel}
      onProof={async (proof) => {
        await disableTotp(proof, compactCode(code));
        props.onDone();
      }}
    >
      <h3>Turn off the authenticator app</h3>
      <p className="muted">
        {props.hasPasskeys
          ? 'Your passkeys stay as your second factor.'
          : 'Without a second factor, your password alone signs you in again. Your recovery codes are deleted too.'}
      </p>
      <Field
        label="Code from the app, or a recovery code"
        name="disableTotpCode"
        field="code"
        autoComplete="one-time-code"
        code
        value={code}
        onChange={setCode}
        required={!props.hasPasskeys}
        markOptional={props.hasPasskeys}
        maxLength={40}
        autoFocus
        error={fieldErrors(action.error).code === undefined ? undefined : 'Enter the 6 digits your app shows, or a recovery code like abcd-efgh-jkmn-pqrs.'}
      />
    </ReauthForm>
  );
}

function RegenerateForm(props: { readonly hasPasskeys: boolean; readonly onCodes: (codes: string[]) => void; readonly onCancel: () => void }): ReactNode {
  const action = useAction();
  return (
    <ReauthForm
      action={action}
      className="form subform"
      passkeyAllowed={props.hasPasskeys}
      passwordName="recoveryPassword"
      submitLabel="Create new codes"
      busyLabel="Creating…"
      autoFocus
      onCancel={props.onCancel}
      onProof={async (proof) => {
        props.onCodes((await regenerateRecoveryCodes(proof)).recoveryCodes);
      }}
    >
      <h3>Create new recovery codes</h3>
      <p className="muted">Your current recovery codes stop working as soon as the new ones are made.</p>
    </ReauthForm>
  );
}

/** One factor in the list: its name and state, a line about it, and (when something can be done) its button. */
function FactorRow(props: { readonly title: ReactNode; readonly meta: ReactNode; readonly action: ReactNode }): ReactNode {
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title">{props.title}</span>
        <span className="row-meta">{props.meta}</span>
      </div>
      {props.action !== null && <div className="row-side">{props.action}</div>}
    </li>
  );
}

function recoveryMeta(left: number): ReactNode {
  if (left === 0) return 'None left. Create new codes so you are not locked out if you lose your second factor.';
  return `${left} ${left === 1 ? 'code' : 'codes'} left. Each works once, when your app or passkey is not at hand.`;
}

/** Authenticator app and recovery codes. `status` comes from GET /api/mfa; `onChanged` reloads it (and the session). */
export function TwoFactorSection(props: { readonly status: MfaStatus; readonly email: string; readonly readOnly: boolean; readonly onChanged: () => void }): ReactNode {
  const { status } = props;
  const [mode, setMode] = useState<Mode>('idle');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const hasPasskeys = status.passkeys.length > 0;
  const hasFactor = status.totp || hasPasskeys;

  function showCodes(next: string[]): void {
    setMode('idle');
    setCodes(next);
    props.onChanged();
  }
  const idle = mode === 'idle' && codes === null && !props.readOnly;

  return (
    <Section
      title="Two-factor authentication"
      description="A second step at sign-in, after your password: a code from an authenticator app, or a passkey. Someone who learns your password still cannot get in."
    >
      {notice !== null && <Alert kind="success">{notice}</Alert>}
      <ul className="list" aria-label="Second factors">
        <FactorRow
          title={<>Authenticator app {status.totp ? <Badge tone="good">On</Badge> : <Badge>Off</Badge>}</>}
          meta={status.totp ? 'Sign-ins with your password ask for a 6-digit code from your app.' : 'Use an app on your phone that shows a new 6-digit code every 30 seconds.'}
          action={
            !idle ? null : status.totp ? (
              <button type="button" className="button small danger-outline" onClick={() => { setNotice(null); setMode('disable'); }}>
                Turn off
              </button>
            ) : (
              <button type="button" className="button small primary" onClick={() => { setNotice(null); setMode('setup'); }}>
                Set up authenticator app
              </button>
            )
          }
        />
        {hasFactor && (
          <FactorRow
            title={<>Recovery codes {status.recoveryCodesLeft === 0 && <Badge tone="warn">None left</Badge>}</>}
            meta={recoveryMeta(status.recoveryCodesLeft)}
            action={
              idle ? (
                <button type="button" className="button small secondary" onClick={() => { setNotice(null); setMode('regenerate'); }}>
                  Create new codes
                </button>
              ) : null
            }
          />
        )}
      </ul>
      {props.readOnly && <p className="muted">Two-factor settings cannot be changed while impersonating.</p>}
      {codes !== null && (
        <RecoveryCodes
          codes={codes}
          email={props.email}
          onDone={() => { setCodes(null); }}
        />
      )}
      {mode === 'setup' && <TotpSetup onEnabled={showCodes} onCancel={() => { setMode('idle'); }} />}
      {mode === 'disable' && (
        <DisableTotpForm
          hasPasskeys={hasPasskeys}
          onCancel={() => { setMode('idle'); }}
          onDone={() => {
            setMode('idle');
            setNotice('The authenticator app was turned off.');
            props.onChanged();
          }}
        />
      )}
      {mode === 'regenerate' && <RegenerateForm hasPasskeys={hasPasskeys} onCodes={showCodes} onCancel={() => { setMode('idle'); }} />}
    </Section>
  );
}
