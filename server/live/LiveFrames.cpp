// See LiveFrames.hpp. Numbers stay numbers (tokens as integers, money as doubles in USD).
#include "live/LiveFrames.hpp"

#include <boost/json.hpp>
#include <cmath>

namespace agentpulse {
namespace json = boost::json;

namespace {

json::value opt(const std::optional<std::string>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value opt(const std::optional<std::int64_t>& v) { return v ? json::value(*v) : json::value(nullptr); }
json::value opt(const std::optional<double>& v) {
    return v ? json::value(std::round(*v * 10.0) / 10.0) : json::value(nullptr);
}

void put_tokens(json::object& o, const TokenCounts& t) {
    o["input_tokens"] = t.input;
    o["output_tokens"] = t.output;
    o["cache_read_tokens"] = t.cache_read;
    o["cache_create_tokens"] = t.cache_create;
    o["cache_create_1h_tokens"] = t.cache_create_1h;
    o["reasoning_tokens"] = t.reasoning;
}

// A row's machine and user, when it was read on another machine than this server's.
void put_origin(json::object& o, const std::string& machine, const std::string& user, std::string_view local_machine) {
    if (machine == local_machine) return;
    o["machine"] = machine;
    o["user"] = user;
}

json::object tool_common(const ToolRow& r) {
    json::object o;
    o["id"] = r.id;
    o["tool_use_id"] = r.tool_use_id;
    o["provider"] = r.provider;
    o["project_id"] = r.project_id;
    o["project"] = r.project;
    o["session_id"] = r.session;
    o["session_row"] = r.session_row;
    o["tool_name"] = r.tool_name;
    o["ts"] = r.ts;
    return o;
}

}  // namespace

json::value usage_payload(const UsageRow& r, std::string_view local_machine) {
    json::object o;
    o["id"] = r.id;
    o["provider"] = r.provider;
    o["project_id"] = r.project_id;
    o["project"] = r.project;
    o["session_id"] = r.session;
    o["session_row"] = r.session_row;
    o["ts"] = r.ts;
    o["model"] = r.model;
    put_tokens(o, r.tokens);
    o["cost_usd"] = r.cost_usd;
    o["cost_source"] = r.cost_source;
    o["update_seq"] = r.update_seq;
    put_origin(o, r.machine, r.user, local_machine);
    return o;
}

json::value tool_call_payload(const ToolRow& r, std::string_view local_machine) {
    json::object o = tool_common(r);
    put_origin(o, r.machine, r.user, local_machine);
    o["file_path"] = opt(r.file_path);
    o["byte_count"] = opt(r.byte_count);
    o["call_index"] = r.call_index;
    return o;
}

json::value tool_result_payload(const ToolRow& r, std::string_view local_machine) {
    json::object o = tool_common(r);
    put_origin(o, r.machine, r.user, local_machine);
    o["result_ts"] = opt(r.result_ts);
    o["latency_ms"] = opt(r.latency_ms);
    o["is_error"] = r.is_error;
    o["result_bytes"] = opt(r.result_bytes);
    o["byte_count"] = opt(r.byte_count);
    o["result_seq"] = opt(r.result_seq);
    return o;
}

json::value watcher_payload(const WatcherState& w) {
    json::object o;
    o["state"] = w.state;
    o["reason"] = w.reason;
    o["source"] = w.source;
    o["since"] = opt(w.since);
    o["last_beat"] = opt(w.last_beat);
    o["pid"] = opt(w.pid);
    o["beat_age_s"] = opt(w.beat_age_s);
    return o;
}

json::value watermark_payload(const Watermark& w) {
    json::object o;
    o["usage"] = w.usage;
    o["tool_calls"] = w.tool_call;
    o["results"] = w.result;
    o["updates"] = w.update;
    o["last_event_id"] = w.to_string();
    return o;
}

json::value sessions_payload(const std::vector<InFlightSession>& list, EpochMs now, int idle_after_s) {
    json::array a;
    for (const InFlightSession& s : list) {
        json::object o;
        o["session_row"] = s.session_row;
        o["session_id"] = s.session;
        o["provider"] = s.provider;
        o["project"] = s.project;
        o["model"] = s.model;
        o["started_at"] = s.started_at;
        o["last_activity"] = s.last_at;
        o["running_tool"] = opt(s.running_tool);
        o["running_since"] = opt(s.running_since);
        o["cost_usd"] = s.cost_usd;
        o["usage_events"] = s.events;
        o["tool_calls"] = s.tool_calls;
        a.push_back(std::move(o));
    }
    json::object o;
    o["sessions"] = std::move(a);
    o["idle_after_s"] = idle_after_s;
    o["as_of"] = format_iso8601(now);
    return o;
}

json::value totals_payload(const WindowTotals& t, int window_s) {
    json::object o;
    o["window_s"] = window_s;
    o["cost_usd"] = t.cost_usd;
    o["events"] = t.events;
    o["sessions"] = t.sessions;
    o["tool_calls"] = t.tool_calls;
    o["tool_errors"] = t.tool_errors;
    o["tokens"] = tokens_payload(t.tokens);
    return o;
}

json::value latency_payload(const std::vector<ToolLatencySummary>& tools, int window_hours) {
    json::array a;
    for (const ToolLatencySummary& s : tools) {
        json::object o;
        o["tool_name"] = s.tool_name;
        o["samples"] = s.samples;
        o["errors"] = s.errors;
        o["error_rate"] = s.samples + s.errors > 0 ? static_cast<double>(s.errors) / static_cast<double>(std::max(s.samples, s.errors)) : 0.0;
        o["p50_ms"] = opt(s.p50_ms);
        o["p95_ms"] = opt(s.p95_ms);
        o["p99_ms"] = opt(s.p99_ms);
        o["max_ms"] = s.max_ms;
        o["window_hours"] = window_hours;
        json::array series;
        for (const ToolLatencyPoint& p : s.series) {
            json::object po;
            po["minute"] = format_iso8601(p.minute);
            po["samples"] = p.samples;
            po["p95_ms"] = opt(p.p95_ms);
            series.push_back(std::move(po));
        }
        o["series"] = std::move(series);
        a.push_back(std::move(o));
    }
    return a;
}

}  // namespace agentpulse
