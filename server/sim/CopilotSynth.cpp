// See CopilotSynth.hpp. A session opens with session.start and the model; a turn is the prompt, then
// rounds of an assistant message requesting tools (each run as a tool.execution_start/complete pair,
// sometimes through a sub-agent whose events carry parentToolCallId), ending in the final answer. The
// CLI's usage counters (per model: input including the cache, cache reads and writes, output) grow with
// every request; a leg ends after some turns with a session.shutdown carrying them, or with a crash that
// loses them, and the next turn resumes. Every draw from the seed happens in a fixed order: keep it so.
#include "sim/CopilotSynth.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kCommands[] = {"rg -n \"@\" src", "ls -la",        "npm test",
                                          "git status",      "go test ./...", "pytest -q"};
// Ids the price card lists as written; the unknown one matches no entry (stored as unpriced).
constexpr WeightedModel kModels[] = {{"gpt-5.1", 40}, {"gpt-5-mini", 25}, {"gpt-4.1", 20}, {"gpt-5.2", 15}};
constexpr std::string_view kUnknownModel = "copilot-preview-model";
constexpr std::string_view kSubModel = "gpt-5-mini";
constexpr std::string_view kVersions[] = {"1.0.10", "1.0.40", "1.0.80"};

// The CLI's counters for one model.
struct Counters {
    std::int64_t input = 0, output = 0, cache_read = 0, cache_write = 0;
};

class CopilotSynth final : public SynthAgentSession {
public:
    CopilotSynth(const SynthSessionOptions& opts, std::string_view agent) : SynthAgentSession(opts, agent) {
        version_ = std::string(pick(r, kVersions));
        model_ = r.chance(o.unknown_model_rate) ? std::string(kUnknownModel)
                                                : std::string(pick_weighted(r, kModels));
        streams[0].path = "session-state/" + session_id_ + "/events.jsonl";
    }

private:
    void turn() override;

    std::string event(std::string_view type, const std::string& data, EpochMs at);
    void put(EpochMs at, std::string_view type, const std::string& data, SynthTotals facts = {});
    // One model request: its message with `out` output tokens (and `calls` tool requests), counted.
    void answer(EpochMs at, const std::string& model, std::int64_t out, const std::vector<std::string>& calls,
                const std::string& parent);
    // A tool's start and completion. Returns the completion's time.
    EpochMs tool(EpochMs at, const std::string& id, const std::string& parent);
    void shutdown(EpochMs at);
    EpochMs open_leg(EpochMs t);
    EpochMs delegate(EpochMs t, const std::string& id);
    EpochMs close_turn(EpochMs t);

    bool unpriced(const std::string& model) const { return model == kUnknownModel; }

    std::string version_, model_;
    bool in_leg_ = false;
    std::map<std::string, Counters> cli_;      // what the CLI counts now (lost in a crash)
    std::map<std::string, Counters> written_;  // the last rollup written: what a resumed CLI carries on from
    std::map<std::string, Counters> base_;     // what ingest has accounted for (its parser's base)
    std::map<std::string, std::int64_t> leg_output_;  // output the leg's messages gave, per model
};

std::string CopilotSynth::event(std::string_view type, const std::string& data, EpochMs at) {
    std::string out;
    out.reserve(data.size() + 160);
    out += "{\"type\":";
    put_string(out, type);
    out += ",\"data\":";
    out += data;
    out += ",\"id\":\"";
    out += uuid4(r);
    out += "\",\"timestamp\":\"";
    out += format_iso8601(at);
    out += "\",\"parentId\":null}";
    return out;
}

void CopilotSynth::put(EpochMs at, std::string_view type, const std::string& data, SynthTotals facts) {
    push(0, at, event(type, data, at), facts);
}

