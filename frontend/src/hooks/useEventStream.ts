// The app's one EventSource (browsers allow 6 HTTP/1.1 connections per origin). Listens to every named
// event type with addEventListener (named events never reach onmessage), feeds the LiveStore, and keeps
// the stats snapshot fresh: at start, after every reconnect, on `resync`, and every 15 s for the tool
// latency panel. Connection state: connecting -> live; reconnecting while we retry (with backoff, resuming
// from our position with ?since=); resynced for 10 s after the server skipped rows for us. Closed on unmount.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { apiUrl, fetchJson } from '../api/client';
import { LiveStore, type LiveState, type Scheduler } from '../api/liveStore';
import { STREAM_EVENT_TYPES, type StatsSnapshot } from '../api/types';

export interface EventStreamOptions {
  tz: string;
  streamPath?: string;
  statsPath?: string;
  /** Refetch the stats snapshot this often (tool latency has no frames of its own). */
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
    let closed = false;
    let es: EventSource | null = null;
    let attempt = 0;
    let reconnectTimer: ReturnType<typeof setTimeout> | undefined;
    let resyncTimer: ReturnType<typeof setTimeout> | undefined;
    let snapshotCtl: AbortController | null = null;

    const refreshSnapshot = () => {
      snapshotCtl?.abort();
      const ctl = new AbortController();
      snapshotCtl = ctl;
      fetchJson<StatsSnapshot>(apiUrl(statsPath, { tz }), ctl.signal, fetchImpl ?? fetch)
        .then((s) => {
          if (!closed && !ctl.signal.aborted) store.applySnapshot(s);
        })
        .catch(() => {
          /* the stream's own state tells the user; the next refresh tries again */
        });
    };

    const markResynced = () => {
      store.setConnection('resynced');
      clearTimeout(resyncTimer);
      resyncTimer = setTimeout(() => {
        if (!closed && store.getState().connection === 'resynced') store.setConnection('live');
      }, resyncedForMs);
      refreshSnapshot();
    };

    const open = (from?: string) => {
      // A fresh EventSource cannot send Last-Event-ID: ?since= carries our position instead.
      const since = from ?? (attempt > 0 ? store.getState().lastEventId ?? undefined : undefined);
      const url = apiUrl(streamPath, { tz, since });
      const source = new EventSourceImpl(url, { withCredentials: true });
      es = source;
      for (const type of STREAM_EVENT_TYPES) {
        source.addEventListener(type, (ev) => {
          if (closed || es !== source) return;
          const me = ev as MessageEvent<string>;
          store.receive(type, me.data, me.lastEventId || null);
          if (type === 'ready') {
            attempt = 0;
            const ready = safeParse(me.data);
            if (ready?.payload?.replay?.resync) markResynced();
            else refreshSnapshot();
          } else if (type === 'resync') {
            markResynced();
          }
        });
      }
      source.addEventListener('error', () => {
        if (closed || es !== source) return;
        store.setConnection('reconnecting');
        // We reconnect ourselves rather than let the browser retry: the browser sends Last-Event-ID
        // only once a row frame arrived, so a page that saw no row yet would skip the rows written
        // while the server was down. ?since= carries our position (from `ready` at the least).
        source.close();
        es = null;
        const delay = backoffMs[Math.min(attempt, backoffMs.length - 1)];
        attempt += 1;
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(() => {
          if (!closed) open();
        }, delay);
      });
    };

    // First connection: start `backlog` rows back in each stream (the server replays them from its
    // ring), so a page opened between two bursts of activity shows the latest rows, not a blank list.
    if (backlog > 0) {
      const ctl = new AbortController();
      snapshotCtl = ctl;
      fetchJson<StatsSnapshot>(apiUrl(statsPath, { tz }), ctl.signal, fetchImpl ?? fetch)
        .then((s) => {
          if (closed) return;
          store.applySnapshot(s);
          const w = s.watermarks;
          const back = (n: number) => Math.max(0, n - backlog);
          open(`u${back(w.usage)}.t${back(w.tool_calls)}.r${back(w.results)}.g${w.updates}`);
        })
        .catch(() => {
          if (!closed) open();
        });
    } else {
      open();
    }
    const every = setInterval(() => {
      if (store.getState().connection !== 'reconnecting') refreshSnapshot();
    }, snapshotEveryMs);

    return () => {
      closed = true;
      es?.close();
      es = null;
      clearTimeout(reconnectTimer);
      clearTimeout(resyncTimer);
      clearInterval(every);
      snapshotCtl?.abort();
    };
  }, [store, tz, streamPath, statsPath, snapshotEveryMs, resyncedForMs, EventSourceImpl, fetchImpl, backoffMs, backlog]);

  return store;
}

function safeParse(data: string): { payload?: { replay?: { resync?: boolean } } } | null {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}

/** Reads a slice of the live state; re-renders only when that slice changes identity. */
export function useLiveState<T>(store: LiveStore, select: (s: LiveState) => T): T {
  return useSyncExternalStore(store.subscribe, () => select(store.getState()), () => select(store.getState()));
}
