// useEventStream with a scripted EventSource: every frame type, dedupe, the ring of 100, resync,
// errors, reconnects (the browser's and our own) and closing on unmount.
import { act, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STREAM_EVENT_TYPES } from '../api/types';
import { burn, call, limitsPayload, MockEventSource, readyPayload, result, stats, usage, watcher } from '../test/fixtures';
import { useEventStream, useLiveState } from './useEventStream';

const sync = (f: () => void) => f();

function setup(extra: Record<string, unknown> = {}, snapshot = stats()) {
  const fetchImpl = vi.fn(async () => new Response(JSON.stringify(snapshot), { status: 200 }));
  const hook = renderHook(() => {
    const store = useEventStream({
      tz: 'Europe/Berlin',
      EventSourceImpl: MockEventSource as unknown as typeof EventSource,
      fetchImpl: fetchImpl as unknown as typeof fetch,
      scheduler: sync,
      minIntervalMs: 0,
      backlog: 0,
      ...extra,
    });
    return useLiveState(store, (s) => s);
  });
  return { ...hook, fetchImpl, es: () => MockEventSource.last };
}

beforeEach(() => MockEventSource.reset());
afterEach(() => vi.useRealTimers());

describe('useEventStream', () => {
  it('opens one EventSource with the browser time zone and listens to every named type', () => {
    const { result: r, es } = setup();
    expect(MockEventSource.instances).toHaveLength(1);
    expect(es().url).toBe('/api/live/stream?tz=Europe%2FBerlin');
    expect(es().listenerTypes().sort()).toEqual([...STREAM_EVENT_TYPES, 'error'].sort());
    expect(r.current.connection).toBe('connecting');
  });

  it('first connection starts a few rows back from the snapshot, so the feed is not blank', async () => {
    const w = { usage: 100, tool_calls: 30, results: 5, updates: 7, last_event_id: 'u100.t30.r5.g7' };
    const { es } = setup({ backlog: 40 }, stats({ watermarks: w }));
    expect(MockEventSource.instances).toHaveLength(0);  // the snapshot first
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    expect(es().url).toBe('/api/live/stream?tz=Europe%2FBerlin&since=u60.t0.r0.g7');
  });

  it('ready: goes live, takes the watcher and demo flag, and fetches the snapshot', async () => {
    const { result: r, es, fetchImpl } = setup();
    act(() => es().emit('ready', readyPayload({ watcher: watcher({ state: 'stopped', reason: 'gone' }), demo: true })));
    expect(r.current.connection).toBe('live');
    expect(r.current.watcher?.state).toBe('stopped');
    expect(r.current.demo).toBe(true);
    await waitFor(() => expect(r.current.stats?.tool_latency[0].tool_name).toBe('Bash'));
    expect(fetchImpl).toHaveBeenCalledWith('/api/live/stats?tz=Europe%2FBerlin', expect.anything());
  });

  it('event, tool_call and tool_result: rows newest first, the result marks its call', () => {
    const { result: r, es } = setup();
    act(() => {
      es().emit('ready', readyPayload());
      es().emit('event', usage(1), 'u1.t0.r0.g0');
      es().emit('tool_call', call(7), 'u1.t7.r0.g0');
      es().emit('tool_result', result(7), 'u1.t7.r7.g0');
    });
    const feed = r.current.feed;
    expect(feed.map((f) => f.key)).toEqual(['r7', 't7', 'u1']);
    const callRow = feed[1];
    expect(callRow.kind === 'call' && callRow.result?.latency_ms).toBe(250);
    expect(r.current.lastEventId).toBe('u1.t7.r7.g0');
  });

  it('event_update grows the event row in place instead of adding one', () => {
    const { result: r, es } = setup();
    act(() => es().emit('event', usage(3, { output_tokens: 10 })));
    act(() => es().emit('event_update', usage(3, { output_tokens: 299, cost_usd: 0.05, update_seq: 1 })));
    expect(r.current.feed).toHaveLength(1);
    const row = r.current.feed[0];
    expect(row.kind === 'usage' && row.usage.output_tokens).toBe(299);
    expect(row.kind === 'usage' && row.updates).toBe(1);
  });

  it('dedupes by id (a replay overlapping what the page already has)', () => {
    const { result: r, es } = setup();
    act(() => {
      es().emit('event', usage(1));
      es().emit('tool_call', call(1));
      es().emit('event', usage(1));
      es().emit('tool_call', call(1));
    });
    expect(r.current.feed.map((f) => f.key)).toEqual(['t1', 'u1']);
  });

  it('keeps a ring of the last 100 rows', () => {
    const { result: r, es } = setup();
    act(() => {
      for (let i = 1; i <= 250; i++) es().emit('tool_call', call(i));
    });
    expect(r.current.feed).toHaveLength(100);
    expect(r.current.feed[0].key).toBe('t250');
    expect(r.current.feed[99].key).toBe('t151');
    expect(r.current.received).toBe(250);
  });

  it('burn_tick, sessions and watcher frames replace their slices', () => {
    const { result: r, es } = setup();
    act(() => es().emit('burn_tick', burn({ usd_per_min: 1.25 })));
    expect(r.current.burn?.usd_per_min).toBe(1.25);
    const feedBefore = r.current.feed;
    act(() => es().emit('watcher', watcher({ state: 'stopped', reason: 'heartbeat stale' })));
    expect(r.current.watcher?.reason).toBe('heartbeat stale');
    expect(r.current.feed).toBe(feedBefore);  // untouched slices keep their identity
  });

  it('a tool_result refetches the snapshot at the next burn_tick, so the latency pane is at most a tick behind', async () => {
    const latencies = stats({ tool_latency: [] });
    const { result: r, es, fetchImpl } = setup({ snapshotEveryMs: 3_600_000 }, latencies);
    act(() => es().emit('ready', readyPayload()));
    await waitFor(() => expect(r.current.stats).not.toBeNull());
    const calls = fetchImpl.mock.calls.length;
    // A tick with no result since the last snapshot: nothing to refetch.
    act(() => es().emit('burn_tick', burn()));
    expect(fetchImpl.mock.calls.length).toBe(calls);
    act(() => es().emit('tool_result', result(7)));
    expect(fetchImpl.mock.calls.length).toBe(calls);
    act(() => es().emit('burn_tick', burn()));
    expect(fetchImpl.mock.calls.length).toBe(calls + 1);
    expect(fetchImpl).toHaveBeenLastCalledWith('/api/live/stats?tz=Europe%2FBerlin', expect.anything());
    // Once per batch of results, not per tick.
    act(() => es().emit('burn_tick', burn()));
    expect(fetchImpl.mock.calls.length).toBe(calls + 1);
  });

  it('rate_limits frames replace the limits slice', () => {
    const { result: r, es } = setup();
    act(() => es().emit('rate_limits', limitsPayload()));
    expect(r.current.limits?.limits.map((l) => `${l.provider}/${l.window}`)).toEqual(['codex/five_hour', 'claude/five_hour']);
  });

  it('resync: shows resynced, refetches the snapshot, then goes back to live', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { result: r, es, fetchImpl } = setup({ resyncedForMs: 1000 });
    act(() => es().emit('ready', readyPayload()));
    const calls = fetchImpl.mock.calls.length;
    act(() => es().emit('resync', { reason: 'fell_behind', watermarks: { usage: 9, tool_calls: 9, results: 9, updates: 0, last_event_id: 'u9.t9.r9.g0' } }));
    expect(r.current.connection).toBe('resynced');
    expect(r.current.resyncs).toBe(1);
    expect(r.current.lastEventId).toBe('u9.t9.r9.g0');
    expect(fetchImpl.mock.calls.length).toBe(calls + 1);
    await act(async () => {
      vi.advanceTimersByTime(1100);
    });
    expect(r.current.connection).toBe('live');
  });

  it('error: reconnecting; a new source resumes from the position the first ready gave (no row seen yet)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { result: r, es } = setup({ backoffMs: [200] });
    act(() => es().emit('ready', readyPayload({ watermarks: { usage: 5, tool_calls: 6, results: 7, updates: 0, last_event_id: 'u5.t6.r7.g0' } })));
    const first = es();
    act(() => first.fail(0));
    expect(r.current.connection).toBe('reconnecting');
    expect(first.closed).toBe(true);
    await act(async () => {
      vi.advanceTimersByTime(300);
    });
    expect(MockEventSource.instances).toHaveLength(2);
    expect(es().url).toBe('/api/live/stream?tz=Europe%2FBerlin&since=u5.t6.r7.g0');
    act(() => es().emit('ready', readyPayload({ replay: { requested: 'u5.t6.r7.g0', frames: 3, resync: false } })));
    expect(r.current.connection).toBe('live');
    expect(r.current.connects).toBe(2);
  });

  it('error after rows: reconnects with ?since= the last row id after a backoff', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { result: r, es } = setup({ backoffMs: [500] });
    act(() => {
      es().emit('ready', readyPayload());
      es().emit('tool_call', call(4), 'u0.t4.r0.g0');
    });
    const first = es();
    act(() => first.fail(2));
    expect(r.current.connection).toBe('reconnecting');
    expect(first.closed).toBe(true);
    await act(async () => {
      vi.advanceTimersByTime(600);
    });
    expect(MockEventSource.instances).toHaveLength(2);
    expect(es().url).toBe('/api/live/stream?tz=Europe%2FBerlin&since=u0.t4.r0.g0');
    act(() => first.emit('tool_call', call(5)));  // a stale source is ignored
    expect(r.current.feed.map((f) => f.key)).toEqual(['t4']);
    act(() => es().emit('ready', readyPayload()));
    expect(r.current.connection).toBe('live');
  });

  it('ready with replay.resync: resynced (the server could not replay everything)', () => {
    const { result: r, es } = setup();
    act(() => es().emit('ready', readyPayload({ replay: { requested: 'u1.t1.r1.g0', frames: 0, resync: true } })));
    expect(r.current.connection).toBe('resynced');
  });

  it('counts malformed frames and carries on', () => {
    const { result: r, es } = setup();
    act(() => es().emitRaw('event', '{not json'));
    act(() => es().emit('event', usage(2)));
    expect(r.current.malformed).toBe(1);
    expect(r.current.feed).toHaveLength(1);
  });

  it('closes the EventSource on unmount and opens no other', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { es, unmount } = setup({ backoffMs: [100] });
    const source = es();
    unmount();
    expect(source.closed).toBe(true);
    source.fail(2);
    await act(async () => {
      vi.advanceTimersByTime(500);
    });
    expect(MockEventSource.instances).toHaveLength(1);
  });

  it('a snapshot refresh that aborts the first (backlog) fetch still opens the stream, from now', async () => {
    // A server that never answers the snapshot: only an abort ends the request.
    const fetchImpl = vi.fn(
      (_url: string, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(new Error('aborted')))),
    );
    setup({ backlog: 40, snapshotEveryMs: 20, fetchImpl });
    await waitFor(() => expect(MockEventSource.instances).toHaveLength(1));
    expect(MockEventSource.last.url).toBe('/api/live/stream?tz=Europe%2FBerlin');
  });
});
