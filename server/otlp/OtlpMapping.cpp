// See OtlpMapping.hpp. Attribute names are the agents' own (../shared/AGENT_FORMATS.md, telemetry
// sections); a record's attributes are looked up before its resource's.
#include "otlp/OtlpMapping.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>

#include "agents/AgentRegistry.hpp"
#include "agents/FieldCleaning.hpp"
#include "core/IsoTime.hpp"
#include "otlp/ForwardMapping.hpp"

namespace agentpulse {

namespace {

// A record's attributes, then its resource's.
struct Lookup {
    const OtlpAttributes& record;
    const OtlpAttributes& resource;

    const OtlpValue* find(std::string_view key) const {
        if (const OtlpValue* v = record.find(key)) return v;
        return resource.find(key);
    }
    std::string text(std::string_view key) const {
        const OtlpValue* v = find(key);
        if (!v) return {};
        switch (v->kind) {
            case OtlpValue::Kind::String: return v->text;
            case OtlpValue::Kind::Int: return std::to_string(v->i);
            case OtlpValue::Kind::Double: return std::to_string(v->d);
            case OtlpValue::Kind::Bool: return v->b ? "true" : "false";
            case OtlpValue::Kind::Empty:
            case OtlpValue::Kind::Bytes:
            case OtlpValue::Kind::Array:
            case OtlpValue::Kind::Map: return {};
        }
        return {};
    }
    // Numbers come as ints, doubles or strings, depending on the agent's SDK.
    std::optional<double> number(std::string_view key) const {
        const OtlpValue* v = find(key);
        if (!v) return std::nullopt;
        switch (v->kind) {
            case OtlpValue::Kind::Int: return static_cast<double>(v->i);
            case OtlpValue::Kind::Double: return std::isfinite(v->d) ? std::optional<double>(v->d) : std::nullopt;
            case OtlpValue::Kind::String: {
                double d = 0;
                const auto [end, ec] = std::from_chars(v->text.data(), v->text.data() + v->text.size(), d);
                if (ec != std::errc() || end != v->text.data() + v->text.size() || !std::isfinite(d)) return std::nullopt;
                return d;
            }
            case OtlpValue::Kind::Empty:
            case OtlpValue::Kind::Bool:
            case OtlpValue::Kind::Bytes:
            case OtlpValue::Kind::Array:
            case OtlpValue::Kind::Map: return std::nullopt;
        }
        return std::nullopt;
    }
    std::int64_t count(std::string_view key) const {
        const auto d = number(key);
        if (!d || *d < 0 || *d > static_cast<double>(kMaxTokensPerField)) return 0;
        return static_cast<std::int64_t>(std::llround(*d));
    }
    std::optional<std::int64_t> millis(std::string_view key) const {
        const auto d = number(key);
        if (!d || *d < 0 || *d > 1e12) return std::nullopt;
        return static_cast<std::int64_t>(std::llround(*d));
    }
    // "true"/"false" strings (Claude, Codex) or booleans (Gemini).
    std::optional<bool> flag(std::string_view key) const {
        const OtlpValue* v = find(key);
        if (!v) return std::nullopt;
        if (v->kind == OtlpValue::Kind::Bool) return v->b;
        if (v->kind == OtlpValue::Kind::String && (v->text == "true" || v->text == "false")) return v->text == "true";
        return std::nullopt;
    }
};

enum class EventKind { ClaudeApiRequest, ClaudeToolResult, CodexSseEvent, CodexToolResult, GenAiApiResponse, GenAiToolCall };

struct KnownEvent {
    std::string_view name;
    std::string_view provider;
    EventKind kind;
};

// Gemini CLI and Qwen Code share one telemetry stack (Qwen forked it): the same events under their prefix.
constexpr KnownEvent kEvents[] = {
    {"claude_code.api_request", "claude", EventKind::ClaudeApiRequest},
    {"claude_code.tool_result", "claude", EventKind::ClaudeToolResult},
    {"codex.sse_event", "codex", EventKind::CodexSseEvent},
    {"codex.tool_result", "codex", EventKind::CodexToolResult},
    {"gemini_cli.api_response", "gemini", EventKind::GenAiApiResponse},
    {"gemini_cli.tool_call", "gemini", EventKind::GenAiToolCall},
    {"qwen-code.api_response", "qwen", EventKind::GenAiApiResponse},
    {"qwen-code.tool_call", "qwen", EventKind::GenAiToolCall},
};

const KnownEvent* known(std::string_view name) {
    for (const KnownEvent& e : kEvents)
        if (e.name == name) return &e;
    return nullptr;
}

// The event's name: the LogRecord's event_name (newer SDKs), the `event.name` attribute (every agent), or
// the body (Claude Code's body is the full name while its event.name is the short one: "api_request").
std::string event_name(const OtlpLogRecord& r, const Lookup& at) {
    const std::string attr = at.text("event.name");
    const std::string body = r.body.kind == OtlpValue::Kind::String ? r.body.text : std::string();
    for (const std::string* candidate : {&r.event_name, &attr, &body})
        if (!candidate->empty() && known(*candidate)) return *candidate;
    if (!attr.empty() && attr.find('.') == std::string::npos && at.text("service.name") == "claude-code" &&
        known("claude_code." + attr))
        return "claude_code." + attr;
    if (!r.event_name.empty()) return r.event_name;
    // For the count of dropped events: a body that is a dotted name (Claude's) is the fuller name; a body
    // that is a sentence (Gemini's) is not a name.
    if (!body.empty() && body.size() <= 80 && body.find('.') != std::string::npos &&
        body.find_first_of(" \t\n") == std::string::npos)
        return body;
    return attr;
}

// The record's time: its timestamp, else the agents' `event.timestamp` attribute, else when it was observed.
std::optional<EpochMs> event_time(const OtlpLogRecord& r, const Lookup& at) {
    if (r.time_unix_nano > 0) return static_cast<EpochMs>(r.time_unix_nano / 1'000'000);
    if (const std::string iso = at.text("event.timestamp"); !iso.empty())
        if (auto ms = parse_iso8601(iso)) return ms;
    if (r.observed_time_unix_nano > 0) return static_cast<EpochMs>(r.observed_time_unix_nano / 1'000'000);
    return std::nullopt;
}

TelemetryOrigin origin_of(const Lookup& at) {
    TelemetryOrigin o;
    o.host_name = at.text("host.name");
    o.user_id = at.text("user.id");
    if (o.user_id.empty()) o.user_id = at.text("enduser.id");
    if (o.user_id.empty()) o.user_id = at.text("user.account_uuid");
    o.user_email = at.text("user.email");
    o.organization_id = at.text("organization.id");
    o.service_name = at.text("service.name");
    return o;
}

// The session: Claude, Gemini and Qwen say session.id, Codex conversation.id. Telemetry names no folder,
// so its sessions go under one project per machine ("otlp:<host.name>").
SessionRef session_of(const Lookup& at, const TelemetryOrigin& o) {
    SessionRef s;
    s.session_id = at.text("session.id");
    if (s.session_id.empty()) s.session_id = at.text("conversation.id");
    s.project_slug = o.host_name.empty() ? "otlp" : "otlp:" + o.host_name;
    s.project_name = o.host_name.empty() ? "telemetry" : o.host_name;
    s.cli_version = at.text("app.version");
    if (s.cli_version.empty()) s.cli_version = at.text("service.version");
    // The machine and person (docs/otlp.md): without host.name the machine is "unknown", not the receiver's.
    s.machine = o.host_name.empty() ? "unknown" : o.host_name;
    s.user = !o.user_email.empty() ? o.user_email : o.user_id;
    return s;
}

struct Rejected {
    std::string why;
};

// One record's parts, or why it cannot be used.
struct Mapper {
    const Lookup& at;
    const KnownEvent& ev;
    EpochMs ts;
    SessionRef session;
    std::string when;  // the record's time in ms, for keys that have nothing better

