// The current route from the address bar, following pushState navigation and the back button.
import { useCallback, useEffect, useState } from 'react';
import { parseRoute, type Route } from '../routes';

const NAV_EVENT = 'agentpulse:navigate';

/** Goes to `to` (a path with an optional query) without reloading; replace=true leaves no history entry. */
export function navigate(to: string, replace = false): void {
  if (to === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAV_EVENT));
}

export function useRoute(): Route {
  const read = useCallback(() => parseRoute(window.location.pathname, window.location.search), []);
  const [route, setRoute] = useState<Route>(read);
  useEffect(() => {
    const on = () => setRoute(read());
    window.addEventListener('popstate', on);
    window.addEventListener(NAV_EVENT, on);
    return () => {
      window.removeEventListener('popstate', on);
      window.removeEventListener(NAV_EVENT, on);
    };
  }, [read]);
  return route;
}

/** onClick for <a href>: plain left clicks navigate in place; modified clicks open as the browser would. */
export function linkClick(to: string) {
  return (e: React.MouseEvent) => {
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(to);
  };
}
