// See OpenCodeSynth.hpp. A turn is the user's message and its text part, then steps: each an assistant
// message (OpenCode writes one per step) with a step-start part, its text part inserted and then updated
// as it grows, tool parts (pending, running, then completed or error), a step-finish part with the step's
// usage, and the message updated with its completion; the last step calls no tool. Every draw from the
// seed happens in a fixed order: keep it so.
#include "sim/OpenCodeSynth.hpp"

#include <algorithm>
#include <iterator>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

// Ids matching entries of conf/pricing.json (OpenCode's price family is empty: any entry may price it);
// the unknown ones match none (stored as unpriced).
constexpr WeightedModel kModels[] = {
    {"claude-sonnet-4-5", 45}, {"gpt-5", 25}, {"claude-opus-4-1", 10}, {"claude-haiku-4-5", 10}, {"gpt-5-mini", 10}};
constexpr std::string_view kUnknownModels[] = {"big-pickle", "grok-code-fast-9"};
constexpr std::string_view kCommands[] = {"npm test", "git status", "bun test @", "go test ./...", "cargo build"};
constexpr std::string_view kVersions[] = {"1.2.4", "1.2.10", "1.3.0"};

bool is_unknown_model(std::string_view m) {
    return std::find(std::begin(kUnknownModels), std::end(kUnknownModels), m) != std::end(kUnknownModels);
}
std::string_view provider_of(std::string_view model) {
    return model.starts_with("gpt") ? "openai" : model.starts_with("claude") ? "anthropic" : "opencode";
}

class OpenCodeSynth final : public SynthAgentSession {
public:
    OpenCodeSynth(const SynthSessionOptions& opts, std::string_view agent) : SynthAgentSession(opts, agent) {
        version_ = std::string(pick(r, kVersions));
        streams[0].model = draw_model();
        streams[0].path = "opencode.db";
        line_kind = SynthLine::Kind::Row;
        project_ = hex_id(r, 40);
        ses_ = "ses_" + base62(r, 26);
    }

private:
    std::string draw_model() {
        return r.chance(o.unknown_model_rate) ? std::string(pick(r, kUnknownModels))
                                              : std::string(pick_weighted(r, kModels));
    }
    std::string id(std::string_view prefix) { return std::string(prefix) + base62(r, 26); }

    void turn() override;
    void session_row(const std::string& id, const std::string& parent, EpochMs at);
    void row(EpochMs at, std::string text, SynthTotals facts = {});
    void message_row(const std::string& id, const std::string& session, EpochMs created, EpochMs updated,
                     const std::string& data, SynthTotals facts = {});
    void part_row(const std::string& id, const std::string& msg, const std::string& session, EpochMs created,
                  EpochMs updated, const std::string& data, SynthTotals facts = {});
    std::string assistant(const std::string& parent, const std::string& model, EpochMs created, EpochMs completed,
                          const std::string& tokens);
    // One step of session `session` on `model`: an assistant message and its parts. Returns its end.
    EpochMs step(const std::string& session, const std::string& user_msg, int si, EpochMs t, bool last);
    EpochMs text_part(const std::string& session, const std::string& mid, const std::string& tid, EpochMs t,
                      const std::string& said);
    std::string finish_step(const std::string& session, const std::string& mid, EpochMs at, SynthStream& s,
                            const std::string& said, bool last);
    EpochMs tool(const std::string& session, const std::string& msg, EpochMs t, SynthStream& s);
    EpochMs subagent(const std::string& msg, EpochMs t);

    std::string version_, project_, ses_;
};

void OpenCodeSynth::row(EpochMs at, std::string text, SynthTotals facts) { push(0, at, std::move(text), facts); }

void OpenCodeSynth::session_row(const std::string& sid, const std::string& parent, EpochMs at) {
    std::string p;
    JsonWriter w(p);
    w.obj().kv("table", "session").kv("id", sid).kv("project_id", project_);
    if (parent.empty())
        w.key("parent_id").null();
    else
        w.kv("parent_id", parent);
    w.kv("directory", cwd).kv("version", version_).kv("title", "New session").kv("time_created", at).kv("time_updated", at).end();
    row(at, std::move(p));
}

