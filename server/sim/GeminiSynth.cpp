// See GeminiSynth.hpp. A session opens with its metadata line; a turn is the prompt, then rounds of a
// gemini message written three times (the text, again with its tokens, again with its finished tool
// calls), each followed by a `$set` of lastUpdated, ending in a message without calls. Now and then a
// `$set.messages` checkpoint restates the conversation, or a `$rewindTo` drops the last round: neither
// adds a row. Every draw from the seed happens in a fixed order: keep it so.
#include "sim/GeminiSynth.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>
#include <vector>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

// Ids matching entries of conf/pricing.json; the unknown ones match none (stored as unpriced).
constexpr WeightedModel kModels[] = {
    {"gemini-2.5-pro", 45}, {"gemini-2.5-flash", 30}, {"gemini-3-pro-preview", 15}, {"gemini-2.5-flash-lite", 10}};
constexpr std::string_view kUnknownModels[] = {"gemini-3.5-ultra-preview", "gemini-exp-1206"};
constexpr std::string_view kCommands[] = {"npm test", "git status", "ls -la src", "go test ./...", "pytest -q"};

bool is_unknown_model(std::string_view m) {
    return std::find(std::begin(kUnknownModels), std::end(kUnknownModels), m) != std::end(kUnknownModels);
}

// The project folder's slug as Gemini CLI makes it: lower case, runs of other characters as one '-'.
std::string slug_of(std::string_view cwd) {
    const std::string_view name = cwd.substr(cwd.rfind('/') + 1);
    std::string out;
    for (const char c : name) {
        const auto u = static_cast<unsigned char>(c);
        if (std::isalnum(u))
            out.push_back(static_cast<char>(std::tolower(u)));
        else if (!out.empty() && out.back() != '-')
            out.push_back('-');
    }
    while (!out.empty() && out.back() == '-') out.pop_back();
    return out.empty() ? "project" : out;
}

struct Tokens {
    std::int64_t input = 0, cached = 0, output = 0, thoughts = 0, tool = 0;
};

// One finished tool call of a round.
struct Call {
    std::string json;
    std::int64_t result_bytes = 0;
    bool failed = false;
};

class GeminiSynth final : public SynthAgentSession {
public:
    GeminiSynth(const SynthSessionOptions& opts, std::string_view agent, bool legacy)
        : SynthAgentSession(opts, agent), legacy_(legacy) {
        version_ = std::string(pick(r, kVersions));
        streams[0].model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kUnknownModels))
                                                          : std::string(pick_weighted(r, kModels));
        std::string stamp = format_iso8601(now).substr(0, 16);  // 2026-01-05T09:00
        std::replace(stamp.begin(), stamp.end(), ':', '-');
        streams[0].path = "tmp/" + slug_of(cwd) + "/chats/session-" + stamp + "-" + session_id_.substr(0, 8) +
                          (legacy_ ? ".json" : ".jsonl");
    }

private:
    static constexpr std::string_view kVersions[] = {"0.39.0", "0.41.2", "0.44.1"};

    void turn() override;
    void open_session(EpochMs t);
    std::string message(const SynthStream& s, const std::string& id, EpochMs at, std::string_view type,
                        const std::string& text, const Tokens* tokens, const std::vector<Call>& calls);
    Call tool_call(EpochMs at);
    void set_updated(int si, EpochMs t);
    EpochMs round(int si, EpochMs t, bool last);
    EpochMs run_subagent(EpochMs t);
    // A message as written (again) at `at`: appended to the JSONL file; in the legacy layout, kept by
    // id for the session's next document (a sub-agent's file is JSONL in both).
    void put_message(int si, EpochMs at, const std::string& id, std::string text, SynthTotals facts);
    // Legacy layout: the session's whole document, as rewritten at `at` with every message so far.
    void write_document(EpochMs at);

    const bool legacy_;
    std::string start_time_;                                         // legacy: the document's startTime
    std::string body_;                                               // legacy: earlier turns' messages
    std::vector<std::pair<std::string, std::string>> turn_messages_;  // legacy: this turn's (id, latest text)
    SynthTotals turn_facts_;                                         // legacy: what this turn's messages add
    std::string version_;
    std::string project_hash_;
    std::vector<std::string> history_;  // the messages as last written, for a checkpoint
    std::string last_prompt_id_;
};

