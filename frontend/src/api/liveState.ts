// The Live tab's state as the LiveStore publishes it: the feed rows, the newest control frames, the stats
// snapshot and the connection. Plain data; liveStore.ts owns the changes.
import type { AlertPayload, BurnBlock, LimitsPayload, ReadyPayload, SessionsFrame, StatsSnapshot, ToolCall, ToolResult, UsageEvent, WatcherState } from './types';

export const FEED_LIMIT = 100;

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
  /** The plan limit windows (`rate_limits` frames). */
  limits: LimitsPayload | null;
  /** Alerts fired while this page was open (`alert` frames), newest first, at most 20. */
  alerts: AlertPayload[];
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
  limits: null,
  alerts: [],
  ready: null,
  stats: null,
  demo: false,
  lastEventId: null,
  malformed: 0,
};
