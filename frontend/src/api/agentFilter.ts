// The agent filter of the Overview and Live tabs: kept in the address (`?provider=<name>`, as the
// Sessions tab's), and applied in the browser to the Live tab's feed and sessions in flight. Pure: the
// panes call these at render, memoised on the store's arrays, so the store is never rebuilt for a filter
// (the feed is at most 100 rows, applied at most every 100 ms).
import type { FeedItem } from './liveState';
import type { AgentName, InFlightSession } from './types';

/** The agent a URL's query filters by; "" = every agent. */
export function agentParam(search: URLSearchParams): AgentName {
  return search.get('provider') ?? '';
}

/** `path` with the agent filter set (or dropped for ""), the query's other parameters kept. */
export function withAgentParam(path: string, search: URLSearchParams, provider: AgentName): string {
  const p = new URLSearchParams(search);
  if (provider) p.set('provider', provider);
  else p.delete('provider');
  const s = p.toString();
  return s ? `${path}?${s}` : path;
}

/** The agent a feed row came from (usage events, tool calls and results all carry it). */
export function feedItemProvider(item: FeedItem): AgentName {
  if (item.kind === 'usage') return item.usage.provider;
  if (item.kind === 'call') return item.call.provider;
  return item.result.provider;
}

/** The rows of one agent, in the same order; the same array when there is no filter. */
export function filterFeed(feed: FeedItem[], provider: AgentName): FeedItem[] {
  if (!provider) return feed;
  return feed.filter((item) => feedItemProvider(item) === provider);
}

/** The sessions of one agent; the same array when there is no filter. */
export function filterSessions(sessions: InFlightSession[], provider: AgentName): InFlightSession[] {
  if (!provider) return sessions;
  return sessions.filter((s) => s.provider === provider);
}
