// Qwen Code chat record format: docs/formats.md, "Qwen Code". System records (telemetry copies, titles,
// compression checkpoints) and unknown types are ignored, never an error: usage is counted from the
// assistant records only, since the ui_telemetry copies repeat the same counts. The one system record read
// is a qwen-code.tool_call telemetry copy, for its duration_ms: it names no call id, so it is paired with a
// recent call of the same agent, function name and arguments, and only when exactly one call fits.
#include "agents/qwen/QwenLineParser.hpp"

#include <algorithm>
#include <cstdlib>

#include "agents/FieldCleaning.hpp"
#include "core/Hash.hpp"
#include "core/JsonFields.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

constexpr std::int64_t kMaxToolDurationMs = 7LL * 24 * 3'600'000;

// A call's identity as a telemetry record repeats it: the function's name and its arguments.
std::uint64_t call_key(std::string_view name, const json::value* args) {
    std::string text(name);
    text.push_back('\0');
    text += args ? json::serialize(*args) : std::string("null");
    return fnv1a64(text);
}

// usageMetadata (the GenAI shape) of one model response. The prompt count includes the cached part.
// Thoughts are billed as output; whether candidatesTokenCount already holds them depends on the backend
// (OpenAI-compatible ones put reasoning inside the completion count, Gemini's API does not), and the
// total tells which: when it covers prompt + candidates + thoughts, the thoughts were separate.
TokenCounts read_usage(const json::value* usage, bool& bad) {
    const std::int64_t prompt = read_count(jf::field(usage, "promptTokenCount"), bad);
    const std::int64_t cached = read_count(jf::field(usage, "cachedContentTokenCount"), bad);
    const std::int64_t candidates = read_count(jf::field(usage, "candidatesTokenCount"), bad);
    const std::int64_t thoughts = read_count(jf::field(usage, "thoughtsTokenCount"), bad);
    const std::int64_t tool_prompt = read_count(jf::field(usage, "toolUsePromptTokenCount"), bad);
    const std::int64_t total = read_count(jf::field(usage, "totalTokenCount"), bad);
    const bool thoughts_separate = thoughts > 0 && total >= prompt + tool_prompt + candidates + thoughts;
    return genai_tokens(prompt, cached, tool_prompt, thoughts_separate ? candidates + thoughts : candidates, thoughts);
}

// Bytes a tool writes: the length of the argument that holds the new text; nullopt for other tools.
std::optional<std::int64_t> written_bytes(std::string_view tool, const json::value* args) {
    const char* key = tool == "write_file" ? "content" : (tool == "edit" || tool == "replace") ? "new_string" : nullptr;
    if (!key) return std::nullopt;
    return string_bytes(jf::field(args, key));
}

// The functionCall parts of a model message.
void read_tool_calls(const json::array& parts, ParsedLine& out, LineIssue& issue) {
    for (const json::value& part : parts) {
        const json::value* call = jf::field(part, "functionCall");
        const std::string_view id = jf::str(jf::field(call, "id"));
        if (id.empty()) continue;
        ToolCallRecord& c = out.tool_calls.emplace_back();
        c.tool_use_id = clean_text(id, issue);
        c.tool_name = clean_text(jf::str(jf::field(call, "name"), "unknown"), issue);
        const json::value* args = jf::field(call, "args");
        c.file_path = first_path(args, {"file_path", "absolute_path", "path"}, issue);
        c.byte_count = written_bytes(c.tool_name, args);
        c.command = command_text(args, {"command"});
    }
}

// The size of a function response: its output (or error) text.
std::int64_t response_size(const json::value* response) {
    for (const char* key : {"output", "error"})
        if (const json::value* v = jf::field(response, key); v && v->is_string()) return string_bytes(v);
    return 0;
}

// A tool_result record: the functionResponse parts it sends back, failed when toolCallResult says so.
void read_tool_results(const json::value* root, const json::array* parts, ParsedLine& out, LineIssue& issue) {
    const json::value* result = jf::field(root, "toolCallResult");
    const json::value* error = jf::field(result, "error");
    const bool failed = (error && !error->is_null()) || jf::str(jf::field(result, "status")) == "error";
    const std::string_view failed_id = jf::str(jf::field(result, "callId"));
    if (parts) {
        for (const json::value& part : *parts) {
            const json::value* response = jf::field(part, "functionResponse");
            const std::string_view id = jf::str(jf::field(response, "id"));
            if (id.empty()) continue;
            ToolResultRecord& r = out.tool_results.emplace_back();
            r.tool_use_id = clean_text(id, issue);
            r.is_error = failed && (failed_id.empty() || failed_id == id);
            r.result_bytes = response_size(jf::field(response, "response"));
        }
    }
    if (out.tool_results.empty() && !failed_id.empty()) {
        ToolResultRecord& r = out.tool_results.emplace_back();
        r.tool_use_id = clean_text(failed_id, issue);
        r.is_error = failed;
    }
}

}  // namespace

