// Every payload the dashboard reads, in one place, mirroring docs/live-api.md. Money is USD as a number,
// tokens integers, times ISO-8601 UTC strings. Change a field here and the compiler finds every reader.

// ---- The live stream (/api/live/stream) ----

// The event types come from the server's table (server/core/StreamEvents.hpp), generated into
// streamEvents.ts: never written here by hand.
export { ROW_EVENT_TYPES, STREAM_EVENT_TYPES, type RowEventType, type StreamEventType } from './streamEvents';
import type { StreamEventType } from './streamEvents';

/** Every `data:` line: `{"type", "payload", "ts"}`. */
export interface Envelope<T = unknown> {
  type: StreamEventType;
  payload: T;
  ts: string;
}

export interface Watermarks {
  usage: number;
  tool_calls: number;
  results: number;
  updates: number;
  last_event_id: string;
}

export type WatcherStateName = 'running' | 'stopped' | 'unknown';

export interface WatcherState {
  state: WatcherStateName;
  reason: string;
  source: 'embedded' | 'heartbeat' | 'none' | string;
  since: string | null;
  last_beat: string | null;
  pid: number | null;
  beat_age_s: number | null;
}

/** One plan limit window of one agent (`/api/limits`, the `rate_limits` frame; docs/limits.md). */
export interface LimitWindow {
  provider: string;
  /** five_hour, weekly, or `<N>m` for another length. */
  window: string;
  window_minutes: number | null;
  /** Null for an estimate: the plan's cap is unknown. */
  used_percent: number | null;
  resets_at: string | null;
  resets_in_s: number | null;
  /** The window has reset since it was reported. */
  expired: boolean;
  observed_at: string;
  age_s: number;
  source: 'transcript' | 'statusline' | 'estimate' | string;
  estimate: boolean;
  session_id: string | null;
  limit_id: string | null;
  plan_type: string | null;
  /** Estimates only. */
  started_at?: string | null;
  cost_usd?: number;
  events?: number;
}

export interface LimitsPayload {
  as_of: string;
  limits: LimitWindow[];
}

/** An alert that fired: the `alert` frame's payload and the generic webhook's body (docs/alerts.md). */
export interface AlertPayload {
  idempotency_key: string;
  rule: string;
  kind: string;
  subject: string;
  level: number;
  threshold: number;
  value: number;
  unit: string;
  severity: 'info' | 'warning' | 'critical' | string;
  title: string;
  text: string;
  fired_at: string;
  test: boolean;
}

export interface AlertRuleState {
  id: string;
  kind: string;
  description: string;
  thresholds: number[];
  channels: string[];
  status: 'armed' | 'fired' | string;
  last_fired_at: string | null;
  state: { subject: string; level: number; value: number; since: string; last_fired_at: string | null }[];
}

export interface AlertOutboxJob {
  id: number;
  channel: string;
  channel_kind: string;
  status: string;
  attempts: number;
  queued_at: string;
  last_status: number | null;
  last_error: string;
  next_attempt_at: string | null;
  done_at: string | null;
  alert: AlertPayload;
}

/** `/api/alerts`: the rules with their state, recent firings, the outbox and its dead letters. */
export interface AlertsReport {
  rules: AlertRuleState[];
  channels: { name: string; kind: string; host: string }[];
  firings: AlertPayload[];
  pending: AlertOutboxJob[];
  dead_letters: AlertOutboxJob[];
  outbox: { pending: number; sent: number; dead: number };
}

export interface ReadyPayload {
  server_version: string;
  watermarks: Watermarks;
  watcher: WatcherState;
  burn_interval_s: number;
  heartbeat_s: number;
  retry_ms: number;
  tz: string;
  tz_error?: string;
  replay: { requested: string | null; frames: number; resync: boolean };
  sessions_event?: string;
  demo?: boolean;
}

export interface UsageEvent {
  id: number;
  provider: AgentName;
  project_id: number;
  project: string;
  session_id: string;
  session_row: number;
  ts: string;
  model: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_create_tokens: number;
  cache_create_1h_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  cost_source: string;
  update_seq: number;
  /** Where the row was read: only on rows from another machine than the server's (docs/teams.md). */
  machine?: string;
  /** Whose it is, when the source says ("" otherwise). */
  user?: string;
}

