// What each stream event type does to the Live tab's state, one small function per type, and how a stats
// snapshot merges with the frames. The table is typed by StreamEventType (generated from the server's
// table, streamEvents.ts), so a type the server adds does not compile until it is handled here.
import type { FeedDraft } from './feedDraft';
import type { CallItem, LiveState, UsageItem } from './liveState';
import type {
  AlertPayload,
  BurnBlock,
  LimitsPayload,
  ReadyPayload,
  ResyncPayload,
  SessionsFrame,
  StatsSnapshot,
  StreamEventType,
  ToolCall,
  ToolResult,
  UsageEvent,
  WatcherState,
} from './types';

/** Applies one frame's payload: `s` is this flush's copy of the state, `feed` its feed changes. */
export type FrameHandler = (s: LiveState, feed: FeedDraft, payload: unknown) => void;

export function applyReady(s: LiveState, r: ReadyPayload): void {
  s.ready = r;
  s.watcher = r.watcher ?? s.watcher;
  s.connects += 1;
  s.demo = Boolean(r.demo) || s.demo;
  if (!s.lastEventId && r.watermarks?.last_event_id) s.lastEventId = r.watermarks.last_event_id;
  s.connection = r.replay?.resync ? 'resynced' : 'live';
  if (r.replay?.resync) {
    s.resyncs += 1;
    s.lastResync = { at: Date.now(), reason: 'replay_window_exceeded' };
  }
}

export function applyResync(s: LiveState, r: ResyncPayload): void {
  s.resyncs += 1;
  s.lastResync = { at: Date.now(), reason: r.reason };
  s.connection = 'resynced';
  if (r.watermarks?.last_event_id) s.lastEventId = r.watermarks.last_event_id;
}

/** A snapshot fills what frames have not (or only older frames have): a newer frame always wins. */
export function applySnapshot(s: LiveState, stats: StatsSnapshot): void {
  s.stats = stats;
  s.watcher = stats.watcher ?? s.watcher;
  if (!s.burn || stats.burn.as_of >= s.burn.as_of) s.burn = stats.burn;
  if (!s.sessions || stats.as_of >= s.sessions.as_of)
    s.sessions = { sessions: stats.sessions_in_flight, idle_after_s: s.sessions?.idle_after_s ?? 600, as_of: stats.as_of };
  if (stats.demo) s.demo = true;
}

function addResult(feed: FeedDraft, r: ToolResult): void {
  const key = `r${r.result_seq ?? r.id}`;
  if (!feed.remember(key)) return;
  // Mark the call's row done (if it is still held), and add the result as a row of its own.
  const callRow = feed.update<CallItem>(`t${r.id}`, (it) => ({ ...it, result: r }));
  feed.fresh.push({ kind: 'result', key, seq: 0, result: r, filePath: callRow?.call.file_path });
}

export const FRAME_HANDLERS: Record<StreamEventType, FrameHandler> = {
  ready: (s, _f, p) => applyReady(s, p as ReadyPayload),
  resync: (s, _f, p) => applyResync(s, p as ResyncPayload),
  burn_tick: (s, _f, p) => {
    s.burn = p as BurnBlock;
  },
  sessions: (s, _f, p) => {
    s.sessions = p as SessionsFrame;
  },
  watcher: (s, _f, p) => {
    s.watcher = p as WatcherState;
  },
  rate_limits: (s, _f, p) => {
    s.limits = p as LimitsPayload;
  },
  alert: (s, _f, p) => {
    s.alerts = [p as AlertPayload, ...s.alerts].slice(0, 20);
  },
  event: (_s, feed, p) => {
    const u = p as UsageEvent;
    feed.add({ kind: 'usage', key: `u${u.id}`, seq: 0, usage: u, updates: 0 });
  },
  // An update for an event no longer held is dropped: the row scrolled out.
  event_update: (_s, feed, p) => {
    const u = p as UsageEvent;
    feed.update<UsageItem>(`u${u.id}`, (it) => ({ ...it, usage: u, updates: it.updates + 1 }));
  },
  tool_call: (_s, feed, p) => {
    const c = p as ToolCall;
    feed.add({ kind: 'call', key: `t${c.id}`, seq: 0, call: c });
  },
  tool_result: (_s, feed, p) => addResult(feed, p as ToolResult),
};
