// See QwenSynth.hpp. A turn is the prompt, then rounds of one assistant record per model call (the
// response's text, its functionCall parts and its usageMetadata), each followed by a ui_telemetry copy of
// its counts; a round's calls run one after another, and when the batch is done Qwen Code writes a
// ui_telemetry qwen-code.tool_call record per call (with the call's duration_ms) and then a tool_result
// record per call. The last round has no calls. Now and then a call is a `task` whose sub-agent writes its
// own rounds into the same file (agentId, isSidechain, a uuid chain of its own). Token counts are the
// OpenAI-compatible converter's: candidates include the reasoning, total = prompt + candidates. Every draw
// from the seed happens in a fixed order: keep it so.
#include "sim/QwenSynth.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <vector>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

// Ids Qwen Code writes (coder-model: the free Qwen OAuth tier, which the card leaves unpriced). kPriced
// lists those the card prices (docs/formats.md, "Qwen Code", Prices): keep it in step with the card.
constexpr WeightedModel kModels[] = {
    {"qwen3-coder-plus", 45}, {"coder-model", 25}, {"qwen3-coder-flash", 20}, {"qwen3-max", 10}};
constexpr std::string_view kPriced[] = {"qwen3-coder-plus", "qwen3-coder-flash", "qwen3-max"};
constexpr std::string_view kUnknownModels[] = {"qwen3.5-coder-preview", "qwen-coder-exp"};
constexpr std::string_view kCommands[] = {"npm test", "git status", "ls -la src", "go test ./...", "pytest -q"};
constexpr std::string_view kVersions[] = {"0.2.1", "0.5.0", "0.8.2"};
constexpr std::string_view kSubagents[] = {"general-purpose", "explore", "reviewer"};

bool is_unpriced(std::string_view m) {
    return std::find(std::begin(kPriced), std::end(kPriced), m) == std::end(kPriced);
}

// The project folder's name as Qwen Code makes it: every non-alphanumeric character of the cwd as '-'.
std::string sanitized(std::string_view cwd) {
    std::string out(cwd);
    for (char& c : out)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    return out;
}

// A uuid chain: the session's own, or one sub-agent run's.
struct Chain {
    std::string last;      // the uuid of its last record; empty before the first
    std::string agent_id;  // a sub-agent's id; empty for the session itself
    std::string agent_name;
    std::string model;
};

// One tool call of a round.
struct Call {
    std::string id, name, args, output;
    bool failed = false;
    EpochMs duration = 0;
};

// One model call's response: when it ended, its id and its counts.
struct Response {
    EpochMs at = 0, call_ms = 0;
    std::string id;
    std::int64_t prompt = 0, cached = 0, thoughts = 0, candidates = 0;
};

class QwenSynth final : public SynthAgentSession {
public:
    QwenSynth(const SynthSessionOptions& opts, std::string_view agent) : SynthAgentSession(opts, agent) {
        version_ = std::string(pick(r, kVersions));
        streams[0].model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kUnknownModels))
                                                          : std::string(pick_weighted(r, kModels));
        streams[0].path = "projects/" + sanitized(cwd) + "/chats/" + session_id_ + ".jsonl";
        main_.model = streams[0].model;
    }

private:
    void turn() override;
    // Starts a record with the fields every record has, as a child of the chain's last one.
    void head(JsonWriter& w, Chain& c, EpochMs at, std::string_view type);
    void user(Chain& c, EpochMs at, const std::string& text, const std::string& prompt_id);
    EpochMs round(Chain& c, EpochMs t, bool last, const std::string& prompt_id, bool may_delegate);
    std::vector<Call> pick_calls(bool may_delegate);
    Response respond(Chain& c, EpochMs t, bool last, const std::vector<Call>& calls);
    void api_telemetry(Chain& c, const Response& m, const std::string& prompt_id);
    EpochMs run_calls(std::vector<Call>& calls, EpochMs start, const std::string& prompt_id);
    void call_telemetry(Chain& c, EpochMs at, const Call& k, const Response& m, const std::string& prompt_id);
    void tool_result(Chain& c, EpochMs at, const Call& k, const std::vector<Call>& batch, EpochMs asked);
    Call tool_call(std::string_view name);
    EpochMs run_subagent(EpochMs t, const std::string& prompt_id, std::string_view name);
    void telemetry(Chain& c, EpochMs at, const std::string& event);

    std::string version_;
    Chain main_;
    std::int64_t since_title_ = 0;
    std::string title_;
};

