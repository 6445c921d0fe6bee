// The agent filter's pure side: the address round trip and the feed / sessions filters.
import { describe, expect, it } from 'vitest';
import { call, inFlight, result, usage } from '../test/fixtures';
import { agentParam, feedItemProvider, filterFeed, filterSessions, withAgentParam } from './agentFilter';
import type { FeedItem } from './liveState';

const feed: FeedItem[] = [
  { kind: 'usage', key: 'u3', seq: 5, usage: usage(3, { provider: 'codex' }), updates: 0 },
  { kind: 'result', key: 'r9', seq: 4, result: result(9, { provider: 'gemini' }) },
  { kind: 'call', key: 't2', seq: 3, call: call(2, { provider: 'codex' }), result: result(2, { provider: 'codex' }) },
  { kind: 'call', key: 't1', seq: 2, call: call(1) },
  { kind: 'usage', key: 'u1', seq: 1, usage: usage(1), updates: 2 },
];

describe('agent filter', () => {
  it('reads and writes the address, keeping other parameters', () => {
    expect(agentParam(new URLSearchParams(''))).toBe('');
    expect(agentParam(new URLSearchParams('provider=codex'))).toBe('codex');
    expect(withAgentParam('/', new URLSearchParams(''), 'codex')).toBe('/?provider=codex');
    expect(withAgentParam('/', new URLSearchParams('provider=codex'), '')).toBe('/');
    expect(withAgentParam('/live', new URLSearchParams('x=1&provider=claude'), 'qwen')).toBe('/live?x=1&provider=qwen');
    expect(withAgentParam('/live', new URLSearchParams('x=1&provider=claude'), '')).toBe('/live?x=1');
  });

  it('knows the agent of every kind of feed row', () => {
    expect(feed.map(feedItemProvider)).toEqual(['codex', 'gemini', 'codex', 'claude', 'claude']);
  });

  it("keeps one agent's rows in order, and the same array without a filter", () => {
    expect(filterFeed(feed, '')).toBe(feed);
    expect(filterFeed(feed, 'codex').map((i) => i.key)).toEqual(['u3', 't2']);
    expect(filterFeed(feed, 'claude').map((i) => i.key)).toEqual(['t1', 'u1']);
    expect(filterFeed(feed, 'gemini').map((i) => i.key)).toEqual(['r9']);
    expect(filterFeed(feed, 'opencode')).toEqual([]);
  });

  it("keeps one agent's sessions in flight", () => {
    const sessions = [inFlight(1), inFlight(2, { provider: 'codex' }), inFlight(3, { provider: 'codex' })];
    expect(filterSessions(sessions, '')).toBe(sessions);
    expect(filterSessions(sessions, 'codex').map((s) => s.session_row)).toEqual([2, 3]);
    expect(filterSessions(sessions, 'qwen')).toEqual([]);
  });
});