    ParsedLine line(EpochMs at_ms) const {
        ParsedLine l;
        l.ts = at_ms;
        l.session = session;
        return l;
    }

    // A tool event: the call at start (end - duration), then its result with the measured latency.
    std::vector<ParsedLine> tool(std::string tool_use_id, std::string tool_name, std::optional<bool> success,
                                 std::optional<std::int64_t> duration, std::int64_t result_bytes) const {
        if (tool_name.empty()) throw Rejected{std::string(ev.name) + " without a tool name"};
        const std::int64_t d = duration.value_or(0);
        ParsedLine call = line(ts - d);
        call.tool_calls.push_back(ToolCallRecord{tool_use_id, std::move(tool_name), std::nullopt, std::nullopt});
        ParsedLine result = line(ts);
        ToolResultRecord r;
        r.tool_use_id = tool_use_id;
        r.is_error = !success.value_or(true);
        r.result_bytes = result_bytes;
        r.latency_measured = duration.has_value();
        r.latency_ms = duration;
        result.tool_results.push_back(r);
        // A call the transcript stored first (same id) keeps its row; the measured latency still lands on it.
        if (duration) result.tool_latencies.push_back(ToolLatencyRecord{tool_use_id, *duration});
        std::vector<ParsedLine> out;  // not an initializer list: that would copy both lines
        out.reserve(2);
        out.push_back(std::move(call));
        out.push_back(std::move(result));
        return out;
    }

