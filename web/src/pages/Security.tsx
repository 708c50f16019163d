import { useState, type ReactNode } from 'react';
import { changePassword, fetchMfa, listMyEvents } from '../api/endpoints';
import type { Me } from '../api/types';
import { ActionForm } from '../components/ActionForm';
import { EventList } from '../components/EventList';
import { Pager } from '../components/Pager';
import { DevicesSection } from '../components/security/Devices';
import { PasskeysSection } from '../components/security/Passkeys';
import { TwoFactorSection } from '../components/security/TwoFactor';
import { Alert, AsyncView, Field, Section } from '../components/ui';
import { wrongPasswordAt } from '../lib/errors';
import { useAction, useDocumentTitle, useResource } from '../lib/hooks';
import { refreshSession } from '../lib/session';

function ChangePasswordSection(props: { readonly email: string; readonly onChanged: () => void }): ReactNode {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  function submit(): void {
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      await changePassword(current, next).catch((error: unknown) => {
        throw wrongPasswordAt(error, 'currentPassword');
      });
      setCurrent('');
      setNext('');
      setRepeat('');
      await refreshSession();
      props.onChanged();
    }, 'Your password was changed. Every other device was signed out.');
  }
  return (
    <Section title="Change password" description="Changing your password signs out every other device.">
      <ActionForm action={action} onSubmit={submit} submitLabel="Change password" busyLabel="Saving…" ready={current !== '' || next !== '' || repeat !== ''}>
        <Field label="Current password" type="password" name="currentPassword" autoComplete="current-password" value={current} onChange={setCurrent} required />
        <Field
          label="New password"
          type="password"
          name="newPassword"
          autoComplete="new-password"
          value={next}
          onChange={(value) => { setNext(value); setMismatch(false); }}
          required
          hint="At least 8 characters."
          strength={{ userInputs: [props.email] }}
        />
        <Field
          label="Repeat the new password"
          type="password"
          name="repeatPassword"
          autoComplete="new-password"
          value={repeat}
          onChange={(value) => { setRepeat(value); setMismatch(false); }}
          required
          error={mismatch ? 'The two passwords are different.' : undefined}
        />
      </ActionForm>
    </Section>
  );
}

/** The server sends the most recent events at once; they are shown a page at a time. */
const ACTIVITY_PAGE_SIZE = 10;

function EventsSection(props: { readonly generation: number }): ReactNode {
  const events = useResource(listMyEvents, String(props.generation));
  const [page, setPage] = useState(1);
  return (
    <Section title="Recent security activity" description="Sign-ins, password and email changes, and other account events.">
      <AsyncView resource={events.state} onRetry={events.reload} label="Loading activity…">
        {(data) => {
          const pages = Math.max(1, Math.ceil(data.events.length / ACTIVITY_PAGE_SIZE));
          const current = Math.min(page, pages);
          return (
            <div className="stack">
              <EventList events={data.events.slice((current - 1) * ACTIVITY_PAGE_SIZE, current * ACTIVITY_PAGE_SIZE)} />
              {data.events.length > ACTIVITY_PAGE_SIZE && (
                <Pager label="Activity pages" page={current} pageSize={ACTIVITY_PAGE_SIZE} total={data.events.length} noun="recent events" onPage={setPage} />
              )}
            </div>
          );
        }}
      </AsyncView>
    </Section>
  );
}

/** Why the user was sent here: a policy demands a second factor they do not have yet. */
function SetupRequiredBanner(props: { readonly me: Me }): ReactNode {
  if (!props.me.mfa.setupRequired) return null;
  const admin = props.me.mfa.requiredBy === 'admin';
  return (
    <Alert kind="warning">
      <strong>{admin ? 'Admins must use two-factor authentication.' : 'Your organization requires two-factor authentication.'}</strong> Set up an authenticator
      app or add a passkey below to continue using Gatehouse.
    </Alert>
  );
}

function SecondFactorSections(props: { readonly me: Me; readonly generation: number; readonly onChanged: () => void }): ReactNode {
  const mfa = useResource(fetchMfa, String(props.generation));
  const readOnly = props.me.impersonator !== null;
  return (
    <AsyncView resource={mfa.state} onRetry={mfa.reload} label="Loading two-factor settings…">
      {(status) => (
        <>
          <TwoFactorSection status={status} email={props.me.user.email} readOnly={readOnly} onChanged={props.onChanged} />
          <PasskeysSection passkeys={status.passkeys} readOnly={readOnly} onChanged={props.onChanged} />
        </>
      )}
    </AsyncView>
  );
}

export function SecurityPage(props: { readonly me: Me }): ReactNode {
  useDocumentTitle('Security');
  const [generation, setGeneration] = useState(0);
  const bump = (): void => { setGeneration((g) => g + 1); };
  const setupRequired = props.me.mfa.setupRequired;
  function factorsChanged(): void {
    bump();
    // mfa.enabled / setupRequired may have changed: the rest of the app follows the server's answer.
    void refreshSession();
  }
  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>Security</h1>
        <p className="muted">Your password, second factors and passkeys, the devices signed in to your account, and what happened recently.</p>
      </div>
      <SetupRequiredBanner me={props.me} />
      <SecondFactorSections me={props.me} generation={generation} onChanged={factorsChanged} />
      {/* Until a second factor is set up, only the factor and device routes answer (the rest: 403 mfa_required). */}
      {!setupRequired &&
        (props.me.impersonator === null ? (
          <ChangePasswordSection email={props.me.user.email} onChanged={bump} />
        ) : (
          <Section title="Change password">
            <p className="muted">The password cannot be changed while impersonating.</p>
          </Section>
        ))}
      <DevicesSection generation={generation} onChange={bump} />
      {!setupRequired && <EventsSection generation={generation} />}
    </div>
  );
}