void OpenCodeSynth::message_row(const std::string& mid, const std::string& session, EpochMs created, EpochMs updated,
                                const std::string& data, SynthTotals facts) {
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("table", "message")
        .kv("id", mid)
        .kv("session_id", session)
        .kv("time_created", created)
        .kv("time_updated", updated)
        .key("data")
        .raw(data)
        .end();
    row(updated, std::move(p), facts);
}

void OpenCodeSynth::part_row(const std::string& pid, const std::string& msg, const std::string& session,
                             EpochMs created, EpochMs updated, const std::string& data, SynthTotals facts) {
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("table", "part")
        .kv("id", pid)
        .kv("message_id", msg)
        .kv("session_id", session)
        .kv("time_created", created)
        .kv("time_updated", updated)
        .key("data")
        .raw(data)
        .end();
    row(updated, std::move(p), facts);
}

std::string OpenCodeSynth::assistant(const std::string& parent, const std::string& model, EpochMs created,
                                     EpochMs completed, const std::string& tokens) {
    std::string d;
    JsonWriter w(d);
    w.obj().kv("role", "assistant").key("time").obj().kv("created", created);
    if (completed) w.kv("completed", completed);
    w.end()
        .kv("parentID", parent)
        .kv("modelID", model)
        .kv("providerID", provider_of(model))
        .kv("mode", "build")
        .kv("agent", "build")
        .key("path")
        .obj()
        .kv("cwd", cwd)
        .kv("root", cwd)
        .end()
        .kv("cost", 0.0)
        .key("tokens")
        .raw(tokens.empty() ? R"({"input":0,"output":0,"reasoning":0,"cache":{"read":0,"write":0}})" : tokens);
    if (completed) w.kv("finish", "stop");
    w.end();
    return d;
}

