// Generated from server/core/StreamEvents.hpp (the stream's event types): do not edit by hand.
// tests/unit/stream_events_test.cpp fails while this file differs from that table; run it with
// AGENTPULSE_WRITE_GENERATED=1 to rewrite this file, then handle the new type in liveStore.ts.

/** Every event type of /api/live/stream, in the server's order. */
export const STREAM_EVENT_TYPES = [
  // on connect, with `id:` the stream's starting position (the resume point, else the head), so a reconnect before any row still resumes exactly
  'ready',
  // a new `usage_events` row
  'event',
  // that row grew (a later line of the same response)
  'event_update',
  // a new tool call
  'tool_call',
  // that call's result landed
  'tool_result',
  // every `burn_interval_s` (5 s), for the client's `tz`
  'burn_tick',
  // with every `burn_tick`
  'sessions',
  // on connect and whenever the state (or its reason) changes; not as a stale heartbeat ages
  'watcher',
  // rows were skipped for this client
  'resync',
  // on connect and, checked with every `burn_tick`, when a plan limit window changes (its figure, reset, source or the estimated block)
  'rate_limits',
  // when an alert rule fires (once per crossing; not replayed on connect)
  'alert',
] as const;

export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];

/** The row streams' types: frames that carry an `id:` (a watermark) and are replayed on resume. */
export const ROW_EVENT_TYPES = [
  'event',
  'event_update',
  'tool_call',
  'tool_result',
] as const;

export type RowEventType = (typeof ROW_EVENT_TYPES)[number];
