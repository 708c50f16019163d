import type { MouseEvent, ReactNode } from 'react';
import { navigate } from '../lib/router';

/** A real <a href> that navigates in-app on a plain click (new tab, copy link etc. still work). */
export function Link(props: { readonly to: string; readonly children: ReactNode; readonly className?: string; readonly current?: boolean }): ReactNode {
  function click(event: MouseEvent<HTMLAnchorElement>): void {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(props.to);
  }
  return (
    <a href={props.to} className={props.className} onClick={click} aria-current={props.current === true ? 'page' : undefined}>
      {props.children}
    </a>
  );
}