void QwenSynth::head(JsonWriter& w, Chain& c, EpochMs at, std::string_view type) {
    const std::string id = uuid4(r);
    w.obj().kv("uuid", id);
    if (c.last.empty())
        w.key("parentUuid").null();
    else
        w.kv("parentUuid", c.last);
    w.kv("sessionId", session_id_).kv("timestamp", format_iso8601(at)).kv("type", type).kv("cwd", cwd);
    w.kv("version", version_).kv("gitBranch", branch);
    if (!c.agent_id.empty())
        w.kv("agentId", c.agent_id).kv("agentName", c.agent_name).kv("isSidechain", true);
    c.last = id;
}

void QwenSynth::user(Chain& c, EpochMs at, const std::string& text, const std::string& prompt_id) {
    std::string p;
    JsonWriter w(p);
    head(w, c, at, "user");
    w.kv("promptId", prompt_id).key("message").obj().kv("role", "user").key("parts").arr().obj().kv("text", text);
    w.end().end().end().end();
    SynthTotals msg;
    msg.messages = 1;
    push(0, at, std::move(p), msg);
}

// A system / ui_telemetry record holding one telemetry event (its JSON object).
void QwenSynth::telemetry(Chain& c, EpochMs at, const std::string& event) {
    std::string p;
    JsonWriter w(p);
    head(w, c, at, "system");
    w.kv("subtype", "ui_telemetry").key("systemPayload").obj().key("uiEvent").raw(event).end().end();
    push(0, at, std::move(p));
}

