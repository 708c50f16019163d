import type { ReactNode } from 'react';
import type { SecurityEvent } from '../api/types';
import { describeEvent, describeUserAgent } from '../lib/format';
import { DeviceIcon } from './DeviceIcon';
import { RelativeTime } from './RelativeTime';
import { Empty } from './ui';

/** Events worth a second look: failures, someone else acting on the account, weakened protection. */
const ATTENTION: ReadonlySet<string> = new Set(['login_failed', 'user_disabled', 'mfa_failed', 'mfa_disabled', 'mfa_reset', 'passkey_counter_regressed', 'recovery_code_used']);

function who(event: SecurityEvent, showTarget: boolean): string | null {
  const parts: string[] = [];
  if (showTarget && event.target !== null) parts.push(`account ${event.target.email}`);
  if (event.actor !== null && (event.target === null || event.actor.id !== event.target.id)) parts.push(`by ${event.actor.email}`);
  return parts.length === 0 ? null : parts.join(', ');
}

export interface EventListProps {
  readonly events: readonly SecurityEvent[];
  /** For the admin view, where events of many accounts mix. */
  readonly showTarget?: boolean;
  /** What an empty list says, e.g. "No “Signed in” events." for a filter that matched nothing. */
  readonly empty?: string;
}

/** Security events, newest first. */
export function EventList(props: EventListProps): ReactNode {
  if (props.events.length === 0) return <Empty>{props.empty ?? 'No security events yet.'}</Empty>;
  return (
    <ul className="list" aria-label="Security events">
      {props.events.map((event) => {
        const party = who(event, props.showTarget === true);
        const suspicious = ATTENTION.has(event.type) || event.type.startsWith('impersonation');
        return (
          <li key={event.id} className="row event-row">
            <div className="row-main">
              <span className={suspicious ? 'row-title attention' : 'row-title'}>{describeEvent(event.type)}</span>
              <span className="row-meta">
                <RelativeTime iso={event.at} />
                {party !== null && <> · {party}</>}
              </span>
            </div>
            <div className="row-side">
              <span className="device">
                <DeviceIcon userAgent={event.userAgent} />
                {describeUserAgent(event.userAgent)}
              </span>
              <span className="mono">{event.ip ?? 'IP unknown'}</span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
