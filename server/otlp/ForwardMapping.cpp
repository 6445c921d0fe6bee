// See ForwardMapping.hpp. Attribute names: docs/teams.md ("What leaves the machine").
#include "otlp/ForwardMapping.hpp"

#include <cmath>

#include "agents/AgentRegistry.hpp"
#include "agents/FieldCleaning.hpp"

namespace agentpulse {

namespace {

OtlpValue text_value(std::string_view s) {
    OtlpValue v;
    v.kind = OtlpValue::Kind::String;
    v.text = std::string(s);
    return v;
}
OtlpValue int_value(std::int64_t i) {
    OtlpValue v;
    v.kind = OtlpValue::Kind::Int;
    v.i = i;
    return v;
}

struct Attrs {
    OtlpAttributes& a;
    Attrs& text(std::string_view k, std::string_view v) {
        if (!v.empty()) a.items.emplace_back(std::string(k), text_value(v));
        return *this;
    }
    Attrs& num(std::string_view k, std::int64_t v) {
        a.items.emplace_back(std::string(k), int_value(v));
        return *this;
    }
    Attrs& real(std::string_view k, double d) {
        OtlpValue v;
        v.kind = OtlpValue::Kind::Double;
        v.d = d;
        a.items.emplace_back(std::string(k), v);
        return *this;
    }
    Attrs& flag(std::string_view k, bool b) {
        OtlpValue v;
        v.kind = OtlpValue::Kind::Bool;
        v.b = b;
        a.items.emplace_back(std::string(k), v);
        return *this;
    }
};

std::uint64_t nanos(EpochMs ms) { return ms > 0 ? static_cast<std::uint64_t>(ms) * 1'000'000ULL : 0; }

// Reading: the record's attribute, then the resource's.
struct Reader {
    const OtlpAttributes& record;
    const OtlpAttributes& resource;
    const OtlpValue* find(std::string_view k) const {
        if (const OtlpValue* v = record.find(k)) return v;
        return resource.find(k);
    }
    std::string text(std::string_view k) const {
        const OtlpValue* v = find(k);
        return v && v->kind == OtlpValue::Kind::String ? v->text : std::string();
    }
    std::optional<std::int64_t> num(std::string_view k) const {
        const OtlpValue* v = find(k);
        if (!v) return std::nullopt;
        if (v->kind == OtlpValue::Kind::Int) return v->i;
        // The JSON mapping may turn a 64-bit integer into a string; a Collector may re-encode.
        if (v->kind == OtlpValue::Kind::String) try {
                std::size_t used = 0;
                const long long n = std::stoll(v->text, &used);
                if (used == v->text.size()) return n;
            } catch (const std::exception&) {
            }
        if (v->kind == OtlpValue::Kind::Double && std::isfinite(v->d)) return static_cast<std::int64_t>(std::llround(v->d));
        return std::nullopt;
    }
    std::int64_t count(std::string_view k) const {
        const auto n = num(k);
        return n && *n >= 0 && *n <= kMaxTokensPerField ? *n : 0;
    }
    std::optional<double> real(std::string_view k) const {
        const OtlpValue* v = find(k);
        if (!v) return std::nullopt;
        if (v->kind == OtlpValue::Kind::Double && std::isfinite(v->d)) return v->d;
        if (v->kind == OtlpValue::Kind::Int) return static_cast<double>(v->i);
        return std::nullopt;
    }
    bool flag(std::string_view k) const {
        const OtlpValue* v = find(k);
        return v && ((v->kind == OtlpValue::Kind::Bool && v->b) || (v->kind == OtlpValue::Kind::String && v->text == "true"));
    }
};

}  // namespace

OtlpLogRecord& ForwardEncoder::record(const ForwardOrigin& o, std::string_view event, EpochMs ts) {
    OtlpResourceLogs* res = nullptr;
    for (OtlpResourceLogs& r : logs_.resources) {
        const OtlpValue* host = r.resource.find("host.name");
        const OtlpValue* user = r.resource.find("enduser.id");
        if ((host ? host->text : std::string()) == o.machine && (user ? user->text : std::string()) == o.user) {
            res = &r;
            break;
        }
    }
    if (!res) {
        OtlpResourceLogs r;
        Attrs{r.resource}.text("service.name", "agentpulse").text("service.version", AGENTPULSE_VERSION)
            .text("host.name", o.machine).text("enduser.id", o.user);
        logs_.resources.push_back(std::move(r));
        res = &logs_.resources.back();
    }
    OtlpLogRecord rec;
    rec.time_unix_nano = nanos(ts);
    rec.observed_time_unix_nano = nanos(now_epoch_ms());
    rec.event_name = std::string(event);
    Attrs{rec.attributes}.text("event.name", event)
        .text("agentpulse.provider", o.provider)
        .text("session.id", o.session_id)
        .text("agentpulse.project.slug", o.project_slug)
        .text("agentpulse.project.name", o.project_name)
        .text("app.version", o.session_version);
    res->records.push_back(std::move(rec));
    ++records_;
    return res->records.back();
}

void ForwardEncoder::add(const ForwardUsage& u) {
    OtlpLogRecord& r = record(u.origin, kForwardUsage, u.ts);
    Attrs{r.attributes}.text("agentpulse.dedup_key", u.dedup_key)
        .text("model", u.model)
        .num("input_tokens", u.tokens.input)
        .num("output_tokens", u.tokens.output)
        .num("cache_read_tokens", u.tokens.cache_read)
        .num("cache_creation_tokens", u.tokens.cache_create)
        .num("cache_creation_1h_tokens", u.tokens.cache_create_1h)
        .num("reasoning_tokens", u.tokens.reasoning)
        .real("cost_usd", u.cost_usd)
        .text("agentpulse.cost_source", u.cost_source)
        .text("service_tier", u.service_tier);
}

void ForwardEncoder::add(const ForwardTool& t) {
    OtlpLogRecord& r = record(t.origin, kForwardTool, t.ts);
    Attrs a{r.attributes};
    a.text("tool_use_id", t.tool_use_id).text("tool_name", t.tool_name).num("agentpulse.call_index", t.call_index);
    if (t.file_path) a.text("agentpulse.file_path", *t.file_path);
    if (t.byte_count) a.num("agentpulse.byte_count", *t.byte_count);
    if (t.result_ts) {
        a.num("agentpulse.result_time_ms", *t.result_ts).flag("agentpulse.is_error", t.is_error)
            .num("tool_result_size_bytes", t.result_bytes);
        if (t.latency_ms) a.num("duration_ms", *t.latency_ms);
    }
}

void ForwardEncoder::add(const ForwardSession& s) {
    OtlpLogRecord& r = record(s.origin, kForwardSession, s.last_at);
    Attrs a{r.attributes};
    a.num("agentpulse.started_at_ms", s.started_at).num("agentpulse.last_at_ms", s.last_at);
    if (s.place_at) a.num("agentpulse.place_at_ms", *s.place_at).text("agentpulse.cwd", s.cwd).text("agentpulse.git_branch", s.git_branch);
    a.text("model", s.model);
}

OtlpLogs ForwardEncoder::take() {
    OtlpLogs out = std::move(logs_);
    logs_ = {};
    records_ = 0;
    return out;
}

namespace {

ParsedLine line_of(const SessionRef& session, EpochMs ts) {
    ParsedLine l;
    l.ts = ts;
    l.session = session;
    return l;
}

// agentpulse.usage: one usage row, with the cost and source it had.
std::string usage_lines(const Reader& at, const SessionRef& session, EpochMs ts, std::vector<ParsedLine>& out) {
    UsageRecord u;
    u.dedup_key = at.text("agentpulse.dedup_key");
    if (u.dedup_key.empty()) return "agentpulse.usage without agentpulse.dedup_key";
    u.model = at.text("model");
    u.tokens = {at.count("input_tokens"),      at.count("output_tokens"),           at.count("cache_read_tokens"),
                at.count("cache_creation_tokens"), at.count("cache_creation_1h_tokens"), at.count("reasoning_tokens")};
    u.service_tier = at.text("service_tier");
    u.cost_usd = at.real("cost_usd");
    u.cost_source = at.text("agentpulse.cost_source");
    u.grows = true;  // sent again when it grows at the source: the store keeps each field's maximum
    ParsedLine l = line_of(session, ts);
    l.usage = std::move(u);
    out.push_back(std::move(l));
    return {};
}

// agentpulse.tool_call: the call at its time, and its result when it landed.
std::string tool_lines(const Reader& at, const SessionRef& session, EpochMs ts, std::vector<ParsedLine>& out) {
    ToolCallRecord c;
    c.tool_use_id = at.text("tool_use_id");
    c.tool_name = at.text("tool_name");
    if (c.tool_use_id.empty() || c.tool_name.empty()) return "agentpulse.tool_call without tool_use_id or tool_name";
    if (at.record.find("agentpulse.file_path")) c.file_path = at.text("agentpulse.file_path");
    c.byte_count = at.num("agentpulse.byte_count");
    c.call_index = at.num("agentpulse.call_index").value_or(0);
    ParsedLine call = line_of(session, ts);
    call.tool_calls.push_back(c);
    out.push_back(std::move(call));
    if (const auto result_ts = at.num("agentpulse.result_time_ms")) {
        ToolResultRecord res;
        res.tool_use_id = c.tool_use_id;
        res.is_error = at.flag("agentpulse.is_error");
        res.result_bytes = at.count("tool_result_size_bytes");
        res.latency_ms = at.num("duration_ms");
        res.latency_measured = res.latency_ms.has_value();
        ParsedLine result = line_of(session, *result_ts);
        result.tool_results.push_back(res);
        out.push_back(std::move(result));
    }
    return {};
}

// agentpulse.session: three lines, as the writer reads a session's fields: its first time, the line that
// named its folder, and its latest line (version, model).
std::string session_lines(const Reader& at, SessionRef session, std::vector<ParsedLine>& out) {
    const auto started = at.num("agentpulse.started_at_ms"), last = at.num("agentpulse.last_at_ms");
    if (!started || !last) return "agentpulse.session without its times";
    const std::string version = std::move(session.cli_version);
    session.cli_version.clear();
    out.push_back(line_of(session, *started));
    if (const auto place = at.num("agentpulse.place_at_ms")) {
        ParsedLine l = line_of(session, *place);
        l.session.cwd = at.text("agentpulse.cwd");
        l.session.git_branch = at.text("agentpulse.git_branch");
        out.push_back(std::move(l));
    }
    ParsedLine l = line_of(session, *last);
    l.session.cli_version = version;
    l.session.model = at.text("model");
    out.push_back(std::move(l));
    return {};
}

}  // namespace

ForwardLines forwarded_lines(std::string_view event, const OtlpAttributes& record, const OtlpAttributes& resource,
                             EpochMs ts) {
    ForwardLines out;
    const Reader at{record, resource};
    const AgentSource* agent = find_agent(at.text("agentpulse.provider"));
    if (!agent) {
        out.error = std::string(event) + " names no agent this build knows (agentpulse.provider)";
        return out;
    }
    out.provider = agent->name();
    SessionRef session;
    session.session_id = at.text("session.id");
    if (session.session_id.empty()) {
        out.error = std::string(event) + " without session.id";
        return out;
    }
    session.project_slug = at.text("agentpulse.project.slug");
    session.project_name = at.text("agentpulse.project.name");
    session.machine = at.text("host.name");
    if (session.machine.empty()) session.machine = "unknown";
    session.user = at.text("enduser.id");
    session.cli_version = at.text("app.version");
    if (event == kForwardUsage)
        out.error = usage_lines(at, session, ts, out.lines);
    else if (event == kForwardTool)
        out.error = tool_lines(at, session, ts, out.lines);
    else if (event == kForwardSession)
        out.error = session_lines(at, session, out.lines);
    else
        out.error = "unknown agentpulse event " + std::string(event);
    return out;
}

}  // namespace agentpulse