Call QwenSynth::tool_call(std::string_view name) {
    Call c;
    c.name = std::string(name);
    c.id = "call_" + hex_id(r, 24);
    JsonWriter a(c.args);
    a.obj();
    if (c.name == "run_shell_command") {
        a.kv("command", filled(pick(r, kCommands), r)).kv("is_background", false);
        c.output = shell_output(r, std::min<std::int64_t>(sized(900, 1.2), 12'000));
    } else if (c.name == "task") {
        a.kv("description", filled("Review @", r)).kv("prompt", filled(pick(r, kPrompts), r));
        a.kv("subagent_type", pick(r, kSubagents));
        c.output = prose(r, static_cast<int>(r.between(2, 6)));
    } else {
        const std::string rel = project_file();
        a.kv("file_path", cwd + "/" + rel);
        if (c.name == "write_file") a.kv("content", file_text(rel, sized(1'200, 1.0)));
        if (c.name == "edit")
            a.kv("old_string", code_text(r, rel, sized(120, 0.6))).kv("new_string", code_text(r, rel, sized(200, 0.8)));
        c.output = c.name == "read_file" ? file_text(rel, sized(2'000, 1.1)) : "Successfully modified file: " + rel;
    }
    a.end();
    c.failed = c.name != "task" && r.chance(0.06);
    if (c.failed) c.output = "Failed to edit, could not find the string to replace.";
    return c;
}

// One model call: its assistant record and the telemetry copy of its counts; unless it is the last, its
// calls, their telemetry records once the batch is done, then their results. Returns when the next round
// may start.
EpochMs QwenSynth::round(Chain& c, EpochMs t, bool last, const std::string& prompt_id, bool may_delegate) {
    std::vector<Call> calls = last ? std::vector<Call>{} : pick_calls(may_delegate);
    const Response said = respond(c, t, last, calls);
    api_telemetry(c, said, prompt_id);
    if (last) return said.at + 1;
    const EpochMs done = run_calls(calls, said.at + 1, prompt_id);
    for (const Call& k : calls) call_telemetry(c, done, k, said, prompt_id);
    std::int64_t result_bytes = 0;
    for (const Call& k : calls) {
        tool_result(c, done + 1, k, calls, said.at);
        result_bytes += static_cast<std::int64_t>(k.output.size());
    }
    streams[0].context += result_bytes / 4;
    return done + 2;
}

// One or two calls; a sub-agent (task) only as the first of a round that may delegate.
std::vector<Call> QwenSynth::pick_calls(bool may_delegate) {
    std::vector<Call> calls;
    const int n = r.chance(0.2) ? 2 : 1;
    for (int i = 0; i < n; ++i) {
        const double x = r.unit();
        const std::string_view name = may_delegate && i == 0 && x < 0.05 ? "task"
                                      : x < 0.45                         ? "read_file"
                                      : x < 0.7                          ? "edit"
                                      : x < 0.85                         ? "write_file"
                                                                         : "run_shell_command";
        calls.push_back(tool_call(name));
    }
    return calls;
}

// The assistant record of one model call: its text (and a thought), its functionCall parts and its
// usageMetadata, counted against the session's context.
Response QwenSynth::respond(Chain& c, EpochMs t, bool last, const std::vector<Call>& calls) {
    SynthStream& s = streams[0];
    Response m;
    const std::string said = prose(r, static_cast<int>(r.between(1, last ? 8 : 3)));
    m.prompt = s.context;
    m.cached = std::min(s.context, s.cached / 256 * 256);
    m.thoughts = r.chance(0.6) ? r.between(40, 1'500) : 0;
    m.candidates = static_cast<std::int64_t>(said.size()) / 4 + r.between(5, 120) + m.thoughts +
                   static_cast<std::int64_t>(calls.size()) * 40;
    s.cached = s.context;
    s.context += m.candidates;
    m.call_ms = dur(r.lognormal(2'500, 0.8));
    m.at = t + m.call_ms;
    m.id = "chatcmpl-" + hex_id(r, 16);

    std::string p;
    JsonWriter w(p);
    head(w, c, m.at, "assistant");
    w.kv("model", c.model).key("message").obj().kv("role", "model").key("parts").arr();
    if (m.thoughts > 0) w.obj().kv("text", prose(r, 1)).kv("thought", true).end();
    w.obj().kv("text", said).end();
    for (const Call& k : calls)
        w.obj().key("functionCall").obj().kv("id", k.id).kv("name", k.name).key("args").raw(k.args).end().end();
    w.end().end();
    w.key("usageMetadata")
        .obj()
        .kv("promptTokenCount", m.prompt)
        .kv("candidatesTokenCount", m.candidates)
        .kv("cachedContentTokenCount", m.cached)
        .kv("thoughtsTokenCount", m.thoughts)
        .kv("totalTokenCount", m.prompt + m.candidates)
        .end();
    w.kv("contextWindowSize", std::int64_t{1'000'000}).end();
    SynthTotals use;
    use.messages = 1;
    use.usage_events = 1;
    use.unpriced_events = is_unpriced(c.model) ? 1 : 0;
    use.tokens.input = m.prompt - m.cached;
    use.tokens.cache_read = m.cached;
    use.tokens.output = m.candidates;
    use.tokens.reasoning = m.thoughts;
    use.tool_calls = static_cast<std::int64_t>(calls.size());
    push(0, m.at, std::move(p), use);
    return m;
}

// The qwen-code.api_response telemetry record repeating a response's counts.
void QwenSynth::api_telemetry(Chain& c, const Response& m, const std::string& prompt_id) {
    std::string api;
    JsonWriter(api)
        .obj()
        .kv("event.name", "qwen-code.api_response")
        .kv("event.timestamp", format_iso8601(m.at))
        .kv("response_id", m.id)
        .kv("model", c.model)
        .kv("status_code", 200)
        .kv("duration_ms", m.call_ms)
        .kv("input_token_count", m.prompt)
        .kv("output_token_count", m.candidates)
        .kv("cached_content_token_count", m.cached)
        .kv("thoughts_token_count", m.thoughts)
        .kv("tool_token_count", 0)
        .kv("total_token_count", m.prompt + m.candidates)
        .kv("prompt_id", prompt_id)
        .kv("auth_type", c.model == "coder-model" ? "qwen-oauth" : "openai")
        .end();
    telemetry(c, m.at, api);
}

// The batch runs one call after another; a task call runs its sub-agent meanwhile. Returns when the batch
// is done (its telemetry records are written then).
EpochMs QwenSynth::run_calls(std::vector<Call>& calls, EpochMs start, const std::string& prompt_id) {
    EpochMs done = start;
    for (Call& k : calls) {
        const EpochMs started = done;
        if (k.name == "task") done = run_subagent(done, prompt_id, kSubagents[r.below(std::size(kSubagents))]);
        done += dur(r.lognormal(1'500, 1.1));
        k.duration = done - started;
    }
    return done + dur(r.lognormal(40, 0.5));
}

// The qwen-code.tool_call telemetry record of one call, with its duration.
void QwenSynth::call_telemetry(Chain& c, EpochMs at, const Call& k, const Response& m, const std::string& prompt_id) {
    std::string ev;
    JsonWriter(ev)
        .obj()
        .kv("event.name", "qwen-code.tool_call")
        .kv("event.timestamp", format_iso8601(at))
        .kv("function_name", k.name)
        .key("function_args")
        .raw(k.args)
        .kv("duration_ms", k.duration)
        .kv("status", k.failed ? "error" : "success")
        .kv("success", !k.failed)
        .kv("decision", "auto_accept")
        .kv("prompt_id", prompt_id)
        .kv("response_id", m.id)
        .kv("tool_type", "native")
        .end();
    telemetry(c, at, ev);
}

// The tool_result record of one call (its functionResponse and toolCallResult).
void QwenSynth::tool_result(Chain& c, EpochMs at, const Call& k, const std::vector<Call>& batch, EpochMs asked) {
    std::string q;
    JsonWriter v(q);
    head(v, c, at, "tool_result");
    v.key("message").obj().kv("role", "user").key("parts").arr().obj().key("functionResponse").obj();
    v.kv("id", k.id).kv("name", k.name).key("response").obj().kv(k.failed ? "error" : "output", k.output);
    v.end().end().end().end().end();
    v.key("toolCallResult").obj().kv("callId", k.id).kv("status", k.failed ? "error" : "success");
    if (k.failed)
        v.key("error").obj().end().kv("errorType", "edit_no_occurrence_found");
    else
        v.kv("resultDisplay", "ok");
    v.end().end();
    SynthTotals f;
    f.messages = 1;
    f.tool_results = 1;
    f.tool_errors = k.failed ? 1 : 0;
    // The same function with the same arguments twice in the batch: ingest cannot tell their telemetry
    // records apart and keeps the time between the records instead.
    const auto same = [&](const Call& o) { return o.name == k.name && o.args == k.args; };
    f.tool_latency_ms = std::count_if(batch.begin(), batch.end(), same) > 1 ? at - asked : k.duration;
    push(0, at, std::move(q), f);
}

// A sub-agent (the task tool): its prompt and rounds in the session's file, on a chain of its own with its
// agentId; its model calls are billed to the session.
EpochMs QwenSynth::run_subagent(EpochMs t, const std::string& prompt_id, std::string_view name) {
    Chain sub;
    sub.agent_id = std::string(name) + "-" + hex_id(r, 4);
    sub.agent_name = std::string(name);
    sub.model = main_.model;
    user(sub, t, filled(pick(r, kPrompts), r), prompt_id);
    const int rounds = static_cast<int>(r.between(1, 4));
    for (int i = 0; i <= rounds; ++i) t = round(sub, t + dur(r.lognormal(800, 0.7)), i == rounds, prompt_id, false);
    return t;
}

void QwenSynth::turn() {
    EpochMs t = now + 3;
    const std::string prompt_id = session_id_ + "########" + std::to_string(turns + 1);
    const std::string text = filled(pick(r, kPrompts), r);
    user(main_, t, text, prompt_id);
    streams[0].context += static_cast<std::int64_t>(text.size()) / 4 + (turns == 0 ? 6'000 : 0);
    const int rounds = 1 + static_cast<int>(std::min<double>(15, r.lognormal(3, 0.8)));
    for (int i = 0; i <= rounds; ++i) t = round(main_, t + dur(r.lognormal(600, 0.8)), i == rounds, prompt_id, true);
    // The title, written after the first turn and appended again after ~32 KB of other records.
    if (title_.empty() || streams[0].bytes - since_title_ > 32 * 1024) {
        if (title_.empty()) title_ = filled("Fix @ in @", r);
        std::string p;
        JsonWriter w(p);
        head(w, main_, t, "system");
        w.kv("subtype", "custom_title").key("systemPayload").obj().kv("customTitle", title_);
        w.kv("titleSource", "auto").end().end();
        push(0, t, std::move(p));
        since_title_ = streams[0].bytes;
        ++t;
    }
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_qwen_synth(const SynthSessionOptions& opts, std::string_view agent) {
    return std::make_unique<QwenSynth>(opts, agent);
}

}  // namespace agentpulse