LineOutcome QwenLineParser::parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) {
    issue = LineIssue::None;
    const json::value* root = reader_.parse_object(line, issue);
    if (!root) return LineOutcome::Rejected;
    const std::string_view type = jf::str(jf::field(root, "type"));
    if (type == "system" && jf::str(jf::field(root, "subtype")) == "ui_telemetry")
        return read_telemetry(root, line_no, out, issue);
    if (type != "user" && type != "assistant" && type != "tool_result") return LineOutcome::Ignored;

    out.line_no = line_no;
    if (!clock_.stamp(jf::str(jf::field(root, "timestamp")), out, issue)) return LineOutcome::Rejected;
    if (!read_session(root, out.session, issue)) {
        issue = LineIssue::MissingField;
        return LineOutcome::Rejected;
    }

    MessageRecord& m = out.message.emplace();
    // The same uuid in a forked session's copy of a parent record: the copy is the same row.
    const std::string_view uuid = jf::str(jf::field(root, "uuid"));
    m.line_key = uuid.empty() ? "qwen:line:" + hex64(fnv1a64(line)) : "qwen:" + clean_text(uuid, issue);
    if (const std::string_view parent = jf::str(jf::field(root, "parentUuid")); !parent.empty())
        m.parent_key = "qwen:" + clean_text(parent, issue);
    m.kind = std::string(type);
    m.role = type == "assistant" ? "assistant" : "user";
    m.is_sidechain = jf::boolean(jf::field(root, "isSidechain"));
    m.agent_id = clean_text(jf::str(jf::field(root, "agentId")), issue);

    const json::array* parts = jf::array(jf::field(jf::field(root, "message"), "parts"));
    if (type == "tool_result") {
        read_tool_results(root, parts, out, issue);
        attach_durations(out);
        return LineOutcome::Record;
    }
    m.text = said_text(jf::field(jf::field(root, "message"), "parts"), "");  // a prompt, or the model's answer
    if (type != "assistant") return LineOutcome::Record;

    m.model = clean_text(jf::str(jf::field(root, "model")), issue);
    const json::value* usage = jf::field(root, "usageMetadata");
    bool bad_usage = usage && !usage->is_null() && !usage->is_object();
    m.tokens = read_usage(usage, bad_usage);
    if (bad_usage && issue == LineIssue::None) issue = LineIssue::MissingField;
    if (jf::object(usage) && !m.tokens.empty()) {
        if (!tokens_plausible(m.tokens)) {
            issue = LineIssue::AbsurdTokens;
            m.tokens = {};
        } else {
            UsageRecord& u = out.usage.emplace();
            u.dedup_key = m.line_key;  // one record per model response, written once
            u.model = m.model;
            u.tokens = m.tokens;
            u.grows = false;
        }
    }
    if (parts) {
        read_tool_calls(*parts, out, issue);
        remember_calls(out, *parts, m.agent_id);
    }
    return LineOutcome::Record;
}

void QwenLineParser::remember_calls(const ParsedLine& out, const json::array& parts, std::string_view agent) {
    if (out.tool_calls.empty()) return;
    std::size_t i = 0;
    for (const json::value& part : parts) {
        const json::value* call = jf::field(part, "functionCall");
        if (jf::str(jf::field(call, "id")).empty()) continue;
        if (i >= out.tool_calls.size()) break;
        RecentCall& c = calls_.emplace_back();
        c.id = out.tool_calls[i++].tool_use_id;
        c.agent = std::string(agent);
        c.key = call_key(jf::str(jf::field(call, "name"), "unknown"), jf::field(call, "args"));
    }
    while (calls_.size() > kCallWindow) calls_.pop_front();
}

// A result whose call's duration is known takes it as its latency; otherwise the call remembers that its
// result is stored, so that a later telemetry record sets the latency on the stored row.
void QwenLineParser::attach_durations(ParsedLine& out) {
    for (ToolResultRecord& r : out.tool_results) {
        const auto it = std::find_if(calls_.begin(), calls_.end(), [&](const RecentCall& c) { return c.id == r.tool_use_id; });
        if (it == calls_.end()) continue;
        if (it->duration_ms) {
            r.latency_ms = it->duration_ms;
            calls_.erase(it);
        } else {
            it->result_seen = true;
        }
    }
}

