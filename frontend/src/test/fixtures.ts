// Payload builders and a scriptable EventSource for the unit tests.
import type { BurnBlock, InFlightSession, LimitsPayload, Overview, SessionSummary, StatsSnapshot, ToolCall, ToolResult, UsageEvent, UsageSum, WatcherState } from '../api/types';

export function usage(id: number, over: Partial<UsageEvent> = {}): UsageEvent {
  return {
    id,
    provider: 'claude',
    project_id: 1,
    project: 'shop',
    session_id: 'sess-1',
    session_row: 1,
    ts: '2026-11-25T12:00:00.000Z',
    model: 'claude-sonnet-4-5',
    input_tokens: 10,
    output_tokens: 5,
    cache_read_tokens: 100,
    cache_create_tokens: 0,
    cache_create_1h_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.0123,
    cost_source: 'rate_card',
    update_seq: 0,
    ...over,
  };
}

export function call(id: number, over: Partial<ToolCall> = {}): ToolCall {
  return {
    id,
    tool_use_id: `toolu_${id}`,
    provider: 'claude',
    project_id: 1,
    project: 'shop',
    session_id: 'sess-1',
    session_row: 1,
    tool_name: 'Read',
    ts: '2026-11-25T12:00:01.000Z',
    file_path: `/src/file${id}.ts`,
    byte_count: null,
    call_index: 0,
    ...over,
  };
}

export function result(id: number, over: Partial<ToolResult> = {}): ToolResult {
  return {
    id,
    tool_use_id: `toolu_${id}`,
    provider: 'claude',
    project_id: 1,
    project: 'shop',
    session_id: 'sess-1',
    session_row: 1,
    tool_name: 'Read',
    ts: '2026-11-25T12:00:01.000Z',
    result_ts: '2026-11-25T12:00:01.250Z',
    latency_ms: 250,
    is_error: false,
    result_bytes: 2048,
    byte_count: null,
    result_seq: id,
    ...over,
  };
}

export function burn(over: Partial<BurnBlock> = {}): BurnBlock {
  return {
    tz: 'UTC',
    local_date: '2026-11-25',
    utc_offset_minutes: 0,
    window_s: 300,
    window_cost_usd: 1.5,
    usd_per_min: 0.3,
    usd_per_hour: 18,
    today_usd: 12.5,
    month_to_date_usd: 250,
    projected_month_usd: 310,
    month_elapsed_fraction: 0.8,
    day_start: '2026-11-25T00:00:00.000Z',
    month_start: '2026-11-01T00:00:00.000Z',
    next_month_start: '2026-12-01T00:00:00.000Z',
    as_of: '2026-11-25T12:00:00.000Z',
    budget: null,
    ...over,
  };
}

export function watcher(over: Partial<WatcherState> = {}): WatcherState {
  return { state: 'running', reason: '', source: 'embedded', since: null, last_beat: null, pid: null, beat_age_s: null, ...over };
}

export function inFlight(row: number, over: Partial<InFlightSession> = {}): InFlightSession {
  return {
    session_row: row,
    session_id: `session-${row}-abcdef`,
    provider: 'claude',
    project: `proj${row}`,
    model: 'claude-opus-4-5',
    started_at: new Date(Date.now() - 600_000).toISOString(),
    last_activity: new Date(Date.now() - 5_000).toISOString(),
    running_tool: 'Bash',
    running_since: new Date(Date.now() - 42_000).toISOString(),
    cost_usd: 1.25,
    usage_events: 3,
    tool_calls: 4,
    ...over,
  };
}

export function stats(over: Partial<StatsSnapshot> = {}): StatsSnapshot {
  return {
    as_of: '2026-11-25T12:00:00.000Z',
    tz: 'UTC',
    window: { window_s: 300, cost_usd: 1, events: 2, sessions: 1, tool_calls: 3, tool_errors: 0, tokens: { input: 1, output: 2, cache_read: 3, cache_create: 0, cache_create_1h: 0, reasoning: 0 } },
    sessions_in_flight: [],
    burn: burn(),
    tool_latency: [
      {
        tool_name: 'Bash',
        samples: 40,
        errors: 2,
        error_rate: 0.05,
        p50_ms: 300,
        p95_ms: 2400,
        p99_ms: 9000,
        max_ms: 12000,
        window_hours: 24,
        series: Array.from({ length: 60 }, (_, i) => ({ minute: `m${i}`, samples: i % 3, p95_ms: i % 3 ? 100 * i : null })),
      },
    ],
    tool_latency_window_hours: 24,
    tool_latency_measures: 'wall time from the line holding a tool call to the line holding its result',
    watermarks: { usage: 0, tool_calls: 0, results: 0, updates: 0, last_event_id: 'u0.t0.r0.g0' },
    watcher: watcher(),
    server: { version: '0.1.0', poll_interval_ms: 5, burn_interval_s: 5 },
    ...over,
  };
}

type Listener = (e: Event) => void;

/** An EventSource the test drives: open, emit named frames, fail, and see what the hook did. */
export class MockEventSource {
  static instances: MockEventSource[] = [];
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = 0;
  closed = false;
  private listeners = new Map<string, Set<Listener>>();

