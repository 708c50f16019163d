import type { ReactNode } from 'react';
import './pager.css';

/** "Page 2 of 5 · 93 users" with Previous / Next buttons. */
export function Pager(props: { readonly page: number; readonly pageSize: number; readonly total: number; readonly noun: string; readonly onPage: (page: number) => void; readonly label: string }): ReactNode {
  const pages = Math.max(1, Math.ceil(props.total / Math.max(1, props.pageSize)));
  return (
    <nav className="pager" aria-label={props.label}>
      <button type="button" className="button small secondary" disabled={props.page <= 1} onClick={() => { props.onPage(props.page - 1); }}>
        Previous page
      </button>
      <span className="pager-status" aria-live="polite">
        Page {props.page} of {pages} · {props.total} {props.noun}
      </span>
      <button type="button" className="button small secondary" disabled={props.page >= pages} onClick={() => { props.onPage(props.page + 1); }}>
        Next page
      </button>
    </nav>
  );
}