void GeminiSynth::open_session(EpochMs t) {
    project_hash_ = hex_id(r, 64);
    if (legacy_) {  // the document's header (write_document)
        start_time_ = format_iso8601(t);
        return;
    }
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("sessionId", session_id_)
        .kv("projectHash", project_hash_)
        .kv("startTime", format_iso8601(t))
        .kv("lastUpdated", format_iso8601(t))
        .kv("kind", "main")
        .end();
    push(0, t, std::move(p));
}

std::string GeminiSynth::message(const SynthStream& s, const std::string& id, EpochMs at, std::string_view type,
                                 const std::string& text, const Tokens* tokens, const std::vector<Call>& calls) {
    std::string p;
    JsonWriter w(p);
    w.obj().kv("id", id).kv("timestamp", format_iso8601(at)).kv("type", type);
    if (type == "user") {
        w.key("content").arr().obj().kv("text", text).end().end();
    } else {
        w.kv("content", text).kv("model", s.model).key("thoughts").arr().end();
        if (tokens)
            w.key("tokens")
                .obj()
                .kv("input", tokens->input)
                .kv("output", tokens->output)
                .kv("cached", tokens->cached)
                .kv("thoughts", tokens->thoughts)
                .kv("tool", tokens->tool)
                .kv("total", tokens->input + tokens->output + tokens->thoughts + tokens->tool)
                .end();
        else
            w.key("tokens").null();
        if (!calls.empty()) {
            w.key("toolCalls").arr();
            for (const Call& c : calls) w.raw(c.json);
            w.end();
        }
    }
    w.end();
    return p;
}

