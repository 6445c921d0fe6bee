// The Live tab's state, fed by the one EventSource (hooks/useEventStream): a ring of the last 100 feed
// rows (newest first, deduplicated by id), the newest burn tick, sessions in flight, watcher state, the
// stats snapshot and the connection state. Incoming frames are queued and applied once per animation
// frame, so 50 events/s cost one React update per frame at most, and untouched slices keep their identity (a
// component that reads only `burn` does not re-render when a tool call lands). A busy stream is applied
// at most every 100 ms (see the constructor). No DOM, no EventSource:
// tested directly.
import type {
  BurnBlock,
  Envelope,
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

export const FEED_LIMIT = 100;
const SEEN_LIMIT = 4000;

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'resynced';

interface FeedBase {
  /** Unique per row: u<usage id>, t<tool call id>, r<result seq or call id>. */
  key: string;
  /** Arrival order (grows by one per new row): the "N new" count compares these. */
  seq: number;
}
export interface UsageItem extends FeedBase {
  kind: 'usage';
  usage: UsageEvent;
  updates: number;
}
export interface CallItem extends FeedBase {
  kind: 'call';
  call: ToolCall;
  result?: ToolResult;
}
export interface ResultItem extends FeedBase {
  kind: 'result';
  result: ToolResult;
  filePath?: string | null;
}
export type FeedItem = UsageItem | CallItem | ResultItem;

export interface LiveState {
  connection: ConnectionState;
  /** Times the stream (re)connected: 0 until the first `ready`. */
  connects: number;
  resyncs: number;
  lastResync: { at: number; reason: string } | null;
  feed: FeedItem[];
  /** Rows ever added to the feed. */
  received: number;
  burn: BurnBlock | null;
  sessions: SessionsFrame | null;
  watcher: WatcherState | null;
  ready: ReadyPayload | null;
  stats: StatsSnapshot | null;
  demo: boolean;
  lastEventId: string | null;
  /** Frames that could not be read (bad JSON): counted, never fatal. */
  malformed: number;
}

export const initialLiveState: LiveState = {
  connection: 'connecting',
  connects: 0,
  resyncs: 0,
  lastResync: null,
  feed: [],
  received: 0,
  burn: null,
  sessions: null,
  watcher: null,
  ready: null,
  stats: null,
  demo: false,
  lastEventId: null,
  malformed: 0,
};

type Action =
  | { kind: 'frame'; type: StreamEventType; payload: unknown; lastEventId: string | null }
  | { kind: 'connection'; state: ConnectionState }
  | { kind: 'snapshot'; stats: StatsSnapshot }
  | { kind: 'malformed' };

export type Scheduler = (flush: () => void) => void;

/** requestAnimationFrame where there is one (a hidden tab gets a timer instead, so state stays current). */
export const frameScheduler: Scheduler = (flush) => {
  if (typeof requestAnimationFrame === 'function' && typeof document !== 'undefined' && !document.hidden) {
    requestAnimationFrame(() => flush());
  } else {
    setTimeout(flush, 16);
  }
};

export class LiveStore {
  private state: LiveState = initialLiveState;
  private queue: Action[] = [];
  private scheduled = false;
  private listeners = new Set<() => void>();
  private seen = new Set<string>();
  private seenOrder: string[] = [];

  private lastFlush = -Infinity;

  /**
   * `minIntervalMs`: a busy stream is applied at most this often (one animation frame otherwise), so at
   * 50 events/s the page repaints ~10 times a second instead of 60 and a new row waits at most this long.
   */
  constructor(
    private readonly schedule: Scheduler = frameScheduler,
    private readonly minIntervalMs = 100,
  ) {}

  getState = (): LiveState => this.state;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** A frame from the stream: `data` is the raw `data:` text. */
  receive(type: StreamEventType, data: string, lastEventId: string | null = null): void {
    let env: Envelope;
    try {
      env = JSON.parse(data) as Envelope;
    } catch {
      this.enqueue({ kind: 'malformed' });
      return;
    }
    if (!env || typeof env !== 'object' || env.payload == null) {
      this.enqueue({ kind: 'malformed' });
      return;
    }
    this.enqueue({ kind: 'frame', type, payload: env.payload, lastEventId: lastEventId || null });
  }

  setConnection(state: ConnectionState): void {
    this.enqueue({ kind: 'connection', state });
  }

  applySnapshot(stats: StatsSnapshot): void {
    this.enqueue({ kind: 'snapshot', stats });
  }

  /** Applies everything queued now (the scheduler calls this once per frame; tests call it directly). */
  flush = (): void => {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    this.lastFlush = nowMs();
    const actions = this.queue;
    this.queue = [];
    const before = this.state;
    let s: LiveState = { ...before };
    const fresh: FeedItem[] = [];  // new rows of this flush, oldest first
    let feed = before.feed;        // copied at most once per flush, on the first in-place update
    let feedCopied = false;
    const editFeed = (index: number, item: FeedItem) => {
      if (!feedCopied) {
        feed = feed.slice();
        feedCopied = true;
      }
      feed[index] = item;
    };
    const findFresh = (key: string) => fresh.findIndex((f) => f.key === key);

    for (const a of actions) {
      if (a.kind === 'malformed') {
        s.malformed += 1;
        continue;
      }
      if (a.kind === 'connection') {
        s.connection = a.state;
        continue;
      }
      if (a.kind === 'snapshot') {
        s.stats = a.stats;
        s.watcher = a.stats.watcher ?? s.watcher;
        if (!s.burn || a.stats.burn.as_of >= s.burn.as_of) s.burn = a.stats.burn;
        if (!s.sessions || a.stats.as_of >= s.sessions.as_of)
          s.sessions = { sessions: a.stats.sessions_in_flight, idle_after_s: s.sessions?.idle_after_s ?? 600, as_of: a.stats.as_of };
        if (a.stats.demo) s.demo = true;
        continue;
      }
      if (a.lastEventId) s.lastEventId = a.lastEventId;
      switch (a.type) {
        case 'ready': {
          const r = a.payload as ReadyPayload;
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
          break;
        }
        case 'resync': {
          const r = a.payload as ResyncPayload;
          s.resyncs += 1;
          s.lastResync = { at: Date.now(), reason: r.reason };
          s.connection = 'resynced';
          if (r.watermarks?.last_event_id) s.lastEventId = r.watermarks.last_event_id;
          break;
        }
        case 'burn_tick':
          s.burn = a.payload as BurnBlock;
          break;
        case 'sessions':
          s.sessions = a.payload as SessionsFrame;
          break;
        case 'watcher':
          s.watcher = a.payload as WatcherState;
          break;
        case 'event': {
          const u = a.payload as UsageEvent;
          const key = `u${u.id}`;
          if (!this.remember(key)) break;
          fresh.push({ kind: 'usage', key, seq: 0, usage: u, updates: 0 });
          break;
        }
        case 'event_update': {
          const u = a.payload as UsageEvent;
          const key = `u${u.id}`;
          const fi = findFresh(key);
          if (fi >= 0) {
            const it = fresh[fi] as UsageItem;
            fresh[fi] = { ...it, usage: u, updates: it.updates + 1 };
            break;
          }
          const i = feed.findIndex((f) => f.key === key);
          if (i >= 0) {
            const it = feed[i] as UsageItem;
            editFeed(i, { ...it, usage: u, updates: it.updates + 1 });
          }
          break;
        }
        case 'tool_call': {
          const c = a.payload as ToolCall;
          const key = `t${c.id}`;
          if (!this.remember(key)) break;
          fresh.push({ kind: 'call', key, seq: 0, call: c });
          break;
        }
        case 'tool_result': {
          const r = a.payload as ToolResult;
          const key = `r${r.result_seq ?? r.id}`;
          if (!this.remember(key)) break;
          // Mark the call's row done (if it is still on screen), and add the result as a row of its own.
          const callKey = `t${r.id}`;
          let filePath: string | null | undefined;
          const fi = findFresh(callKey);
          if (fi >= 0) {
            const it = fresh[fi] as CallItem;
            filePath = it.call.file_path;
            fresh[fi] = { ...it, result: r };
          } else {
            const i = feed.findIndex((f) => f.key === callKey);
            if (i >= 0) {
              const it = feed[i] as CallItem;
              filePath = it.call.file_path;
              editFeed(i, { ...it, result: r });
            }
          }
          fresh.push({ kind: 'result', key, seq: 0, result: r, filePath });
          break;
        }
      }
    }

    if (fresh.length > 0) {
      let seq = before.received;
      for (const f of fresh) f.seq = ++seq;
      s.received = seq;
      // Newest first: the fresh rows reversed, then what was there; no sorting, at most 100 kept.
      const keep = Math.max(0, FEED_LIMIT - fresh.length);
      const next: FeedItem[] = [];
      for (let i = fresh.length - 1; i >= 0 && next.length < FEED_LIMIT; --i) next.push(fresh[i]);
      for (let i = 0; i < feed.length && i < keep; ++i) next.push(feed[i]);
      feed = next;
    }
    s.feed = feed;
    // Keep the old object when nothing changed at all, so no one re-renders.
    if (shallowEqual(before, s)) return;
    this.state = s;
    for (const l of Array.from(this.listeners)) l();
  };

  private enqueue(a: Action): void {
    this.queue.push(a);
    if (!this.scheduled) {
      this.scheduled = true;
      const wait = this.lastFlush + this.minIntervalMs - nowMs();
      if (wait > 0) setTimeout(() => this.schedule(this.flush), wait);
      else this.schedule(this.flush);
    }
  }

  /** False when the key was already seen (a duplicate: replay overlapping what we had). */
  private remember(key: string): boolean {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.seenOrder.push(key);
    if (this.seenOrder.length > SEEN_LIMIT) {
      const drop = this.seenOrder.splice(0, this.seenOrder.length - SEEN_LIMIT);
      for (const k of drop) this.seen.delete(k);
    }
    return true;
  }
}

function nowMs(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function shallowEqual(a: LiveState, b: LiveState): boolean {
  for (const k of Object.keys(b) as (keyof LiveState)[]) if (a[k] !== b[k]) return false;
  return true;
}