    std::vector<ParsedLine> usage(std::string key, std::string model, const TokenCounts& t,
                                  std::optional<double> cost) const {
        if (model.empty()) throw Rejected{std::string(ev.name) + " without a model"};
        if (!tokens_plausible(t)) throw Rejected{std::string(ev.name) + " with implausible token counts"};
        ParsedLine l = line(ts);
        UsageRecord u;
        u.dedup_key = std::move(key);
        u.model = std::move(model);
        u.tokens = t;
        u.cost_usd = cost;
        l.usage = std::move(u);
        std::vector<ParsedLine> out;
        out.push_back(std::move(l));
        return out;
    }

    std::vector<ParsedLine> map() const {
        switch (ev.kind) {
            case EventKind::ClaudeApiRequest: {
                // request_id is the transcript's requestId; without it, the session's event.sequence.
                std::string key = at.text("request_id");
                if (!key.empty()) {
                    key = "claude:otel:" + key;
                } else if (const std::string seq = at.text("event.sequence"); !seq.empty()) {
                    key = "claude:otel:" + session.session_id + ":seq:" + seq;
                } else {
                    throw Rejected{"claude_code.api_request without request_id or event.sequence"};
                }
                TokenCounts t;
                t.input = at.count("input_tokens");
                t.output = at.count("output_tokens");
                t.cache_read = at.count("cache_read_tokens");
                t.cache_create = at.count("cache_creation_tokens");
                std::optional<double> cost = at.number("cost_usd");
                if (cost && *cost < 0) cost.reset();
                return usage(std::move(key), at.text("model"), t, cost);
            }
            case EventKind::ClaudeToolResult: {
                std::string id = at.text("tool_use_id");
                if (id.empty()) {
                    const std::string seq = at.text("event.sequence");
                    if (seq.empty()) throw Rejected{"claude_code.tool_result without tool_use_id or event.sequence"};
                    id = "otel:" + session.session_id + ":seq:" + seq;
                }
                std::string name = at.text("tool_name");
                if (name.empty()) name = at.text("name");  // older versions
                return tool(std::move(id), std::move(name), at.flag("success"), at.millis("duration_ms"),
                            at.count("tool_result_size_bytes"));
            }
            case EventKind::CodexSseEvent: {
                if (at.text("event.kind") != "response.completed") return {};
                // Codex's counts: input includes the cached part.
                TokenCounts t;
                const std::int64_t input = at.count("input_token_count");
                t.cache_read = std::min(at.count("cached_token_count"), input);
                t.input = input - t.cache_read;
                t.output = at.count("output_token_count");
                t.reasoning = at.count("reasoning_token_count");
                // The response's id where the build sends it (response.id); else the conversation, the record's
                // time and its counts.
                std::string key = at.text("response.id");
                key = key.empty() ? "codex:otel:" + session.session_id + ":" + when + ":" + std::to_string(input) + ":" +
                                        std::to_string(t.output)
                                  : "codex:otel:" + key;
                return usage(std::move(key), at.text("model"), t, std::nullopt);
            }
            case EventKind::CodexToolResult: {
                std::string id = at.text("call_id");
                if (id.empty()) id = "otel:" + session.session_id + ":" + when + ":" + at.text("tool_name");
                return tool(std::move(id), at.text("tool_name"), at.flag("success"), at.millis("duration_ms"), 0);
            }
            case EventKind::GenAiApiResponse: {
                TokenCounts t = genai_tokens(at.count("input_token_count"), at.count("cached_content_token_count"),
                                             at.count("tool_token_count"),
                                             at.count("output_token_count") + at.count("thoughts_token_count"),
                                             at.count("thoughts_token_count"));
                std::string id = at.text("response_id");
                if (id.empty()) id = at.text("prompt_id") + ":" + when;
                std::string key = std::string(ev.provider) + ":otel:" + session.session_id + ":" + id;
                return usage(std::move(key), at.text("model"), t, std::nullopt);
            }
            case EventKind::GenAiToolCall: {
                std::string id = at.text("call_id");
                if (id.empty())
                    id = "otel:" + session.session_id + ":" + at.text("prompt_id") + ":" + when + ":" + at.text("function_name");
                std::optional<std::int64_t> bytes = at.millis("content_length");
                return tool(std::move(id), at.text("function_name"), at.flag("success"), at.millis("duration_ms"),
                            bytes.value_or(0));
            }
        }
        return {};
    }
};

}  // namespace

MappedLogs map_logs(const OtlpLogs& logs) {
    MappedLogs out;
    const auto reject = [&out](std::string why) {
        ++out.rejected;
        if (out.reject_message.empty()) out.reject_message = std::move(why);
    };
    for (const OtlpResourceLogs& res : logs.resources)
        for (const OtlpLogRecord& rec : res.records) {
            const Lookup at{rec.attributes, res.resource};
            const std::string name = event_name(rec, at);
            const KnownEvent* ev = known(name);
            if (!ev && name.starts_with("agentpulse.")) {
                // Rows another agentpulse forwarded (ForwardMapping; docs/teams.md).
                const auto ts = event_time(rec, at);
                ForwardLines f = ts ? forwarded_lines(name, rec.attributes, res.resource, *ts)
                                    : ForwardLines{{}, {}, name + " without a time"};
                if (!f.error.empty()) {
                    reject(std::move(f.error));
                    continue;
                }
                TelemetryOrigin origin;
                origin.host_name = f.lines.front().session.machine;
                origin.user_id = f.lines.front().session.user;
                out.records.push_back(TelemetryRecord{f.provider, name, std::move(f.lines), std::move(origin)});
                continue;
            }
            if (!ev) {
                ++out.dropped[name];
                continue;
            }
            const auto ts = event_time(rec, at);
            if (!ts) {
                reject(name + " without a time");
                continue;
            }
            TelemetryOrigin origin = origin_of(at);
            SessionRef session = session_of(at, origin);
            if (session.session_id.empty()) {
                reject(name + " without session.id (or conversation.id)");
                continue;
            }
            const std::string when = std::to_string(rec.time_unix_nano > 0 ? rec.time_unix_nano : static_cast<std::uint64_t>(*ts));
            try {
                std::vector<ParsedLine> lines = Mapper{at, *ev, *ts, std::move(session), when}.map();
                if (lines.empty()) {
                    ++out.dropped[name];  // understood, nothing to store (a Codex SSE event other than completed)
                    continue;
                }
                out.records.push_back(TelemetryRecord{ev->provider, name, std::move(lines), std::move(origin)});
            } catch (const Rejected& r) {
                reject(r.why);
            }
        }
    return out;
}

std::vector<IngestBatch> telemetry_batches(std::vector<TelemetryRecord>&& records) {
    std::vector<IngestBatch> out;
    for (TelemetryRecord& r : records) {
        auto it = std::find_if(out.begin(), out.end(), [&](const IngestBatch& b) { return b.file.provider == r.provider; });
        if (it == out.end()) {
            IngestBatch b;
            const AgentSource* agent = find_agent(r.provider);
            if (agent) b.price_family = agent->traits().prices.name;
            b.file.provider = std::string(r.provider);
            b.file.path = "otlp:" + std::string(r.provider);
            b.file.kind = "telemetry";
            out.push_back(std::move(b));
            it = out.end() - 1;
        }
        for (ParsedLine& l : r.lines) it->lines.push_back(std::move(l));
    }
    return out;
}

}  // namespace agentpulse