Call GeminiSynth::tool_call(EpochMs at) {
    Call c;
    const double x = r.unit();
    const std::string name = x < 0.45 ? "read_file" : x < 0.7 ? "replace" : x < 0.85 ? "write_file" : "run_shell_command";
    const std::string id = name + "-" + std::to_string(at) + "-" + hex_id(r, 8);
    std::string args;
    JsonWriter a(args);
    a.obj();
    std::string output;
    if (name == "run_shell_command") {
        a.kv("command", filled(pick(r, kCommands), r)).kv("dir_path", cwd);
        output = shell_output(r, std::min<std::int64_t>(sized(900, 1.2), 12'000));
    } else {
        const std::string rel = project_file();
        a.kv("file_path", cwd + "/" + rel);
        if (name == "write_file") a.kv("content", file_text(rel, sized(1'200, 1.0)));
        if (name == "replace")
            a.kv("old_string", code_text(r, rel, sized(120, 0.6))).kv("new_string", code_text(r, rel, sized(200, 0.8)));
        output = name == "read_file" ? file_text(rel, sized(2'000, 1.1)) : "Successfully modified file: " + rel;
    }
    a.end();
    const double s = r.unit();
    const std::string status = s < 0.06 ? "error" : s < 0.09 ? "cancelled" : "success";
    c.failed = status != "success";
    if (status == "error") output = "Error: failed to edit, could not find the string to replace.";
    if (status == "cancelled") output = "";
    c.result_bytes = static_cast<std::int64_t>(output.size());
    JsonWriter(c.json)
        .obj()
        .kv("id", id)
        .kv("name", name)
        .key("args")
        .raw(args)
        .key("result")
        .arr()
        .obj()
        .key("functionResponse")
        .obj()
        .kv("id", id)
        .kv("name", name)
        .key("response")
        .obj()
        .kv(status == "success" ? "output" : "error", output)
        .end()
        .end()
        .end()
        .end()
        .kv("status", status)
        .kv("timestamp", format_iso8601(at))
        .end();
    return c;
}

void GeminiSynth::put_message(int si, EpochMs at, const std::string& id, std::string text, SynthTotals facts) {
    if (!legacy_ || si != 0) {
        push(si, at, std::move(text), facts);
        return;
    }
    turn_facts_ += facts;
    for (auto& [seen, latest] : turn_messages_)
        if (seen == id) {
            latest = std::move(text);  // the same message again (its tokens, its tool calls): replaced
            return;
        }
    turn_messages_.emplace_back(id, std::move(text));
}

// Pretty-printed as the CLI does (two-space indent), except that each message is on one line.
void GeminiSynth::write_document(EpochMs at) {
    for (auto& [id, text] : turn_messages_) (body_ += body_.empty() ? "    " : ",\n    ") += text;
    turn_messages_.clear();
    std::string doc;
    doc.reserve(body_.size() + 300);
    doc += "{\n  \"sessionId\": ";
    put_string(doc, session_id_);
    doc += ",\n  \"projectHash\": ";
    put_string(doc, project_hash_);
    doc += ",\n  \"startTime\": ";
    put_string(doc, start_time_);
    doc += ",\n  \"lastUpdated\": ";
    put_string(doc, format_iso8601(at));
    doc += ",\n  \"messages\": [\n";
    doc += body_;
    doc += "\n  ]\n}";
    push_document(0, at, std::move(doc), turn_facts_);
    turn_facts_ = {};
}

void GeminiSynth::set_updated(int si, EpochMs t) {
    if (legacy_ && si == 0) return;  // the document's lastUpdated
    std::string p;
    JsonWriter(p).obj().key("$set").obj().kv("lastUpdated", format_iso8601(t)).end().end();
    push(si, t, std::move(p));
}

// One gemini message: written with its text, again once its tokens are known, again with its finished
// tool calls (none in the last round). Returns when the next round may start.
EpochMs GeminiSynth::round(int si, EpochMs t, bool last) {
    SynthStream& s = streams[static_cast<std::size_t>(si)];
    const std::string id = uuid4(r);
    const std::string said = prose(r, static_cast<int>(r.between(1, last ? 8 : 3)));
    SynthTotals msg;
    msg.messages = 1;
    put_message(si, t, id, message(s, id, t, "gemini", said, nullptr, {}), msg);
    Tokens k;
    k.input = s.context;
    k.cached = std::min(s.context, s.cached / 256 * 256);
    k.thoughts = r.chance(0.8) ? r.between(50, 2'000) : 0;
    k.output = static_cast<std::int64_t>(said.size()) / 4 + r.between(5, 120);
    k.tool = r.chance(0.1) ? r.between(10, 300) : 0;
    s.cached = s.context;
    s.context += k.output + k.thoughts;
    SynthTotals use;
    use.usage_events = 1;
    use.unpriced_events = is_unknown_model(s.model) ? 1 : 0;
    use.tokens.input = k.input - k.cached + k.tool;
    use.tokens.cache_read = k.cached;
    use.tokens.output = k.output + k.thoughts;
    use.tokens.reasoning = k.thoughts;
    const EpochMs tokens_at = t + dur(r.lognormal(900, 0.6));
    std::string with_tokens = message(s, id, t, "gemini", said, &k, {});
    put_message(si, tokens_at, id, with_tokens, use);
    set_updated(si, tokens_at + 1);
    EpochMs done = tokens_at + 2;
    if (!last) {
        std::vector<Call> calls;
        const int n = r.chance(0.2) ? 2 : 1;
        SynthTotals f;
        std::int64_t result_bytes = 0;
        for (int i = 0; i < n; ++i) {
            done += dur(r.lognormal(1'800, 1.1));
            calls.push_back(tool_call(done));
            f.tool_calls += 1;
            f.tool_results += 1;
            f.tool_errors += calls.back().failed ? 1 : 0;
            result_bytes += calls.back().result_bytes;
        }
        with_tokens = message(s, id, t, "gemini", said, &k, calls);
        put_message(si, done, id, with_tokens, f);
        set_updated(si, done + 1);
        s.context += result_bytes / 4;
        done += 2;
    }
    if (si == 0) history_.push_back(std::move(with_tokens));
    return done;
}

// A sub-agent (invoke_agent): its own file below the session's folder, named by its own session id, with
// its metadata line (kind subagent), its task as the prompt and a few rounds of tool calls.
EpochMs GeminiSynth::run_subagent(EpochMs t) {
    const std::string parent_model = streams[0].model;
    SynthStream& s = add_subagent();
    s.agent_id = uuid4(r);
    s.path = "tmp/" + slug_of(cwd) + "/chats/" + session_id_ + "/" + s.agent_id + ".jsonl";
    s.model = r.chance(0.5) ? std::string("gemini-2.5-flash") : parent_model;
    s.context = r.between(6'000, 12'000);
    const int si = static_cast<int>(streams.size()) - 1;
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("sessionId", s.agent_id)
        .kv("projectHash", project_hash_)
        .kv("startTime", format_iso8601(t))
        .kv("lastUpdated", format_iso8601(t))
        .kv("kind", "subagent")
        .end();
    push(si, t, std::move(p));
    SynthTotals msg;
    msg.messages = 1;
    push(si, t + 1, message(s, uuid4(r), t + 1, "user", filled(pick(r, kPrompts), r), nullptr, {}), msg);
    t += 2;
    const int rounds = static_cast<int>(r.between(1, 5));
    for (int i = 0; i <= rounds; ++i) t = round(si, t + dur(r.lognormal(2'000, 0.7)), i == rounds);
    return t;
}

void GeminiSynth::turn() {
    EpochMs t = now;
    if (turns == 0) open_session(t);
    SynthTotals msg;
    msg.messages = 1;
    const std::string prompt_id = uuid4(r);
    const std::string text = filled(pick(r, kPrompts), r);
    t += 3;
    std::string prompt = message(streams[0], prompt_id, t, "user", text, nullptr, {});
    put_message(0, t, prompt_id, prompt, msg);
    history_.push_back(std::move(prompt));
    set_updated(0, t + 1);
    streams[0].context += static_cast<std::int64_t>(text.size()) / 4 + (turns == 0 ? 6'000 : 0);
    const int rounds = 1 + static_cast<int>(std::min<double>(15, r.lognormal(3, 0.8)));
    for (int i = 0; i <= rounds; ++i) {
        t += dur(r.lognormal(3'000, 0.8));
        if (i < rounds && spawn_due()) t = run_subagent(t);
        t = round(0, t, i == rounds);
    }
    // Rewound to the previous prompt: its rounds leave the conversation (their usage stays billed).
    if (!last_prompt_id_.empty() && r.chance(0.04)) {
        std::string p;
        JsonWriter(p).obj().kv("$rewindTo", last_prompt_id_).end();
        if (!legacy_) push(0, t, std::move(p));  // the legacy document has no rewinds: drawn all the same
        ++t;
    }
    // A checkpoint restating the conversation (after compression), while it is small enough.
    if (r.chance(0.08) && history_.size() <= 60) {
        std::string p = "{\"$set\":{\"messages\":[";
        for (std::size_t i = 0; i < history_.size(); ++i) (p += i ? "," : "") += history_[i];
        p += "]}}";
        if (!legacy_) push(0, t, std::move(p));  // nor checkpoints
        ++t;
    }
    if (legacy_) write_document(t);
    last_prompt_id_ = prompt_id;
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_gemini_synth(const SynthSessionOptions& opts, std::string_view agent) {
    return std::make_unique<GeminiSynth>(opts, agent, false);
}

std::unique_ptr<SynthAgentSession> make_gemini_legacy_synth(const SynthSessionOptions& opts, std::string_view agent) {
    return std::make_unique<GeminiSynth>(opts, agent, true);
}

}  // namespace agentpulse
