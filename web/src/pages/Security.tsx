import { useState, type ReactNode } from 'react';
import { changePassword, listDevices, listMyEvents, revokeDevice, revokeOtherDevices } from '../api/endpoints';
import type { Device, Me } from '../api/types';
import { EventList } from '../components/EventList';
import { ActionForm } from '../components/ActionForm';
import { ActionMessage, AsyncView, Badge, ConfirmAction, Field, Section } from '../components/ui';
import { fieldErrors } from '../lib/errors';
import { describeUserAgent, formatDateTime, formatRelative } from '../lib/format';
import { useAction, useDocumentTitle, useResource } from '../lib/hooks';
import { refreshSession } from '../lib/session';
import { OidcAppsProvider, SessionApps } from './OidcAccount';

function ChangePasswordSection(props: { readonly onChanged: () => void }): ReactNode {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const action = useAction();
  const errors = fieldErrors(action.error);
  function submit(): void {
    if (next !== repeat) {
      setMismatch(true);
      return;
    }
    setMismatch(false);
    void action.run(async () => {
      await changePassword(current, next);
      setCurrent('');
      setNext('');
      setRepeat('');
      await refreshSession();
      props.onChanged();
    }, 'Your password was changed. Every other device was signed out.');
  }
  return (
    <Section title="Change password" description="Changing your password signs out every other device.">
      <ActionForm action={action} onSubmit={submit} submitLabel="Change password" busyLabel="Saving…">
        <Field label="Current password" type="password" name="currentPassword" autoComplete="current-password" value={current} onChange={setCurrent} required error={errors.currentPassword} />
        <Field label="New password" type="password" name="newPassword" autoComplete="new-password" value={next} onChange={setNext} required hint="At least 8 characters." error={errors.newPassword} />
        <Field label="Repeat the new password" type="password" name="repeatPassword" autoComplete="new-password" value={repeat} onChange={setRepeat} required error={mismatch ? 'The two passwords are different.' : undefined} />
      </ActionForm>
    </Section>
  );
}

function DeviceRow(props: { readonly device: Device; readonly onRevoke: (id: string) => Promise<void> }): ReactNode {
  const { device } = props;
  const label = describeUserAgent(device.userAgent);
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title">
          {label} {device.current && <Badge tone="info">This device</Badge>}
        </span>
        <span className="row-meta">
          <span className="mono">{device.ip ?? 'IP unknown'}</span> · signed in {formatDateTime(device.createdAt)} · last active{' '}
          <time dateTime={device.lastActiveAt} title={formatDateTime(device.lastActiveAt)}>
            {formatRelative(device.lastActiveAt)}
          </time>
        </span>
        <SessionApps sessionId={device.id} />
      </div>
      <div className="row-side">
        {!device.current && (
          <ConfirmAction
            label="Sign out"
            name={`Sign out ${label} (${device.ip ?? 'IP unknown'}), last active ${formatRelative(device.lastActiveAt)}`}
            prompt={`Sign out ${label}?`}
            confirmLabel="Sign out device"
            onConfirm={() => props.onRevoke(device.id)}
          />
        )}
      </div>
    </li>
  );
}

function DevicesSection(props: { readonly generation: number; readonly onChange: () => void }): ReactNode {
  const devices = useResource(listDevices, String(props.generation));
  const action = useAction();
  async function revoke(id: string): Promise<void> {
    await action.run(() => revokeDevice(id), 'The device was signed out.');
    props.onChange();
  }
  async function revokeOthers(): Promise<void> {
    await action.run(revokeOtherDevices, 'Every other device was signed out.');
    props.onChange();
  }
  return (
    <Section title="Devices" description="Where your account is signed in now. Sign out any device you do not recognise, then change your password.">
      <ActionMessage action={action} />
      <AsyncView resource={devices.state} onRetry={devices.reload} label="Loading devices…">
        {(data) => (
          <div className="stack">
            <OidcAppsProvider generation={props.generation}>
            <ul className="list" aria-label="Signed-in devices">
              {[...data.sessions]
                .sort((a, b) => Number(b.current) - Number(a.current) || b.lastActiveAt.localeCompare(a.lastActiveAt))
                .map((device) => (
                  <DeviceRow key={device.id} device={device} onRevoke={revoke} />
                ))}
            </ul>
            </OidcAppsProvider>
            {data.sessions.length > 1 ? (
              <div>
                <ConfirmAction label="Sign out all other devices" name="Sign out all other devices" prompt="Sign out every device except this one?" confirmLabel="Sign out others" onConfirm={revokeOthers} />
              </div>
            ) : (
              <p className="muted">This is the only device signed in to your account.</p>
            )}
          </div>
        )}
      </AsyncView>
    </Section>
  );
}

function EventsSection(props: { readonly generation: number }): ReactNode {
  const events = useResource(listMyEvents, String(props.generation));
  return (
    <Section title="Recent security activity" description="Sign-ins, password and email changes, and other account events.">
      <AsyncView resource={events.state} onRetry={events.reload} label="Loading activity…">
        {(data) => <EventList events={data.events.slice(0, 30)} />}
      </AsyncView>
    </Section>
  );
}

export function SecurityPage(props: { readonly me: Me }): ReactNode {
  useDocumentTitle('Security');
  const [generation, setGeneration] = useState(0);
  const bump = (): void => { setGeneration((g) => g + 1); };
  return (
    <div className="stack-lg">
      <div className="page-head">
        <h1>Security</h1>
        <p className="muted">Your password, the devices signed in to your account, and what happened recently.</p>
      </div>
      {props.me.impersonator === null ? (
        <ChangePasswordSection onChanged={bump} />
      ) : (
        <Section title="Change password">
          <p className="muted">The password cannot be changed while impersonating.</p>
        </Section>
      )}
      <DevicesSection generation={generation} onChange={bump} />
      <EventsSection generation={generation} />
    </div>
  );
}
