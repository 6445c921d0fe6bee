// Client-side routes: every view has an address that can be bookmarked, and the back button walks them.
//   /                Overview      /live        Live
//   /sessions?...    Sessions      /sessions/42 one session (its session_row)
export type TabId = 'overview' | 'live' | 'sessions';

export interface Route {
  tab: TabId;
  sessionRow: number | null;
  search: URLSearchParams;
}

export const TABS: { id: TabId; label: string; path: string }[] = [
  { id: 'overview', label: 'Overview', path: '/' },
  { id: 'live', label: 'Live', path: '/live' },
  { id: 'sessions', label: 'Sessions', path: '/sessions' },
];

export function parseRoute(pathname: string, search = ''): Route {
  const path = pathname.replace(/\/+$/, '') || '/';
  const params = new URLSearchParams(search);
  if (path === '/live') return { tab: 'live', sessionRow: null, search: params };
  if (path === '/sessions') return { tab: 'sessions', sessionRow: null, search: params };
  const m = /^\/sessions\/(\d+)$/.exec(path);
  if (m) return { tab: 'sessions', sessionRow: Number(m[1]), search: params };
  return { tab: 'overview', sessionRow: null, search: params };
}
