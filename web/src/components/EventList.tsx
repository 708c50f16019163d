import type { ReactNode } from 'react';
import type { SecurityEvent } from '../api/types';
import { describeEvent, describeUserAgent, formatDateTime } from '../lib/format';
import { Empty } from './ui';

/** Events worth a second look: failures, someone else acting on the account, weakened protection. */
const ATTENTION: ReadonlySet<string> = new Set(['login_failed', 'user_disabled', 'mfa_failed', 'mfa_disabled', 'mfa_reset', 'passkey_counter_regressed', 'recovery_code_used']);

function who(event: SecurityEvent, showTarget: boolean): string | null {
  const parts: string[] = [];
  if (showTarget && event.target !== null) parts.push(`account ${event.target.email}`);
  if (event.actor !== null && (event.target === null || event.actor.id !== event.target.id)) parts.push(`by ${event.actor.email}`);
  return parts.length === 0 ? null : parts.join(', ');
}

/** Security events, newest first. `showTarget` for the admin view, where events of many accounts mix. */
export function EventList(props: { readonly events: readonly SecurityEvent[]; readonly showTarget?: boolean }): ReactNode {
  if (props.events.length === 0) return <Empty>No security events yet.</Empty>;
  return (
    <ul className="list" aria-label="Security events">
      {props.events.map((event) => {
        const party = who(event, props.showTarget === true);
        const suspicious = ATTENTION.has(event.type) || event.type.startsWith('impersonation');
        return (
          <li key={event.id} className="row">
            <div className="row-main">
              <span className={suspicious ? 'row-title attention' : 'row-title'}>{describeEvent(event.type)}</span>
              <span className="row-meta">
                <time dateTime={event.at}>{formatDateTime(event.at)}</time>
                {party !== null && <> · {party}</>}
              </span>
            </div>
            <div className="row-side">
              <span>{describeUserAgent(event.userAgent)}</span>
              <span className="mono">{event.ip ?? 'IP unknown'}</span>
            </div>
          </li>
        );
      })}
    </ul>
  );
}
