import type { ReactNode } from 'react';
import { absoluteUtc, relativeTime } from '../lib/time';

/** "5 minutes ago", with the exact UTC time in the tooltip: every time shown in a list comes from here. */
export function RelativeTime(props: { readonly iso: string }): ReactNode {
  return (
    <time dateTime={props.iso} title={absoluteUtc(props.iso)}>
      {relativeTime(props.iso)}
    </time>
  );
}