void CopilotSynth::answer(EpochMs at, const std::string& model, std::int64_t out,
                          const std::vector<std::string>& calls, const std::string& parent) {
    SynthStream& s = streams[0];
    Counters& c = cli_[model];
    const std::int64_t cached = std::min(s.context, s.cached / 64 * 64);
    const std::int64_t written = s.context - cached > 1'024 && r.chance(0.5) ? (s.context - cached) / 2 : 0;
    c.input += s.context, c.cache_read += cached, c.cache_write += written, c.output += out;
    s.cached = s.context;
    s.context += out;
    leg_output_[model] += out;
    std::string d;
    JsonWriter w(d);
    w.obj()
        .kv("messageId", uuid4(r))
        .kv("content", prose(r, static_cast<int>(r.between(1, 4))))
        .key("toolRequests")
        .arr();
    for (const std::string& id : calls)
        w.obj()
            .kv("toolCallId", id)
            .kv("name", "bash")
            .key("arguments")
            .obj()
            .kv("command", "ls")
            .end()
            .end();
    w.end().kv("outputTokens", out);
    if (!parent.empty()) w.kv("parentToolCallId", parent);
    w.end();
    SynthTotals f;
    f.messages = 1;
    f.usage_events = 1;
    f.unpriced_events = unpriced(model) ? 1 : 0;
    f.tokens.output = out;
    put(at, "assistant.message", d, f);
}

