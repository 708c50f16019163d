import { useId, type ReactNode } from 'react';
import { SECURITY_EVENT_TYPES } from '../../../src/events/event-types';
import { describeEvent } from '../lib/format';

/** The server's own catalog of event types (src/events/event-types.ts), by their labels. */
const OPTIONS: readonly { readonly type: string; readonly label: string }[] = SECURITY_EVENT_TYPES.map((type) => ({ type, label: describeEvent(type) })).sort((a, b) =>
  a.label.localeCompare(b.label),
);

/** "All event types" or one known type; no free text to mistype. */
export function EventTypeSelect(props: { readonly value: string; readonly onChange: (type: string) => void }): ReactNode {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Event type</label>
      <select id={id} name="type" value={props.value} onChange={(e) => { props.onChange(e.target.value); }}>
        <option value="">All event types</option>
        {OPTIONS.map((o) => (
          <option key={o.type} value={o.type}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

/** "No events yet." or, under a filter, "No “Account disabled” events." */
export function emptyEventsText(type: string, who: string | null): string {
  if (type === '') return who === null ? 'No events yet.' : `No events for ${who} yet.`;
  return `No “${describeEvent(type)}” events${who === null ? '' : ` for ${who}`}.`;
}