  constructor(
    readonly url: string,
    readonly init?: EventSourceInit,
  ) {
    MockEventSource.instances.push(this);
  }

  static reset(): void {
    MockEventSource.instances = [];
  }
  static get last(): MockEventSource {
    return MockEventSource.instances[MockEventSource.instances.length - 1];
  }

  addEventListener(type: string, fn: Listener): void {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type)!.add(fn);
  }
  removeEventListener(type: string, fn: Listener): void {
    this.listeners.get(type)?.delete(fn);
  }
  close(): void {
    this.readyState = 2;
    this.closed = true;
  }
  listenerTypes(): string[] {
    return [...this.listeners.keys()].filter((k) => this.listeners.get(k)!.size > 0);
  }

  /** A named frame as the server writes it: data is the {type, payload, ts} envelope. */
  emit(type: string, payload: unknown, lastEventId = ''): void {
    this.readyState = 1;
    this.dispatch(type, new MessageEvent(type, { data: JSON.stringify({ type, payload, ts: '2026-11-25T12:00:00.000Z' }), lastEventId }));
  }
  emitRaw(type: string, data: string): void {
    this.dispatch(type, new MessageEvent(type, { data }));
  }
  /** A dropped connection: CONNECTING (0) if the browser retries itself, CLOSED (2) if it gave up. */
  fail(readyState: 0 | 2): void {
    this.readyState = readyState;
    this.dispatch('error', new Event('error'));
  }
  private dispatch(type: string, ev: Event): void {
    for (const fn of this.listeners.get(type) ?? []) fn(ev);
  }
}

/** A rate_limits frame: Codex's reported 5-hour window and Claude's estimated block. */
export function limitsPayload(now = Date.now()): LimitsPayload {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    as_of: iso(now),
    limits: [
      {
        provider: 'codex',
        window: 'five_hour',
        window_minutes: 300,
        used_percent: 42,
        resets_at: iso(now + 90 * 60_000),
        resets_in_s: 5400,
        expired: false,
        observed_at: iso(now - 120_000),
        age_s: 120,
        source: 'transcript',
        estimate: false,
        session_id: 'cx-1',
        limit_id: 'codex',
        plan_type: 'plus',
      },
      {
        provider: 'claude',
        window: 'five_hour',
        window_minutes: 300,
        used_percent: null,
        resets_at: iso(now + 3 * 3_600_000),
        resets_in_s: 10800,
        expired: false,
        observed_at: iso(now - 60_000),
        age_s: 60,
        source: 'estimate',
        estimate: true,
        session_id: null,
        limit_id: null,
        plan_type: null,
        started_at: iso(now - 2 * 3_600_000),
        cost_usd: 4.2,
        events: 31,
      },
    ],
  };
}

export function readyPayload(over: Record<string, unknown> = {}) {
  return {
    server_version: '0.1.0',
    watermarks: { usage: 0, tool_calls: 0, results: 0, updates: 0, last_event_id: 'u0.t0.r0.g0' },
    watcher: watcher(),
    burn_interval_s: 5,
    heartbeat_s: 15,
    retry_ms: 1000,
    tz: 'UTC',
    replay: { requested: null, frames: 0, resync: false },
    ...over,
  };
}

// An Overview of two days (the second empty) and a session row, for the downloads' tests.
function usageSum(cost: number, input: number): UsageSum {
  const tokens = { input, output: 2 * input, cache_read: 10 * input, cache_create: 3 * input, cache_create_1h: 0, reasoning: 0 };
  return { cost_usd: cost, events: 1, unpriced_events: 0, estimated_events: 0, tokens, total_tokens: 16 * input };
}

export function overviewFixture(provider = ''): Overview {
  return {
    tz: 'Europe/Paris',
    provider,
    as_of: '2026-11-25T12:00:00.000Z',
    range: { days: 2, from: '2026-11-23T23:00:00.000Z', to: '2026-11-25T23:00:00.000Z' },
    days: [
      { ...usageSum(1.5, 10), date: '2026-11-24', start: '2026-11-23T23:00:00.000Z', by_model: { 'claude-opus-4-5': 1, 'claude-sonnet-4-5': 0.5 }, by_project: {} },
      { ...usageSum(0, 0), events: 0, date: '2026-11-25', start: '2026-11-24T23:00:00.000Z', by_model: {}, by_project: {} },
    ],
    models: [],
    projects: [],
    totals: usageSum(1.5, 10),
    token_mix: { input: 0, output: 0, cache_read: 0, cache_create_5m: 0, cache_create_1h: 0, reasoning: 0 },
    cache_savings: null,
    empty: false,
  } as unknown as Overview;
}

export function session(row: number, over: Partial<SessionSummary> = {}): SessionSummary {
  return {
    ...usageSum(0.25 * row, row),
    session_row: row,
    session_id: `sess-${row}`,
    provider: 'claude',
    project: 'shop',
    project_id: 1,
    model: 'claude-sonnet-4-5',
    started_at: '2026-11-25T10:00:00.000Z',
    last_at: '2026-11-25T11:00:00.000Z',
    duration_s: 3600,
    cwd: '/home/a/shop',
    git_branch: 'main',
    tool_calls: 3,
    tool_errors: 1,
    ...over,
  } as SessionSummary;
}

