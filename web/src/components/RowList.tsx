import type { ReactNode } from 'react';
import { Empty } from './ui';

interface RowListProps<T> {
  /** The list's accessible name. */
  readonly label: string;
  readonly items: readonly T[];
  /** Shown instead of the list when there are no items. */
  readonly empty: ReactNode;
  /** One row (an <li> with its key) for an item. */
  readonly children: (item: T) => ReactNode;
}

/** A labelled list of rows, or a note when there are none. */
export function RowList<T>(props: RowListProps<T>): ReactNode {
  if (props.items.length === 0) return <Empty>{props.empty}</Empty>;
  return (
    <ul className="list" aria-label={props.label}>
      {props.items.map((item) => props.children(item))}
    </ul>
  );
}
