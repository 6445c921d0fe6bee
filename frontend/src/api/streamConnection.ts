// The app's one EventSource and the stats snapshot around it, outside React (useEventStream starts one
// per mount and closes it on unmount). Listens to every named event type with addEventListener (named
// events never reach onmessage) and feeds the LiveStore. The snapshot is fetched at start, after every
// reconnect, on `resync`, every `snapshotEveryMs`, and at the first `burn_tick` after a `tool_result`
// (so the tool latency pane shows a result within one tick period, 5 s). Connection state:
// connecting -> live; reconnecting while we retry (with backoff, resuming from our position with
// ?since=); resynced for `resyncedForMs` after the server skipped rows for us.
import { apiUrl, fetchJson } from './client';
import type { LiveStore } from './liveStore';
import { STREAM_EVENT_TYPES, type StatsSnapshot, type StreamEventType } from './types';

export interface StreamConnectionOptions {
  tz: string;
  streamPath: string;
  statsPath: string;
  snapshotEveryMs: number;
  resyncedForMs: number;
  EventSourceImpl: typeof EventSource;
  fetchImpl: typeof fetch;
  /** Reconnect delays after an error, in ms (the last one repeats); reset by each `ready`. */
  backoffMs: number[];
  /** Rows of each stream to replay on the first connection (0: start from now). */
  backlog: number;
}

export class StreamConnection {
  private closed = false;
  private es: EventSource | null = null;
  private attempt = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private resyncTimer: ReturnType<typeof setTimeout> | undefined;
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;
  private snapshotCtl: AbortController | null = null;
  /** A tool result arrived since the last snapshot: the latency pane's figures are behind. */
  private latencyBehind = false;

  constructor(
    private readonly store: LiveStore,
    private readonly o: StreamConnectionOptions,
  ) {}

  start(): void {
    if (this.o.backlog > 0) this.openWithBacklog();
    else this.open();
    this.snapshotTimer = setInterval(() => {
      if (this.store.getState().connection !== 'reconnecting') this.refreshSnapshot();
    }, this.o.snapshotEveryMs);
  }

  close(): void {
    this.closed = true;
    this.es?.close();
    this.es = null;
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.resyncTimer);
    clearInterval(this.snapshotTimer);
    this.snapshotCtl?.abort();
  }

  /** Fetches the stats snapshot (aborting one still in flight) and hands it to `then`, else calls `failed`. */
  private fetchSnapshot(then: (s: StatsSnapshot) => void, failed: () => void): void {
    this.snapshotCtl?.abort();
    const ctl = new AbortController();
    this.snapshotCtl = ctl;
    fetchJson<StatsSnapshot>(apiUrl(this.o.statsPath, { tz: this.o.tz }), ctl.signal, this.o.fetchImpl)
      .then((s) => {
        if (!this.closed && !ctl.signal.aborted) then(s);
      })
      .catch(() => {
        // Also when a newer fetch aborted this one: the first connection must not wait for it.
        if (!this.closed) failed();
      });
  }

  private refreshSnapshot(): void {
    this.latencyBehind = false;
    // On failure the stream's own state tells the user; the next refresh tries again.
    this.fetchSnapshot((s) => this.store.applySnapshot(s), () => {});
  }

  /**
   * First connection: start `backlog` rows back in each stream (the server replays them from its ring),
   * so a page opened between two bursts of activity shows the latest rows, not a blank list.
   */
  private openWithBacklog(): void {
    this.fetchSnapshot(
      (s) => {
        this.store.applySnapshot(s);
        const w = s.watermarks;
        const back = (n: number) => Math.max(0, n - this.o.backlog);
        this.open(`u${back(w.usage)}.t${back(w.tool_calls)}.r${back(w.results)}.g${w.updates}`);
      },
      () => this.open(),
    );
  }

  private open(from?: string): void {
    // A fresh EventSource cannot send Last-Event-ID: ?since= carries our position instead.
    const since = from ?? (this.attempt > 0 ? this.store.getState().lastEventId ?? undefined : undefined);
    const source = new this.o.EventSourceImpl(apiUrl(this.o.streamPath, { tz: this.o.tz, since }), { withCredentials: true });
    this.es = source;
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (ev) => {
        if (!this.closed && this.es === source) this.onFrame(type, ev as MessageEvent<string>);
      });
    }
    source.addEventListener('error', () => {
      if (!this.closed && this.es === source) this.onError(source);
    });
  }

  private onFrame(type: StreamEventType, me: MessageEvent<string>): void {
    this.store.receive(type, me.data, me.lastEventId || null);
    if (type === 'ready') {
      this.attempt = 0;
      if (safeParse(me.data)?.payload?.replay?.resync) this.markResynced();
      else this.refreshSnapshot();
    } else if (type === 'resync') {
      this.markResynced();
    } else if (type === 'tool_result') {
      this.latencyBehind = true;
    } else if (type === 'burn_tick' && this.latencyBehind) {
      this.refreshSnapshot();
    }
  }

  private onError(source: EventSource): void {
    this.store.setConnection('reconnecting');
    // We reconnect ourselves rather than let the browser retry: the browser sends Last-Event-ID only
    // once a row frame arrived, so a page that saw no row yet would skip the rows written while the
    // server was down. ?since= carries our position (from `ready` at the least).
    source.close();
    this.es = null;
    const delay = this.o.backoffMs[Math.min(this.attempt, this.o.backoffMs.length - 1)];
    this.attempt += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => {
      if (!this.closed) this.open();
    }, delay);
  }

  private markResynced(): void {
    this.store.setConnection('resynced');
    clearTimeout(this.resyncTimer);
    this.resyncTimer = setTimeout(() => {
      if (!this.closed && this.store.getState().connection === 'resynced') this.store.setConnection('live');
    }, this.o.resyncedForMs);
    this.refreshSnapshot();
  }
}

function safeParse(data: string): { payload?: { replay?: { resync?: boolean } } } | null {
  try {
    return JSON.parse(data);
  } catch {
    return null;
  }
}
