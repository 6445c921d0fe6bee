// The app's one EventSource (browsers allow 6 HTTP/1.1 connections per origin), as a hook: a LiveStore for the
// component's life and a StreamConnection (api/streamConnection.ts: the stream, its reconnects and the
// stats snapshot) per set of options, closed on unmount.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { LiveStore, type LiveState, type Scheduler } from '../api/liveStore';
import { StreamConnection } from '../api/streamConnection';

export interface EventStreamOptions {
  tz: string;
  streamPath?: string;
  statsPath?: string;
  /**
   * Refetch the stats snapshot this often (tool latency has no frames of its own; a tool_result also
   * refetches it at the next burn_tick).
   */
  snapshotEveryMs?: number;
  resyncedForMs?: number;
  EventSourceImpl?: typeof EventSource;
  fetchImpl?: typeof fetch;
  scheduler?: Scheduler;
  /** Apply a busy stream at most this often (default 100 ms). */
  minIntervalMs?: number;
  /** Rows of each stream to replay on the first connection (0: start from now). */
  backlog?: number;
  /** Reconnect delays after an error, in ms (the last one repeats); reset by each `ready`. */
  backoffMs?: number[];
}

const DEFAULT_BACKOFF_MS = [500, 1000, 2000, 5000];

export function useEventStream(opts: EventStreamOptions): LiveStore {
  const [store] = useState(() => new LiveStore(opts.scheduler, opts.minIntervalMs));
  const {
    tz,
    streamPath = '/api/live/stream',
    statsPath = '/api/live/stats',
    snapshotEveryMs = 15_000,
    resyncedForMs = 10_000,
    EventSourceImpl = typeof EventSource !== 'undefined' ? EventSource : undefined,
    fetchImpl,
    backoffMs = DEFAULT_BACKOFF_MS,
    backlog = 40,
  } = opts;

  useEffect(() => {
    if (!EventSourceImpl) return;
    const c = new StreamConnection(store, {
      tz,
      streamPath,
      statsPath,
      snapshotEveryMs,
      resyncedForMs,
      EventSourceImpl,
      fetchImpl: fetchImpl ?? fetch,
      backoffMs,
      backlog,
    });
    c.start();
    return () => c.close();
  }, [store, tz, streamPath, statsPath, snapshotEveryMs, resyncedForMs, EventSourceImpl, fetchImpl, backoffMs, backlog]);

  return store;
}

/** Reads a slice of the live state; re-renders only when that slice changes identity. */
export function useLiveState<T>(store: LiveStore, select: (s: LiveState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()), () => select(store.getState()));
}
