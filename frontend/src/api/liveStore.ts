// The Live tab's state, fed by the one EventSource (hooks/useEventStream): a ring of the last 100 feed
// rows (newest first, deduplicated by id), the newest burn tick, sessions in flight, watcher state, the
// stats snapshot and the connection state. Incoming frames are queued and applied once per animation
// frame, so 50 events/s cost one React update per frame at most, and untouched slices keep their identity (a
// component that reads only `burn` does not re-render when a tool call lands). A busy stream is applied
// at most every 100 ms (see the constructor). What each frame does is in frameHandlers.ts, the feed's
// bookkeeping in feedDraft.ts. No DOM, no EventSource: tested directly.
import { FeedDraft } from './feedDraft';
import { applySnapshot, FRAME_HANDLERS } from './frameHandlers';
import { initialLiveState, type ConnectionState, type LiveState } from './liveState';
import type { Envelope, StatsSnapshot, StreamEventType } from './types';

export { FEED_LIMIT, initialLiveState } from './liveState';
export type { CallItem, ConnectionState, FeedItem, LiveState, ResultItem, UsageItem } from './liveState';

const SEEN_LIMIT = 4000;

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

  // Flushes allowed now: a bucket of `burst` that refills one per minIntervalMs.
  private tokens: number;
  private tokensAt = -Infinity;

  /**
   * `minIntervalMs`: a busy stream is applied at most this often on average, so at 50 events/s the page
   * repaints ~10 times a second instead of 60 and a new row waits at most this long. A quiet stream's
   * frames are applied at the next animation frame: up to `burst` flushes may come back to back (a call,
   * its result and a burn tick within 100 ms each show at once), then the stream is held to the interval.
   */
  constructor(
    private readonly schedule: Scheduler = frameScheduler,
    private readonly minIntervalMs = 100,
    private readonly burst = 3,
  ) {
    this.tokens = burst;
  }

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
    this.refill();
    this.tokens = Math.max(0, this.tokens - 1);
    const actions = this.queue;
    this.queue = [];
    const next = this.reduce(this.state, actions);
    // Keep the old object when nothing changed at all, so no one re-renders.
    if (shallowEqual(this.state, next)) return;
    this.state = next;
    for (const l of Array.from(this.listeners)) l();
  };

  /** The state after `actions`, applied in order; `before` and its feed array are left as they were. */
  private reduce(before: LiveState, actions: Action[]): LiveState {
    const s: LiveState = { ...before };
    const feed = new FeedDraft(before.feed, this.remember);
    for (const a of actions) applyAction(s, feed, a);
    const merged = feed.finish(before.received);
    s.feed = merged.feed;
    s.received = merged.received;
    return s;
  }

  private enqueue(a: Action): void {
    this.queue.push(a);
    if (!this.scheduled) {
      this.scheduled = true;
      this.refill();
      const wait = this.tokens >= 1 ? 0 : (1 - this.tokens) * this.minIntervalMs;
      if (wait > 0) setTimeout(() => this.schedule(this.flush), wait);
      else this.schedule(this.flush);
    }
  }

  private refill(): void {
    const now = nowMs();
    if (this.tokensAt > -Infinity) this.tokens = Math.min(this.burst, this.tokens + (now - this.tokensAt) / this.minIntervalMs);
    this.tokensAt = now;
  }

  /** False when the key was already seen (a duplicate: replay overlapping what we had). */
  private remember = (key: string): boolean => {
    if (this.seen.has(key)) return false;
    this.seen.add(key);
    this.seenOrder.push(key);
    if (this.seenOrder.length > SEEN_LIMIT) {
      const drop = this.seenOrder.splice(0, this.seenOrder.length - SEEN_LIMIT);
      for (const k of drop) this.seen.delete(k);
    }
    return true;
  };
}

function applyAction(s: LiveState, feed: FeedDraft, a: Action): void {
  switch (a.kind) {
    case 'malformed':
      s.malformed += 1;
      return;
    case 'connection':
      s.connection = a.state;
      return;
    case 'snapshot':
      applySnapshot(s, a.stats);
      return;
    case 'frame':
      if (a.lastEventId) s.lastEventId = a.lastEventId;
      FRAME_HANDLERS[a.type]?.(s, feed, a.payload);
      return;
  }
}

function nowMs(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

function shallowEqual(a: LiveState, b: LiveState): boolean {
  for (const k of Object.keys(b) as (keyof LiveState)[]) if (a[k] !== b[k]) return false;
  return true;
}
