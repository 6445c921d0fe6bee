// Each frame type's effect on its own, and the handler table against the server's list of types
// (streamEvents.ts is generated from server/core/StreamEvents.hpp).
import { describe, expect, it } from 'vitest';
import { burn, inFlight, readyPayload, stats } from '../test/fixtures';
import { FeedDraft } from './feedDraft';
import { applyReady, applyResync, applySnapshot, FRAME_HANDLERS } from './frameHandlers';
import { initialLiveState, type LiveState } from './liveState';
import { ROW_EVENT_TYPES, STREAM_EVENT_TYPES } from './streamEvents';
import type { ReadyPayload } from './types';

const fresh = (): LiveState => ({ ...initialLiveState });

describe('FRAME_HANDLERS', () => {
  it('handles exactly the types the server sends', () => {
    expect(Object.keys(FRAME_HANDLERS).sort()).toEqual([...STREAM_EVENT_TYPES].sort());
    for (const t of ROW_EVENT_TYPES) expect(STREAM_EVENT_TYPES).toContain(t);
  });

  it('row frames touch only the feed', () => {
    const s = fresh();
    const d = new FeedDraft([], () => true);
    FRAME_HANDLERS.event(s, d, { id: 7 });
    FRAME_HANDLERS.tool_call(s, d, { id: 8 });
    expect(d.fresh.map((f) => f.key)).toEqual(['u7', 't8']);
    expect(s).toEqual(initialLiveState);
  });
});

describe('applyReady', () => {
  it('a resumed stream the server could not replay counts as a resync', () => {
    const s = fresh();
    applyReady(s, { ...readyPayload(), replay: { requested: 'u1.t1.r1.g1', frames: 0, resync: true } } as ReadyPayload);
    expect(s.connection).toBe('resynced');
    expect(s.resyncs).toBe(1);
    expect(s.lastResync?.reason).toBe('replay_window_exceeded');
    expect(s.connects).toBe(1);
  });

  it('takes the position from the watermarks only when it has none', () => {
    const s = { ...fresh(), lastEventId: 'u5.t5.r5.g5' };
    applyReady(s, readyPayload() as ReadyPayload);
    expect(s.lastEventId).toBe('u5.t5.r5.g5');
    expect(s.connection).toBe('live');
  });
});

describe('applyResync', () => {
  it('moves the position to the server head and says why', () => {
    const s = fresh();
    applyResync(s, { reason: 'fell_behind', watermarks: { usage: 9, tool_calls: 8, results: 7, updates: 6, last_event_id: 'u9.t8.r7.g6' } });
    expect(s.lastEventId).toBe('u9.t8.r7.g6');
    expect(s.lastResync?.reason).toBe('fell_behind');
    expect(s.connection).toBe('resynced');
  });
});

describe('applySnapshot', () => {
  it('an older snapshot does not replace a newer sessions frame or burn tick', () => {
    const s: LiveState = {
      ...fresh(),
      burn: burn({ as_of: '2026-11-25T12:00:10.000Z', today_usd: 9 }),
      sessions: { sessions: [inFlight(1)], idle_after_s: 300, as_of: '2026-11-25T12:00:10.000Z' },
    };
    applySnapshot(s, stats({ as_of: '2026-11-25T12:00:00.000Z', sessions_in_flight: [] }));
    expect(s.sessions?.sessions).toHaveLength(1);
    expect(s.burn?.today_usd).toBe(9);
    expect(s.stats).not.toBeNull();
  });

  it('a newer snapshot fills sessions and keeps the idle window the stream announced', () => {
    const s: LiveState = { ...fresh(), sessions: { sessions: [], idle_after_s: 300, as_of: '2026-11-25T11:00:00.000Z' } };
    applySnapshot(s, stats({ sessions_in_flight: [inFlight(2)] }));
    expect(s.sessions?.sessions.map((x) => x.session_row)).toEqual([2]);
    expect(s.sessions?.idle_after_s).toBe(300);
  });
});
