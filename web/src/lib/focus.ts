import { useEffect, useRef } from 'react';

const MAX_TRIES = 30;

/** Focuses the page's h1 (made focusable with tabIndex -1); false while the page has none yet. */
function focusHeading(): boolean {
  const heading = document.querySelector('#main h1');
  if (!(heading instanceof HTMLElement)) return false;
  if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
  heading.focus({ preventScroll: true });
  return true;
}

/**
 * After a client-side navigation, focus goes to the new page's heading, as a full page load would
 * put it at the top: a screen reader reads where the user is now, and Tab starts from there, not
 * from the link that was clicked on the old page. Not on the first load.
 */
export function useFocusHeadingOnNavigation(path: string): void {
  // The path whose heading has had focus (or the first one, which keeps the browser's own focus).
  // A path rather than a "first render" flag: React may run an effect twice for one change.
  const done = useRef(path);
  useEffect(() => {
    if (done.current === path) return undefined;
    let tries = 0;
    let frame = 0;
    function attempt(): void {
      tries += 1;
      if (focusHeading() || tries >= MAX_TRIES) done.current = path;
      else frame = requestAnimationFrame(attempt);
    }
    attempt();
    return () => { cancelAnimationFrame(frame); };
  }, [path]);
}
