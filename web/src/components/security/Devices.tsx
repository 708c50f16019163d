import type { ReactNode } from 'react';
import { listDevices, revokeDevice, revokeOtherDevices } from '../../api/endpoints';
import type { Device } from '../../api/types';
import { describeAuthMethod, describeUserAgent } from '../../lib/format';
import { relativeTime } from '../../lib/time';
import { DeviceIcon } from '../DeviceIcon';
import { RelativeTime } from '../RelativeTime';
import { useAction, useResource } from '../../lib/hooks';
import { ActionMessage, AsyncView, Badge, ConfirmAction, Section } from '../ui';
import { OidcAppsProvider, SessionApps } from '../../pages/OidcAccount';

function DeviceRow(props: { readonly device: Device; readonly onRevoke: (id: string) => Promise<void> }): ReactNode {
  const { device } = props;
  const label = describeUserAgent(device.userAgent);
  return (
    <li className="row">
      <div className="row-main">
        <span className="row-title device-title">
          <span className="device">
            <DeviceIcon userAgent={device.userAgent} />
            {label}
          </span>
          {device.current && <Badge tone="info">This device</Badge>}
        </span>
        {device.authMethods.length > 0 && (
          <span className="row-meta">
            Signed in with {device.authMethods.map(describeAuthMethod).join(' + ')}
          </span>
        )}
        <span className="row-meta">
          <span className="mono">{device.ip ?? 'IP unknown'}</span> · signed in <RelativeTime iso={device.createdAt} /> · last active{' '}
          <RelativeTime iso={device.lastActiveAt} />
        </span>
        <SessionApps sessionId={device.id} />
      </div>
      <div className="row-side">
        {!device.current && (
          <ConfirmAction
            label="Sign out"
            name={`Sign out ${label} (${device.ip ?? 'IP unknown'}), last active ${relativeTime(device.lastActiveAt)}`}
            prompt={`Sign out ${label}?`}
            confirmLabel="Sign out device"
            onConfirm={() => props.onRevoke(device.id)}
          />
        )}
      </div>
    </li>
  );
}

export function DevicesSection(props: { readonly generation: number; readonly onChange: () => void }): ReactNode {
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