// A tool part: inserted pending, updated running (its start), then completed or error (its end).
EpochMs OpenCodeSynth::tool(const std::string& session, const std::string& msg, EpochMs t, SynthStream& s) {
    const std::string pid = id("prt_");
    const double x = r.unit();
    const std::string name = x < 0.4 ? "read" : x < 0.6 ? "edit" : x < 0.72 ? "write" : "bash";
    std::string input;
    JsonWriter in(input);
    in.obj();
    std::string output;
    std::int64_t exit = 0;
    if (name == "bash") {
        in.kv("command", filled(pick(r, kCommands), r)).kv("description", "Runs a command");
        output = shell_output(r, std::min<std::int64_t>(sized(900, 1.2), 12'000));
        exit = r.chance(0.1) ? 1 : 0;
    } else {
        const std::string rel = project_file();
        in.kv("filePath", cwd + "/" + rel);
        if (name == "write") in.kv("content", file_text(rel, sized(1'200, 1.0)));
        if (name == "edit")
            in.kv("oldString", code_text(r, rel, sized(120, 0.6))).kv("newString", code_text(r, rel, sized(200, 0.8)));
        output = name == "read" ? file_text(rel, sized(2'000, 1.1)) : "Edit applied successfully.";
    }
    in.end();
    const bool error = name != "bash" && r.chance(0.05);
    const std::string call_id = "toolu_" + base62(r, 24);
    const auto data = [&](std::string_view status, EpochMs start, EpochMs end) {
        std::string d;
        JsonWriter w(d);
        w.obj().kv("type", "tool").kv("callID", call_id).kv("tool", name).key("state").obj().kv("status", status);
        w.key("input").raw(status == "pending" ? std::string("{}") : input);
        if (status == "pending") w.kv("raw", "");
        if (status == "completed") w.kv("output", output).kv("title", name);
        if (status == "error") w.kv("error", "Error: oldString not found in content");
        if (status != "pending") {
            w.key("metadata").obj();
            if (name == "bash" && status == "completed") w.kv("exit", exit);
            w.end();
            w.key("time").obj().kv("start", start);
            if (end) w.kv("end", end);
            w.end();
        }
        w.end().end();
        return d;
    };
    const EpochMs t0 = t, start = t + dur(r.lognormal(40, 0.5));
    const EpochMs end = start + dur(r.lognormal(name == "bash" ? 2'500 : 300, 1.0));
    part_row(pid, msg, session, t0, t0, data("pending", 0, 0));
    SynthTotals call;
    call.tool_calls = 1;
    part_row(pid, msg, session, t0, start, data("running", start, 0), call);
    SynthTotals res;
    res.tool_results = 1;
    res.tool_errors = error || exit != 0 ? 1 : 0;
    part_row(pid, msg, session, t0, end, data(error ? "error" : "completed", start, end), res);
    s.context += static_cast<std::int64_t>(output.size()) / 4;
    return end;
}

EpochMs OpenCodeSynth::step(const std::string& session, const std::string& user_msg, int si, EpochMs t, bool last) {
    SynthStream& s = streams[static_cast<std::size_t>(si)];
    const std::string mid = id("msg_");
    SynthTotals msg;
    msg.messages = 1;
    message_row(mid, session, t, t, assistant(user_msg, s.model, t, 0, {}), msg);
    std::string d;
    JsonWriter(d).obj().kv("type", "step-start").kv("snapshot", hex_id(r, 40)).end();
    part_row(id("prt_"), mid, session, t + 1, t + 1, d);
    const std::string tid = id("prt_");
    const std::string said = prose(r, static_cast<int>(r.between(1, last ? 8 : 3)));
    EpochMs done = text_part(session, mid, tid, t, said) + 1;
    if (!last) {
        const int n = r.chance(0.2) ? 2 : 1;
        for (int i = 0; i < n; ++i) {
            if (si == 0 && spawn_due()) {
                done = subagent(mid, done + 1);
                continue;
            }
            done = tool(session, mid, done + 1, s);
        }
    }
    done += 1;
    const std::string tokens = finish_step(session, mid, done, s, said, last);
    done += 1;
    message_row(mid, session, t, done, assistant(user_msg, s.model, t, done, tokens));
    return done + 1;
}

// The text part as it streams: inserted, updated once longer, then with its end. Returns the end.
EpochMs OpenCodeSynth::text_part(const std::string& session, const std::string& mid, const std::string& tid,
                                 EpochMs t, const std::string& said) {
    const EpochMs at = t + dur(r.lognormal(700, 0.5));
    const auto text = [&](std::size_t n, EpochMs end) {
        while (n > 0 && n < said.size() && (static_cast<unsigned char>(said[n]) & 0xC0) == 0x80) --n;  // whole characters
        std::string x;
        JsonWriter w(x);
        w.obj().kv("type", "text").kv("text", said.substr(0, n)).key("time").obj().kv("start", at);
        if (end) w.kv("end", end);
        w.end().end();
        return x;
    };
    part_row(tid, mid, session, at, at, text(said.size() / 2, 0));
    const EpochMs text_end = at + dur(r.lognormal(600, 0.5));
    part_row(tid, mid, session, at, text_end, text(said.size(), text_end));
    return text_end;
}

// The step's usage: its step-finish part at `at`, counted against the stream's context. Returns the
// tokens object the message repeats.
std::string OpenCodeSynth::finish_step(const std::string& session, const std::string& mid, EpochMs at,
                                       SynthStream& s, const std::string& said, bool last) {
    const std::int64_t cached = std::min(s.context, s.cached);
    const std::int64_t input = std::max<std::int64_t>(1, s.context - cached);
    const std::int64_t write = r.chance(0.5) ? std::min<std::int64_t>(input, r.between(100, 4'000)) : 0;
    const std::int64_t output = static_cast<std::int64_t>(said.size()) / 4 + r.between(5, 200);
    const std::int64_t reasoning = r.chance(0.4) ? r.between(20, 1'500) : 0;
    std::string tokens;
    JsonWriter(tokens)
        .obj()
        .kv("input", input - write)
        .kv("output", output)
        .kv("reasoning", reasoning)
        .key("cache")
        .obj()
        .kv("read", cached)
        .kv("write", write)
        .end()
        .end();
    std::string fin;
    JsonWriter(fin)
        .obj()
        .kv("type", "step-finish")
        .kv("reason", last ? "stop" : "tool-calls")
        .kv("snapshot", hex_id(r, 40))
        .kv("cost", 0.0)
        .key("tokens")
        .raw(tokens)
        .end();
    SynthTotals use;
    use.usage_events = 1;
    use.unpriced_events = is_unknown_model(s.model) ? 1 : 0;
    use.tokens.input = input - write;
    use.tokens.output = output + reasoning;
    use.tokens.reasoning = reasoning;
    use.tokens.cache_read = cached;
    use.tokens.cache_create = write;
    part_row(id("prt_"), mid, session, at, at, fin, use);
    s.cached = s.context;
    s.context += output + reasoning;
    return tokens;
}

// The task tool: a running tool part in the parent's message while a child session (parent_id) runs its
// own prompt and steps; then the part completes.
EpochMs OpenCodeSynth::subagent(const std::string& msg, EpochMs t) {
    SynthStream& s = add_subagent();
    s.agent_id = id("ses_");
    s.model = r.chance(0.5) ? streams[0].model : draw_model();
    s.context = r.between(6'000, 12'000);
    const int si = static_cast<int>(streams.size()) - 1;
    const std::string pid = id("prt_");
    const std::string call_id = "toolu_" + base62(r, 24);
    const auto data = [&](std::string_view status, EpochMs start, EpochMs end) {
        std::string d;
        JsonWriter w(d);
        w.obj().kv("type", "tool").kv("callID", call_id).kv("tool", "task").key("state").obj().kv("status", status);
        w.key("input").obj().kv("description", "Explore the code").kv("subagent_type", "general").end();
        if (status == "completed") w.kv("output", "Done.").kv("title", "Explore the code");
        w.key("metadata").obj().kv("sessionId", s.agent_id).end();
        w.key("time").obj().kv("start", start);
        if (end) w.kv("end", end);
        w.end().end().end();
        return d;
    };
    SynthTotals call;
    call.tool_calls = 1;
    part_row(pid, msg, ses_, t, t, data("running", t, 0), call);
    session_row(s.agent_id, ses_, t + 1);
    const std::string umid = id("msg_");
    std::string u;
    JsonWriter(u)
        .obj()
        .kv("role", "user")
        .key("time")
        .obj()
        .kv("created", t + 2)
        .end()
        .kv("agent", "general")
        .key("model")
        .obj()
        .kv("providerID", provider_of(s.model))
        .kv("modelID", s.model)
        .end()
        .end();
    SynthTotals m;
    m.messages = 1;
    message_row(umid, s.agent_id, t + 2, t + 2, u, m);
    EpochMs at = t + 3;
    const int steps = static_cast<int>(r.between(1, 4));
    for (int i = 0; i <= steps; ++i) at = step(s.agent_id, umid, si, at + dur(r.lognormal(1'500, 0.6)), i == steps);
    SynthTotals res;
    res.tool_results = 1;
    part_row(pid, msg, ses_, t, at, data("completed", t, at), res);
    return at + 1;
}

void OpenCodeSynth::turn() {
    EpochMs t = now;
    if (turns == 0) session_row(ses_, {}, t);
    const std::string umid = id("msg_");
    const std::string prompt = filled(pick(r, kPrompts), r);
    std::string u;
    JsonWriter(u)
        .obj()
        .kv("role", "user")
        .key("time")
        .obj()
        .kv("created", t + 1)
        .end()
        .kv("agent", "build")
        .key("model")
        .obj()
        .kv("providerID", provider_of(streams[0].model))
        .kv("modelID", streams[0].model)
        .end()
        .end();
    SynthTotals m;
    m.messages = 1;
    message_row(umid, ses_, t + 1, t + 1, u, m);
    std::string d;
    JsonWriter(d).obj().kv("type", "text").kv("text", prompt).end();
    part_row(id("prt_"), umid, ses_, t + 2, t + 2, d);
    streams[0].context += static_cast<std::int64_t>(prompt.size()) / 4 + (turns == 0 ? 9'000 : 0);
    t += 3;
    const int steps = 1 + static_cast<int>(std::min<double>(12, r.lognormal(3, 0.8)));
    for (int i = 0; i <= steps; ++i) t = step(ses_, umid, 0, t + dur(r.lognormal(2'500, 0.8)), i == steps);
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_opencode_synth(const SynthSessionOptions& opts, std::string_view agent) {
    return std::make_unique<OpenCodeSynth>(opts, agent);
}

}  // namespace agentpulse
