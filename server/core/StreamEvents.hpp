// The live stream's event types in one table: each type's name, how it reaches a client (the preamble,
// one of the four row streams, or a control slot keeping only the newest frame) and its documentation.
// The poller, the preamble, docs/live-api.md and the dashboard's frontend/src/api/streamEvents.ts all
// follow it (the last two are generated from it; tests/unit/stream_events_test.cpp fails when they differ).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/Watermark.hpp"

namespace agentpulse {

// Frames that are not rows: a client only ever needs the newest of each kind.
enum class ControlSlot : std::uint8_t { Burn = 0, Sessions, Watcher, Resync, Limits, Alert, Heartbeat, Count };

enum class StreamEvent : std::uint8_t { Ready, Event, EventUpdate, ToolCall, ToolResult, BurnTick, Sessions, Watcher, Resync, RateLimits, Alert };

enum class Delivery : std::uint8_t {
    Preamble,  // once, when the stream opens
    Row,       // a row of one of the four streams: carries an `id:`, replayed on resume
    Control,   // latest-wins (ControlSlot)
};

struct StreamEventInfo {
    StreamEvent event;
    std::string_view name;  // the SSE `event:` and the envelope's `type`
    Delivery delivery;
    Stream stream;          // Delivery::Row only
    ControlSlot slot;       // Delivery::Control only
    std::string_view when;     // docs: when it is sent
    std::string_view payload;  // docs: what the payload holds
};

// In StreamEvent order (checked below). The text is Markdown: it becomes a row of the docs' table.
inline constexpr std::array<StreamEventInfo, 11> kStreamEvents{{
    {StreamEvent::Ready, "ready", Delivery::Preamble, Stream::Usage, ControlSlot::Count,
     "on connect, with `id:` the stream's starting position (the resume point, else the head), so a reconnect "
     "before any row still resumes exactly",
     "`server_version`, `watermarks` (see below), `watcher`, `burn_interval_s`, `heartbeat_s`, `retry_ms`, `tz`, "
     "`tz_error` (only if the zone was unknown), `replay`: `{requested` (the resume id, or null), `frames` (ring "
     "frames from the resume point on: an upper bound of the rows replayed, as frames the client already has are "
     "skipped), `resync}`, `sessions_event` (the name of the sessions frame), `demo` (true under `serve --demo`)"},
    {StreamEvent::Event, "event", Delivery::Row, Stream::Usage, ControlSlot::Count, "a new `usage_events` row",
     "`id`, `provider`, `project_id`, `project`, `session_id`, `session_row`, `ts`, `model`, `input_tokens`, "
     "`output_tokens`, `cache_read_tokens`, `cache_create_tokens`, `cache_create_1h_tokens`, `reasoning_tokens`, "
     "`cost_usd`, `cost_source`, `update_seq`; `machine` and `user` (or \"\") only for a row read on another machine than this server's"},
    {StreamEvent::EventUpdate, "event_update", Delivery::Row, Stream::UsageUpdate, ControlSlot::Count,
     "that row grew (a later line of the same response)", "same fields, same `id`, new totals"},
    {StreamEvent::ToolCall, "tool_call", Delivery::Row, Stream::ToolCall, ControlSlot::Count, "a new tool call",
     "`id`, `tool_use_id`, `provider`, `project_id`, `project`, `session_id`, `session_row`, `tool_name`, `ts`, "
     "`file_path` (or null), `byte_count` (or null), `call_index`; `machine`, `user` as for `event`"},
    {StreamEvent::ToolResult, "tool_result", Delivery::Row, Stream::ToolResult, ControlSlot::Count,
     "that call's result landed",
     "the call's fields plus `result_ts`, `latency_ms` (null if the result is timed before its call), `is_error`, "
     "`result_bytes`, `result_seq`"},
    {StreamEvent::BurnTick, "burn_tick", Delivery::Control, Stream::Usage, ControlSlot::Burn,
     "every `burn_interval_s` (5 s), for the client's `tz`", "see \"burn block\""},
    {StreamEvent::Sessions, "sessions", Delivery::Control, Stream::Usage, ControlSlot::Sessions,
     "with every `burn_tick`", "`sessions`: list of sessions in flight, `idle_after_s`, `as_of`"},
    {StreamEvent::Watcher, "watcher", Delivery::Control, Stream::Usage, ControlSlot::Watcher,
     "on connect and whenever the state (or its reason) changes; not as a stale heartbeat ages",
     "`state` (`running`, `stopped`, `unknown`), `reason`, `source` (`embedded`, `heartbeat`, `none`), `since`, "
     "`last_beat`, `pid`, `beat_age_s`"},
    {StreamEvent::Resync, "resync", Delivery::Control, Stream::Usage, ControlSlot::Resync,
     "rows were skipped for this client",
     "`reason` (`fell_behind`, `replay_window_exceeded`), `watermarks`; the client refetches `/api/live/stats` "
     "and goes on"},
    {StreamEvent::RateLimits, "rate_limits", Delivery::Control, Stream::Usage, ControlSlot::Limits,
     "on connect and, checked with every `burn_tick`, when a plan limit window changes (its figure, reset, source "
     "or the estimated block)",
     "`as_of`, `limits`: the windows as `/api/limits` gives them (docs/limits.md)"},
    {StreamEvent::Alert, "alert", Delivery::Control, Stream::Usage, ControlSlot::Alert,
     "when an alert rule fires (once per crossing; not replayed on connect)",
     "the generic webhook's body (docs/alerts.md): `idempotency_key`, `rule`, `kind`, `subject`, `level`, "
     "`threshold`, `value`, `unit`, `severity`, `title`, `text`, `fired_at`, `test`"},
}};

constexpr const StreamEventInfo& stream_event(StreamEvent e) { return kStreamEvents[static_cast<std::size_t>(e)]; }
constexpr std::string_view event_name(StreamEvent e) { return stream_event(e).name; }

// The event type of a row stream's frames.
constexpr StreamEvent row_event(Stream s) {
    for (const StreamEventInfo& i : kStreamEvents)
        if (i.delivery == Delivery::Row && i.stream == s) return i.event;
    throw "a row stream without an event type";  // not constant: a compile error in the checks below
}

namespace stream_events_detail {
constexpr bool ordered() {
    for (std::size_t i = 0; i < kStreamEvents.size(); ++i)
        if (static_cast<std::size_t>(kStreamEvents[i].event) != i) return false;
    return true;
}
constexpr bool names_unique() {
    for (std::size_t i = 0; i < kStreamEvents.size(); ++i)
        for (std::size_t j = i + 1; j < kStreamEvents.size(); ++j)
            if (kStreamEvents[i].name == kStreamEvents[j].name) return false;
    return true;
}
constexpr int rows_of(Stream s) {
    int n = 0;
    for (const StreamEventInfo& i : kStreamEvents) n += i.delivery == Delivery::Row && i.stream == s;
    return n;
}
constexpr int events_of(ControlSlot c) {
    int n = 0;
    for (const StreamEventInfo& i : kStreamEvents) n += i.delivery == Delivery::Control && i.slot == c;
    return n;
}
}  // namespace stream_events_detail

static_assert(stream_events_detail::ordered(), "kStreamEvents must list the types in StreamEvent order");
static_assert(stream_events_detail::names_unique(), "two stream event types share a name");
static_assert(stream_events_detail::rows_of(Stream::Usage) == 1 && stream_events_detail::rows_of(Stream::ToolCall) == 1 &&
                  stream_events_detail::rows_of(Stream::ToolResult) == 1 &&
                  stream_events_detail::rows_of(Stream::UsageUpdate) == 1,
              "each row stream needs exactly one event type");
static_assert(stream_events_detail::events_of(ControlSlot::Burn) == 1 &&
                  stream_events_detail::events_of(ControlSlot::Sessions) == 1 &&
                  stream_events_detail::events_of(ControlSlot::Watcher) == 1 &&
                  stream_events_detail::events_of(ControlSlot::Resync) == 1 &&
                  stream_events_detail::events_of(ControlSlot::Limits) == 1 &&
                  stream_events_detail::events_of(ControlSlot::Heartbeat) == 0,  // an SSE comment, not an event
              "each control slot but the heartbeat holds exactly one event type");

// frontend/src/api/streamEvents.ts, whole.
std::string stream_events_typescript();
// The Markdown table of docs/live-api.md (header included), without the markers around it.
std::string stream_events_markdown();

}  // namespace agentpulse