EpochMs CopilotSynth::tool(EpochMs at, const std::string& id, const std::string& parent) {
    const bool edit = r.chance(0.3);
    std::string d;
    JsonWriter w(d);
    w.obj().kv("toolCallId", id).kv("toolName", edit ? "create" : "bash").key("arguments").obj();
    if (edit) {
        const std::string rel = project_file();
        w.kv("path", cwd + "/" + rel).kv("file_text", file_text(rel, sized(600, 1.0)));
    } else {
        w.kv("command", filled(pick(r, kCommands), r)).kv("description", "run");
    }
    w.end();
    if (!parent.empty()) w.kv("parentToolCallId", parent);
    w.end();
    SynthTotals cf;
    cf.messages = 1;
    cf.tool_calls = 1;
    put(at, "tool.execution_start", d, cf);
    const bool failed = r.chance(0.06);
    const std::string text = shell_output(r, std::min<std::int64_t>(sized(900, 1.2), 12'000));
    const EpochMs done = at + dur(r.lognormal(1'200, 1.1));
    std::string e;
    JsonWriter v(e);
    v.obj()
        .kv("toolCallId", id)
        .kv("success", !failed)
        .kv("model", parent.empty() ? model_ : std::string(kSubModel));
    v.key("result").obj().kv("content", text).end();
    if (!parent.empty()) v.kv("parentToolCallId", parent);
    v.end();
    SynthTotals rf;
    rf.messages = 1;
    rf.tool_results = 1;
    rf.tool_errors = failed ? 1 : 0;
    put(done, "tool.execution_complete", e, rf);
    streams[0].context += static_cast<std::int64_t>(text.size()) / 4;
    return done;
}

// The rollup, and what ingest makes of it: per model, the counters' growth since the last rollup written,
// less the output the leg's messages gave.
void CopilotSynth::shutdown(EpochMs at) {
    std::string d;
    JsonWriter w(d);
    SynthTotals facts;  // what ingest stores from this line
    w.obj().kv("shutdownType", "routine").key("modelMetrics").obj();
    for (const auto& [model, c] : cli_) {
        w.key(model).obj().key("requests").obj().kv("count", 1).kv("cost", 1).end();
        w.key("usage")
            .obj()
            .kv("inputTokens", c.input)
            .kv("outputTokens", c.output)
            .kv("cacheReadTokens", c.cache_read);
        w.kv("cacheWriteTokens", c.cache_write).kv("reasoningTokens", 0).end().end();
        const Counters base = base_[model];
        SynthTotals f;
        f.tokens.cache_read = c.cache_read - base.cache_read;
        f.tokens.cache_create = c.cache_write - base.cache_write;
        f.tokens.input =
            std::max<std::int64_t>(0, c.input - base.input - f.tokens.cache_read - f.tokens.cache_create);
        f.tokens.output = std::max<std::int64_t>(0, c.output - base.output - leg_output_[model]);
        if (!f.tokens.empty()) {
            f.usage_events = 1;
            f.unpriced_events = unpriced(model) ? 1 : 0;
        }
        base_[model] = c;
        facts += f;
    }
    w.end().kv("totalApiDurationMs", 1000).key("codeChanges").obj().kv("linesAdded", 0).kv("linesRemoved", 0);
    w.key("filesModified").arr().end().end().end();
    put(at, "session.shutdown", d, facts);
    written_ = cli_;
    leg_output_.clear();
}

void CopilotSynth::turn() {
    EpochMs t = open_leg(now);
    const std::string text = filled(pick(r, kPrompts), r);
    std::string u;
    JsonWriter(u).obj().kv("content", text).key("attachments").arr().end().end();
    SynthTotals msg;
    msg.messages = 1;
    put(t, "user.message", u, msg);
    streams[0].context += static_cast<std::int64_t>(text.size()) / 4;

    const int rounds = 1 + static_cast<int>(std::min<double>(12, r.lognormal(3, 0.8)));
    for (int i = 0; i < rounds; ++i) {
        t += dur(r.lognormal(3'000, 0.8));
        const std::string id = "toolu_" + base62(r, 24);
        answer(t, model_, r.between(40, 600), {id}, {});
        t = (r.chance(0.1) ? delegate(t, id) : tool(t + 1, id, {})) + 1;
    }
    t += dur(r.lognormal(2'500, 0.8));
    answer(t, model_, r.between(80, 900), {}, {});
    t = close_turn(t + 1);
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
}

// The session's first turn writes session.start and the model; the first turn after a leg ended writes
// session.resume. Returns when the prompt may follow.
EpochMs CopilotSynth::open_leg(EpochMs t) {
    if (turns == 0) {
        std::string d;
        JsonWriter(d)
            .obj()
            .kv("sessionId", session_id_)
            .kv("version", 1)
            .kv("producer", "copilot-agent")
            .kv("copilotVersion", version_)
            .kv("startTime", format_iso8601(t))
            .key("context")
            .obj()
            .kv("cwd", cwd)
            .kv("branch", branch)
            .end()
            .end();
        put(t, "session.start", d);
        std::string m;
        JsonWriter(m).obj().kv("previousModel", "").kv("newModel", model_).end();
        put(t + 1, "session.model_change", m);
        in_leg_ = true;
        return t + 2;
    }
    if (in_leg_) return t;
    std::string d;
    JsonWriter(d).obj().kv("resumeTime", format_iso8601(t)).kv("eventCount", 1).end();
    put(t, "session.resume", d);
    in_leg_ = true;
    return t + 1;
}

// A sub-agent: its events are in this file, under the task call `id` that started it. Returns when the
// task call completed.
EpochMs CopilotSynth::delegate(EpochMs t, const std::string& id) {
    SynthTotals msg;
    msg.messages = 1;
    std::string s;
    JsonWriter(s).obj().kv("toolCallId", id).kv("agentName", "explore").kv("model", kSubModel).end();
    put(t + 1, "subagent.started", s);
    std::string d;
    JsonWriter(d)
        .obj()
        .kv("toolCallId", id)
        .kv("toolName", "task")
        .key("arguments")
        .obj()
        .kv("agent_type", "explore")
        .end()
        .end();
    SynthTotals cf = msg;
    cf.tool_calls = 1;
    put(t + 2, "tool.execution_start", d, cf);
    const std::string sub = "toolu_" + base62(r, 24);
    answer(t + 3, std::string(kSubModel), r.between(20, 300), {sub}, id);
    const EpochMs done = tool(t + 4, sub, id) + 1;
    std::string e;
    JsonWriter(e)
        .obj()
        .kv("toolCallId", id)
        .kv("success", true)
        .kv("model", model_)
        .key("result")
        .obj()
        .kv("content", "found it")
        .end()
        .end();
    SynthTotals rf = msg;
    rf.tool_results = 1;
    put(done, "tool.execution_complete", e, rf);
    return done;
}

// After the answer: now and then a compaction, and now and then the end of a leg. Returns the turn's end.
EpochMs CopilotSynth::close_turn(EpochMs t) {
    if (r.chance(0.04)) {
        // A compaction: the counters start again from zero, and ingest counts from zero.
        put(t, "session.compaction_start", "{}");
        put(t + 1, "session.compaction_complete", "{\"success\":true}");
        cli_.clear();
        base_.clear();
        leg_output_.clear();
        t += 2;
    }
    // End of a leg: a clean exit writes the rollup; a crash loses the counters since the last one (the
    // resumed CLI carries on from it).
    if (r.chance(0.25)) {
        if (r.chance(0.8)) {
            shutdown(t);
        } else {
            cli_ = written_;
        }
        // The resume: ingest takes the last rollup written as accounted for, and the leg's output is
        // in it or lost.
        base_ = written_;
        leg_output_.clear();
        in_leg_ = false;
        t += 1;
    }
    return t;
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_copilot_synth(const SynthSessionOptions& opts,
                                                      std::string_view agent) {
    return std::make_unique<CopilotSynth>(opts, agent);
}

}  // namespace agentpulse
