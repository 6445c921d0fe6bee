// The stream merge on its own: batching per frame, ordering without sorting, results joining calls,
// updates joining events, snapshots merging with frames.
import { describe, expect, it } from 'vitest';
import { call, result, stats, usage, burn } from '../test/fixtures';
import { LiveStore } from './liveStore';

function manual() {
  let pending: (() => void) | null = null;
  const store = new LiveStore((f) => {
    pending = f;
  }, 0);
  return { store, tick: () => pending?.() };
}

const env = (type: string, payload: unknown) => JSON.stringify({ type, payload, ts: 'x' });

describe('LiveStore', () => {
  it('applies a burst of frames in one update per animation frame', () => {
    const { store, tick } = manual();
    let notified = 0;
    store.subscribe(() => notified++);
    for (let i = 1; i <= 50; i++) store.receive('tool_call', env('tool_call', call(i)));
    expect(store.getState().feed).toHaveLength(0);  // nothing until the frame
    tick();
    expect(notified).toBe(1);
    expect(store.getState().feed[0].key).toBe('t50');
  });

  it('a result in the same batch as its call marks the call and adds its own row', () => {
    const { store, tick } = manual();
    store.receive('tool_call', env('tool_call', call(1, { file_path: '/a/b/c.ts' })));
    store.receive('tool_result', env('tool_result', result(1, { is_error: true, latency_ms: 90 })));
    tick();
    const [r, c] = store.getState().feed;
    expect(r.kind).toBe('result');
    expect(r.kind === 'result' && r.filePath).toBe('/a/b/c.ts');
    expect(c.kind === 'call' && c.result?.is_error).toBe(true);
  });

  it('a result for a call already on screen replaces only that row object', () => {
    const { store, tick } = manual();
    store.receive('event', env('event', usage(1)));
    store.receive('tool_call', env('tool_call', call(2)));
    tick();
    const [callBefore, usageBefore] = store.getState().feed;
    store.receive('tool_result', env('tool_result', result(2)));
    tick();
    const [, callAfter, usageAfter] = store.getState().feed;
    expect(callAfter).not.toBe(callBefore);
    expect(usageAfter).toBe(usageBefore);  // memoised rows that did not change are not re-rendered
  });

  it('a result whose call scrolled out still shows as a row', () => {
    const { store, tick } = manual();
    store.receive('tool_result', env('tool_result', result(99)));
    tick();
    expect(store.getState().feed.map((f) => f.key)).toEqual(['r99']);
  });

  it('an update for an event no longer held is ignored without error', () => {
    const { store, tick } = manual();
    store.receive('event_update', env('event_update', usage(5, { update_seq: 1 })));
    tick();
    expect(store.getState().feed).toHaveLength(0);
  });

  it('a snapshot fills burn, sessions and watcher, and a newer tick wins over an older snapshot', () => {
    const { store, tick } = manual();
    store.receive('burn_tick', env('burn_tick', burn({ as_of: '2026-11-25T12:00:05.000Z', today_usd: 9 })));
    tick();
    store.applySnapshot(stats({ burn: burn({ as_of: '2026-11-25T12:00:00.000Z', today_usd: 1 }), demo: true }));
    tick();
    const s = store.getState();
    expect(s.burn?.today_usd).toBe(9);
    expect(s.stats?.tool_latency).toHaveLength(1);
    expect(s.demo).toBe(true);
  });

  it('a quiet stream is applied at once; a busy one at most every minIntervalMs after a burst', async () => {
    let flushes = 0;
    const store = new LiveStore((f) => {
      flushes++;
      f();
    }, 50, 2);
    store.receive('tool_call', env('tool_call', call(1)));
    store.receive('tool_call', env('tool_call', call(2)));
    expect(flushes).toBe(2);  // a burst of two, each at once
    store.receive('tool_call', env('tool_call', call(3)));
    store.receive('tool_call', env('tool_call', call(4)));
    expect(store.getState().feed).toHaveLength(2);  // held until the bucket has a flush again (~50 ms)
    await new Promise((r) => setTimeout(r, 80));
    expect(flushes).toBe(3);
    expect(store.getState().feed.map((f) => f.key)).toEqual(['t4', 't3', 't2', 't1']);
    // Quiet again after two intervals: the next frame is applied at once.
    await new Promise((r) => setTimeout(r, 120));
    store.receive('tool_call', env('tool_call', call(5)));
    expect(flushes).toBe(4);
    expect(store.getState().feed).toHaveLength(5);
  });

  it('a flush with nothing new notifies no one', () => {
    const { store, tick } = manual();
    store.receive('event', env('event', usage(1)));
    tick();
    let n = 0;
    store.subscribe(() => n++);
    store.receive('event', env('event', usage(1)));  // duplicate
    tick();
    expect(n).toBe(0);
  });

  it('an update in the same flush as its event joins the new row; bad JSON is counted, not fatal', () => {
    const { store, tick } = manual();
    store.receive('event', env('event', usage(1, { cost_usd: 1 })));
    store.receive('event_update', env('event_update', usage(1, { cost_usd: 2, update_seq: 1 })));
    store.receive('event', '{not json');
    tick();
    const s = store.getState();
    expect(s.feed).toHaveLength(1);
    expect(s.feed[0].kind === 'usage' && s.feed[0].updates).toBe(1);
    expect(s.feed[0].kind === 'usage' && s.feed[0].usage.cost_usd).toBe(2);
    expect(s.received).toBe(1);
    expect(s.malformed).toBe(1);
  });

  it('the last row id seen becomes the resume position, frames in order', () => {
    const { store, tick } = manual();
    store.receive('event', env('event', usage(1)), 'u1.t0.r0.g0');
    store.receive('tool_call', env('tool_call', call(1)), 'u1.t1.r0.g0');
    store.receive('burn_tick', env('burn_tick', burn()));  // a control frame has no id: the position stays
    tick();
    expect(store.getState().lastEventId).toBe('u1.t1.r0.g0');
    expect(store.getState().feed.map((f) => f.key)).toEqual(['t1', 'u1']);
  });
});