LineOutcome QwenLineParser::read_telemetry(const json::value* root, std::int64_t line_no, ParsedLine& out,
                                           LineIssue& issue) {
    const json::value* event = jf::field(jf::field(root, "systemPayload"), "uiEvent");
    if (jf::str(jf::field(event, "event.name")) != "qwen-code.tool_call") return LineOutcome::Ignored;
    const std::optional<std::int64_t> duration = jf::integer(jf::field(event, "duration_ms"));
    if (!duration || *duration < 0 || *duration > kMaxToolDurationMs) return LineOutcome::Ignored;
    LineIssue agent_issue = LineIssue::None;  // only the call it names matters here
    const std::string agent = clean_text(jf::str(jf::field(root, "agentId")), agent_issue);
    const std::string_view name = jf::str(jf::field(event, "function_name"));
    if (name.empty()) return LineOutcome::Ignored;
    const std::uint64_t key = call_key(name, jf::field(event, "function_args"));
    const auto fits = [&](const RecentCall& c) { return !c.duration_ms && c.key == key && c.agent == agent; };
    const auto n = std::count_if(calls_.begin(), calls_.end(), fits);
    if (n != 1) {
        // Two calls it could be (the same function with the same arguments): never guess; neither is paired.
        std::erase_if(calls_, fits);
        return LineOutcome::Ignored;
    }
    const auto it = std::find_if(calls_.begin(), calls_.end(), fits);
    if (!it->result_seen) {
        it->duration_ms = *duration;
        return LineOutcome::Ignored;
    }
    ToolLatencyRecord l{it->id, *duration};
    calls_.erase(it);
    // The result is stored already: this record sets its latency.
    out.line_no = line_no;
    if (!clock_.stamp(jf::str(jf::field(root, "timestamp")), out, issue) || !read_session(root, out.session, issue)) {
        issue = LineIssue::None;
        out = ParsedLine{};
        return LineOutcome::Ignored;
    }
    out.tool_latencies.push_back(std::move(l));
    return LineOutcome::Record;
}

bool QwenLineParser::read_session(const json::value* root, SessionRef& s, LineIssue& issue) const {
    s.project_slug = ctx_.project_slug;
    s.cwd = clean_text(jf::str(jf::field(root, "cwd")), issue);
    s.project_name = project_name_from_cwd(s.cwd);
    if (s.project_name.empty()) s.project_name = ctx_.project_slug;
    // A forked session (/branch) starts with copies of its parent's records: they stay the parent's.
    const std::string_view forked_from = jf::str(jf::field(jf::field(root, "forkedFrom"), "sessionId"));
    s.session_id = clean_text(forked_from.empty() ? jf::str(jf::field(root, "sessionId")) : forked_from, issue);
    if (s.session_id.empty()) return false;
    s.git_branch = clean_text(jf::str(jf::field(root, "gitBranch")), issue);
    s.cli_version = clean_text(jf::str(jf::field(root, "version")), issue);
    return true;
}

// The clock's state ({"last_ts": ...}) with the recent calls added: [id, agent, key, result seen, duration].
std::string QwenLineParser::save_state() const {
    const std::string clock = clock_.save_state();
    if (calls_.empty()) return clock;
    json::object o;
    if (!clock.empty()) {
        boost::system::error_code ec;
        json::value v = json::parse(clock, ec);
        if (!ec && v.is_object()) o = std::move(v.as_object());
    }
    json::array calls;
    for (const RecentCall& c : calls_) {
        json::array a{c.id, c.agent, hex64(c.key), c.result_seen};
        if (c.duration_ms)
            a.emplace_back(*c.duration_ms);
        else
            a.emplace_back(nullptr);
        calls.emplace_back(std::move(a));
    }
    o["calls"] = std::move(calls);
    return json::serialize(o);
}

void QwenLineParser::load_state(std::string_view state) {
    clock_.load_state(state);
    calls_.clear();
    if (state.empty()) return;
    boost::system::error_code ec;
    const json::value v = json::parse(state, ec);
    const json::array* calls = ec ? nullptr : jf::array(jf::field(v, "calls"));
    if (!calls) return;
    for (const json::value& e : *calls) {
        const json::array* a = e.if_array();
        if (!a || a->size() != 5) continue;
        RecentCall c;
        c.id = jf::str(&(*a)[0]);
        c.agent = jf::str(&(*a)[1]);
        c.key = std::strtoull(std::string(jf::str(&(*a)[2])).c_str(), nullptr, 16);
        c.result_seen = jf::boolean(&(*a)[3]);
        c.duration_ms = jf::integer(&(*a)[4]);
        if (!c.id.empty() && calls_.size() < kCallWindow) calls_.push_back(std::move(c));
    }
}

}  // namespace agentpulse