interface ToolCommon {
  id: number;
  tool_use_id: string;
  provider: AgentName;
  project_id: number;
  project: string;
  session_id: string;
  session_row: number;
  tool_name: string;
  ts: string;
  machine?: string;
  user?: string;
}

export interface ToolCall extends ToolCommon {
  file_path: string | null;
  byte_count: number | null;
  call_index: number;
}

export interface ToolResult extends ToolCommon {
  result_ts: string | null;
  latency_ms: number | null;
  is_error: boolean;
  result_bytes: number | null;
  byte_count: number | null;
  result_seq: number | null;
}

export interface Budget {
  budget_usd: number;
  used_fraction: number;
  projected_fraction: number;
  status: 'ok' | 'warning' | 'over';
}

/** The burn block: `burn_tick` payload, `stats.burn` and `overview.burn`. */
export interface BurnBlock {
  tz: string;
  local_date: string;
  utc_offset_minutes: number;
  window_s: number;
  window_cost_usd: number;
  usd_per_min: number;
  usd_per_hour: number;
  today_usd: number;
  month_to_date_usd: number;
  projected_month_usd: number;
  month_elapsed_fraction: number;
  day_start: string;
  month_start: string;
  next_month_start: string;
  as_of: string;
  interval_s?: number;
  budget: Budget | null;
}

export interface InFlightSession {
  session_row: number;
  session_id: string;
  provider: AgentName;
  project: string;
  model: string;
  started_at: string;
  last_activity: string;
  running_tool: string | null;
  running_since: string | null;
  cost_usd: number;
  usage_events: number;
  tool_calls: number;
}

export interface SessionsFrame {
  sessions: InFlightSession[];
  idle_after_s: number;
  as_of: string;
}

export interface ResyncPayload {
  reason: 'fell_behind' | 'replay_window_exceeded' | string;
  watermarks: Watermarks;
}

// ---- /api/live/stats ----

export interface LatencyPoint {
  minute: string;
  samples: number;
  p95_ms: number | null;
}

export interface ToolLatency {
  tool_name: string;
  samples: number;
  errors: number;
  error_rate: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  max_ms: number;
  window_hours: number;
  series: LatencyPoint[];
}

export interface TokenTotals {
  input: number;
  output: number;
  cache_read: number;
  cache_create: number;
  cache_create_1h: number;
  reasoning: number;
}

export interface StatsSnapshot {
  as_of: string;
  tz: string;
  tz_error?: string;
  window: {
    window_s: number;
    cost_usd: number;
    events: number;
    sessions: number;
    tool_calls: number;
    tool_errors: number;
    tokens: TokenTotals;
  };
  sessions_in_flight: InFlightSession[];
  burn: BurnBlock;
  tool_latency: ToolLatency[];
  tool_latency_window_hours: number;
  tool_latency_measures: string;
  watermarks: Watermarks;
  watcher: WatcherState;
  server: { version: string; poll_interval_ms: number; burn_interval_s: number };
  demo?: boolean;
}

// ---- Dashboard endpoints (/api/config, /api/overview, /api/sessions) ----

/**
 * An agent's name as stored in `provider` (`claude`, `codex`, ...): one of the server's `agents`, or a
 * name this dashboard was not told about (a store written by a newer version), shown as it is.
 */
export type AgentName = string;

/** One agent the server reads (`/api/config` `agents`): the one table the dashboard labels agents by. */
export interface AgentInfo {
  name: AgentName;
  label: string;
  /** A CSS colour (`#rrggbb`). */
  color: string;
  /**
   * Whether its tool calls have a measured latency (false: the agent writes a call down only once it is
   * complete, with no start time). Absent from older servers: taken as true.
   */
  tool_latency?: boolean;
}

export interface WatchedRoot {
  provider: AgentName;
  path: string;
  exists: boolean;
  flag: string;
  env: string;
  default: string;
  files: number;
  bytes: number;
}

export interface ServerConfig {
  version: string;
  demo: boolean;
  watcher_mode: 'embedded' | 'external';
  store: string;
  budget_usd: number | null;
  token_required: boolean;
  has_activity: boolean;
  demo_folder?: string;
  /** Absent from servers older than the agent table: the dashboard then shows raw names. */
  agents?: AgentInfo[];
  roots: WatchedRoot[];
  /** This server's machine name: feed rows from another machine are labelled with theirs. */
  machine?: string;
  /** Where this server forwards its rows (--forward), or "". */
  forward?: string;
  transcript_files: { provider: AgentName; kind: string; files: number; bytes: number }[];
}

export interface UsageSum {
  cost_usd: number;
  events: number;
  unpriced_events: number;
  /** Responses that named no model, priced as the card's estimate (absent from older servers). */
  estimated_events?: number;
  tokens: TokenTotals;
  total_tokens: number;
}

export interface OverviewDay extends UsageSum {
  date: string;
  start: string;
  by_model: Record<string, number>;
  by_project: Record<string, number>;
}

export interface ModelRow extends UsageSum {
  model: string;
  provider: AgentName;
  share: number;
}

export interface ProjectRow extends UsageSum {
  project: string;
  share: number;
}

/** One machine's spend over the overview's range (`machines`, costliest first). */
export interface MachineSpendRow extends UsageSum {
  machine: string;
  share: number;
}

/** One agent's spend over the overview's range (`agents`, costliest first). */
export interface AgentSpendRow extends UsageSum {
  provider: AgentName;
  share: number;
}

export interface Overview {
  tz: string;
  /** The agent every figure is restricted to; "" (or absent, from an older server) = every agent. */
  provider?: AgentName;
  /** The machine every figure is restricted to; "" (or absent) = every machine. */
  machine?: string;
  tz_error?: string;
  as_of: string;
  range: { days: number; from: string; to: string };
  days: OverviewDay[];
  models: ModelRow[];
  projects: ProjectRow[];
  /** Spend per agent (absent from servers older than the agent filter). */
  agents?: AgentSpendRow[];
  /** Spend per machine (absent from servers older than machines). */
  machines?: MachineSpendRow[];
  totals: UsageSum;
  token_mix: {
    input: number;
    output: number;
    cache_read: number;
    cache_create_5m: number;
    cache_create_1h: number;
    reasoning: number;
  };
  cache_savings: {
    saved_usd: number;
    at_input_rate_usd: number;
    at_cache_rate_usd: number;
    cache_read_tokens: number;
    unpriced_cache_read_tokens: number;
  } | null;
  burn: BurnBlock;
  empty: boolean;
}

export const SESSION_SORT_KEYS = [
  'last_at',
  'started_at',
  'duration',
  'project',
  'model',
  'provider',
  'cost',
  'tokens',
  'events',
  'tool_calls',
  'errors',
] as const;
export type SessionSortKey = (typeof SESSION_SORT_KEYS)[number];

export interface SessionSummary {
  session_row: number;
  session_id: string;
  provider: AgentName;
  project: string;
  project_id: number;
  model: string;
  started_at: string;
  last_at: string;
  duration_s: number | null;
  cwd: string;
  git_branch: string;
  /** Absent from servers older than machines. */
  machine?: string;
  user?: string;
  cost_usd: number;
  events: number;
  unpriced_events: number;
  /** Responses that named no model, priced as the card's estimate (absent from older servers). */
  estimated_events?: number;
  tool_calls: number;
  tool_errors: number;
  tokens: TokenTotals;
  total_tokens: number;
}

export interface SessionPage {
  total: number;
  limit: number;
  offset: number;
  sort: SessionSortKey;
  dir: 'asc' | 'desc';
  filters: { project: string; model: string; provider: AgentName; q: string };
  sessions: SessionSummary[];
  facets: { projects: string[]; models: string[]; machines?: string[] };
}

export interface SessionToolCall {
  id: number;
  ts: string;
  tool_name: string;
  tool_use_id: string;
  call_index: number;
  file_path: string | null;
  byte_count: number | null;
  result_ts: string | null;
  latency_ms: number | null;
  result_bytes: number | null;
  is_error: boolean;
  pending: boolean;
}

export interface SessionDetail {
  session: SessionSummary;
  tool_calls: SessionToolCall[];
  tool_calls_total: number;
  tool_calls_truncated: boolean;
  tools: {
    tool_name: string;
    calls: number;
    errors: number;
    samples: number;
    p50_ms: number | null;
    p95_ms: number | null;
    max_ms: number | null;
  }[];
  cost_series: { ts: string; cost_usd: number; cumulative_usd: number; model: string; unpriced: boolean; estimated?: boolean }[];
  cost_points_total: number;
  cost_by_model: Record<string, number>;
}

export interface ApiError {
  error: { status: number; message: string };
}
