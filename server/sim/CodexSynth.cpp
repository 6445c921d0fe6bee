// See CodexSynth.hpp. A rollout opens with session_meta and the environment; a turn is a turn_context,
// the prompt (as a response item and an event), then rounds of reasoning and tool calls (shell or
// apply_patch, each answered by its output) with a token_count event per model response, ending in the
// final message. Every draw from the seed happens in a fixed order: keep it so.
#include "sim/CodexSynth.hpp"

#include <algorithm>
#include <utility>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kCommands[] = {"rg -n \"@\" src",
                                          "sed -n '1,200p' src/@/@.ts",
                                          "ls -la",
                                          "cargo test @",
                                          "pytest -q tests/test_@.py",
                                          "git diff",
                                          "go test ./...",
                                          "npm run build"};

// Ids matching entries of conf/pricing.json; the unknown ones match none (stored as unpriced).
constexpr WeightedModel kModels[] = {
    {"gpt-5-codex", 30}, {"gpt-5.1-codex", 25}, {"gpt-5.2-codex", 15}, {"gpt-5.1-codex-max", 10},
    {"gpt-5", 10},       {"gpt-5-mini", 5},     {"o4-mini", 5},
};
constexpr std::string_view kUnknownModels[] = {"gpt-6-codex-preview", "gpt-5.5-codex"};
constexpr std::string_view kVersions[] = {"0.46.0", "0.58.0", "0.63.0", "0.71.0"};

bool is_unknown_model(std::string_view m) {
    for (auto u : kUnknownModels)
        if (u == m) return true;
    return false;
}

std::string date_path(EpochMs at) {
    const std::string iso = format_iso8601(at);  // 2026-01-05T09:00:00.000Z
    return iso.substr(0, 4) + "/" + iso.substr(5, 2) + "/" + iso.substr(8, 2);
}

// Codex's token counts: cumulative for the session and for the last response.
struct Usage {
    std::int64_t input = 0, cached = 0, output = 0, reasoning = 0;
};

// One tool call of a round: its response item, its output's, what it adds to the response's output
// and to the conversation.
struct Call {
    std::string item, output;
    std::int64_t out_bytes = 0, result_bytes = 0;
    bool failed = false;
};

class CodexSynth final : public SynthAgentSession {
public:
    CodexSynth(const SynthSessionOptions& opts, std::string_view agent) : SynthAgentSession(opts, agent) {
        version_ = std::string(pick(r, kVersions));
        model_ = draw_model();
        const std::string iso = format_iso8601(now);
        std::string stamp = iso.substr(0, 19);
        std::replace(stamp.begin(), stamp.end(), ':', '-');
        streams[0].path = date_path(now) + "/rollout-" + stamp + "-" + session_id_ + ".jsonl";
    }

private:
    void turn() override;

    std::string draw_model();
    std::string line(EpochMs at, std::string_view type, const std::string& payload);
    std::string message_payload(std::string_view role, std::string_view kind, const std::string& text);
    std::string usage_json(const Usage& u);
    std::string rate_limits();
    void tokens(EpochMs at, std::int64_t out_bytes);
    void open_rollout(EpochMs t);
    void turn_context(EpochMs t);
    EpochMs prompt(EpochMs t);
    EpochMs reasoning(EpochMs t, std::int64_t& out_bytes);
    EpochMs calls(EpochMs t, std::int64_t& out_bytes);
    Call apply_patch(const std::string& call_id);
    Call shell(const std::string& call_id);

    std::string version_, model_;
    Usage total_;
};

std::string CodexSynth::draw_model() {
    return r.chance(o.unknown_model_rate) ? std::string(pick(r, kUnknownModels))
                                          : std::string(pick_weighted(r, kModels));
}

std::string CodexSynth::line(EpochMs at, std::string_view type, const std::string& payload) {
    std::string out;
    out.reserve(payload.size() + 80);
    out += "{\"timestamp\":\"";
    out += format_iso8601(at);
    out += "\",\"type\":";
    put_string(out, type);
    out += ",\"payload\":";
    out += payload;
    out += "}";
    return out;
}

std::string CodexSynth::message_payload(std::string_view role, std::string_view kind,
                                        const std::string& text) {
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("type", "message")
        .kv("role", role)
        .key("content")
        .arr()
        .obj()
        .kv("type", kind)
        .kv("text", text)
        .end()
        .end()
        .end();
    return p;
}

std::string CodexSynth::usage_json(const Usage& u) {
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("input_tokens", u.input)
        .kv("cached_input_tokens", u.cached)
        .kv("output_tokens", u.output)
        .kv("reasoning_output_tokens", u.reasoning)
        .kv("total_tokens", u.input + u.output)
        .end();
    return p;
}

std::string CodexSynth::rate_limits() {
    std::string p;
    JsonWriter(p)
        .obj()
        .key("primary")
        .obj()
        .kv("used_percent", static_cast<double>(r.between(0, 95)))
        .kv("window_minutes", 300)
        .kv("resets_in_seconds", r.between(60, 18'000))
        .end()
        .key("secondary")
        .obj()
        .kv("used_percent", static_cast<double>(r.between(0, 60)))
        .kv("window_minutes", 10080)
        .kv("resets_in_seconds", r.between(3'600, 600'000))
        .end()
        .end();
    return p;
}

// A model response's token_count event (sometimes written twice, as Codex does).
void CodexSynth::tokens(EpochMs at, std::int64_t out_bytes) {
    SynthStream& s = streams[0];
    Usage last;
    last.input = s.context;
    last.cached = std::min(s.context, s.cached / 64 * 64);
    last.reasoning = r.chance(0.7) ? r.between(0, 1'500) : 0;
    last.output = out_bytes / 4 + r.between(10, 200) + last.reasoning;
    s.cached = s.context;
    s.context += last.output;
    total_.input += last.input, total_.cached += last.cached;
    total_.output += last.output, total_.reasoning += last.reasoning;
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("type", "token_count")
        .key("info")
        .obj()
        .key("total_token_usage")
        .raw(usage_json(total_))
        .key("last_token_usage")
        .raw(usage_json(last))
        .kv("model_context_window", 272'000)
        .end()
        .key("rate_limits")
        .raw(rate_limits())
        .end();
    SynthTotals f;
    f.usage_events = 1;
    f.unpriced_events = is_unknown_model(model_) ? 1 : 0;
    f.tokens.input = last.input - last.cached;
    f.tokens.cache_read = last.cached;
    f.tokens.output = last.output;
    f.tokens.reasoning = last.reasoning;
    push(0, at, line(at, "event_msg", p), f);
    if (r.chance(0.3)) {
        const EpochMs again = at + dur(static_cast<double>(r.between(1, 40)));
        push(0, again, line(again, "event_msg", p));
    }
}

// The rollout's first lines: session_meta and the environment context the CLI sends first.
void CodexSynth::open_rollout(EpochMs t) {
    SynthTotals msg;
    msg.messages = 1;
    std::string p;
    JsonWriter w(p);
    w.obj()
        .kv("id", session_id_)
        .kv("timestamp", format_iso8601(t))
        .kv("cwd", cwd)
        .kv("originator", "codex_cli_rs")
        .kv("cli_version", version_)
        .key("instructions")
        .null()
        .kv("source", "cli")
        .kv("model_provider", "openai")
        .key("git")
        .obj()
        .kv("commit_hash", hex_id(r, 40))
        .kv("branch", branch)
        .kv("repository_url",
            "git@github.com:" + std::string(pick(r, kUsers)) + "/" + cwd.substr(cwd.rfind('/') + 1) + ".git")
        .end()
        .end();
    push(0, t, line(t, "session_meta", p));
    push(0, t + 2,
         line(t + 2, "response_item",
              message_payload("user", "input_text",
                              "<environment_context>\n  <cwd>" + cwd +
                                  "</cwd>\n  <approval_policy>on-request</approval_policy>\n"
                                  "  <sandbox_mode>workspace-write</sandbox_mode>\n"
                                  "  <network_access>restricted</network_access>\n  <shell>bash</shell>\n"
                                  "</environment_context>")),
         msg);
}

void CodexSynth::turn_context(EpochMs t) {
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("cwd", cwd)
        .kv("approval_policy", "on-request")
        .key("sandbox_policy")
        .obj()
        .kv("mode", "workspace-write")
        .kv("network_access", false)
        .end()
        .kv("model", model_)
        .kv("effort", r.chance(0.5) ? "medium" : "high")
        .kv("summary", "auto")
        .end();
    push(0, t + 3, line(t + 3, "turn_context", p));
}

// The user's prompt: a response item, the user_message event and a token_count without usage.
// Returns the prompt's time.
EpochMs CodexSynth::prompt(EpochMs t) {
    SynthTotals msg;
    msg.messages = 1;
    std::string text = filled(pick(r, kPrompts), r);
    t += 4;
    push(0, t, line(t, "response_item", message_payload("user", "input_text", text)), msg);
    std::string p;
    JsonWriter(p).obj().kv("type", "user_message").kv("message", text).key("images").arr().end().end();
    push(0, t + 1, line(t + 1, "event_msg", p));
    std::string q;
    JsonWriter(q)
        .obj()
        .kv("type", "token_count")
        .key("info")
        .null()
        .key("rate_limits")
        .raw(rate_limits())
        .end();
    push(0, t + 2, line(t + 2, "event_msg", q));
    streams[0].context += static_cast<std::int64_t>(text.size()) / 4;
    return t;
}

// A reasoning summary (response item and event). Returns the time after it.
EpochMs CodexSynth::reasoning(EpochMs t, std::int64_t& out_bytes) {
    const std::string summary =
        "**" + filled("Inspecting @ @", r) + "**\n\n" + prose(r, static_cast<int>(r.between(1, 4)));
    std::string p;
    JsonWriter(p)
        .obj()
        .kv("type", "reasoning")
        .key("summary")
        .arr()
        .obj()
        .kv("type", "summary_text")
        .kv("text", summary)
        .end()
        .end()
        .key("content")
        .null()
        .kv("encrypted_content", "gAAAAAB" + base64_blob(r, sized(2'500, 0.7)))
        .end();
    push(0, t, line(t, "response_item", p));
    std::string q;
    JsonWriter(q).obj().kv("type", "agent_reasoning").kv("text", summary).end();
    push(0, t + 1, line(t + 1, "event_msg", q));
    out_bytes += static_cast<std::int64_t>(summary.size());
    return t + 2;
}

Call CodexSynth::apply_patch(const std::string& call_id) {
    Call c;
    const std::string rel = project_file();
    const std::string patch = "*** Begin Patch\n*** " + std::string(r.chance(0.2) ? "Add" : "Update") +
                              " File: " + rel + "\n@@\n" + code_text(r, rel, sized(900, 1.0)) +
                              "*** End Patch\n";
    JsonWriter(c.item)
        .obj()
        .kv("type", "custom_tool_call")
        .kv("status", "completed")
        .kv("call_id", call_id)
        .kv("name", "apply_patch")
        .kv("input", patch)
        .end();
    c.out_bytes = static_cast<std::int64_t>(patch.size());
    c.failed = r.chance(0.04);
    std::string inner;
    JsonWriter(inner)
        .obj()
        .kv("output", c.failed ? "apply_patch verification failed: context not found\n"
                               : "Success. Updated the following files:\nM " + rel + "\n")
        .key("metadata")
        .obj()
        .kv("exit_code", c.failed ? 1 : 0)
        .kv("duration_seconds", 0.0)
        .end()
        .end();
    JsonWriter(c.output)
        .obj()
        .kv("type", "custom_tool_call_output")
        .kv("call_id", call_id)
        .kv("output", inner)
        .end();
    return c;
}

Call CodexSynth::shell(const std::string& call_id) {
    Call c;
    const std::string cmd = filled(pick(r, kCommands), r);
    std::string args;
    JsonWriter aw(args);
    aw.obj();
    if (r.chance(0.5)) {
        aw.key("command").arr().val("bash").val("-lc").val(cmd).end();
    } else {
        aw.kv("command", cmd);
    }
    aw.kv("workdir", cwd).kv("timeout_ms", 120'000).end();
    JsonWriter(c.item)
        .obj()
        .kv("type", "function_call")
        .kv("name", r.chance(0.5) ? "shell" : "shell_command")
        .kv("arguments", args)
        .kv("call_id", call_id)
        .end();
    c.out_bytes = static_cast<std::int64_t>(args.size());
    c.failed = r.chance(0.08);
    const std::string text = shell_output(r, std::min<std::int64_t>(sized(1'200, 1.3), 16'000));
    c.result_bytes = static_cast<std::int64_t>(text.size());
    std::string output;
    if (r.chance(0.5)) {
        JsonWriter(output)
            .obj()
            .kv("output", text)
            .key("metadata")
            .obj()
            .kv("exit_code", c.failed ? 1 : 0)
            .kv("duration_seconds", r.unit() * 8)
            .end()
            .end();
    } else {
        output =
            "Exit code: " + std::string(c.failed ? "1" : "0") + "\nWall time: 0.4 seconds\nOutput:\n" + text;
    }
    JsonWriter(c.output)
        .obj()
        .kv("type", "function_call_output")
        .kv("call_id", call_id)
        .kv("output", output)
        .end();
    return c;
}

// The tool calls of one round and their outputs, then the response's token count. Returns the time
// the next round may start.
EpochMs CodexSynth::calls(EpochMs t, std::int64_t& out_bytes) {
    SynthTotals msg;
    msg.messages = 1;
    const int n = r.chance(0.15) ? 2 : 1;
    EpochMs done = t;
    std::int64_t result_bytes = 0;
    for (int i = 0; i < n; ++i) {
        const std::string call_id = "call_" + base62(r, 24);
        const EpochMs call_at = t + i;
        const Call c = r.chance(0.25) ? apply_patch(call_id) : shell(call_id);
        out_bytes += c.out_bytes;
        result_bytes += c.result_bytes;
        SynthTotals cf = msg;
        cf.tool_calls = 1;
        SynthTotals rf = msg;
        rf.tool_results = 1;
        rf.tool_errors = c.failed ? 1 : 0;
        push(0, call_at, line(call_at, "response_item", c.item), cf);
        const EpochMs result_at = call_at + dur(r.lognormal(1'500, 1.2));
        push(0, result_at, line(result_at, "response_item", c.output), rf);
        done = std::max(done, result_at);
    }
    tokens(t + n, out_bytes);
    streams[0].context += result_bytes / 4;
    return done + 1;
}

void CodexSynth::turn() {
    EpochMs t = now;
    if (turns == 0) open_rollout(t);
    if (turns > 0 && r.chance(0.05)) model_ = draw_model();
    turn_context(t);
    t = prompt(t);
    const int rounds = 1 + static_cast<int>(std::min<double>(20, r.lognormal(4, 0.8)));
    for (int i = 0; i <= rounds; ++i) {
        t += dur(r.lognormal(3'500, 0.8));
        std::int64_t out_bytes = 0;
        if (r.chance(0.8)) t = reasoning(t, out_bytes);
        if (i < rounds) {
            t = calls(t, out_bytes);
            continue;
        }
        const std::string said = prose(r, static_cast<int>(r.between(2, 12)));
        SynthTotals msg;
        msg.messages = 1;
        push(0, t, line(t, "response_item", message_payload("assistant", "output_text", said)), msg);
        std::string q;
        JsonWriter(q).obj().kv("type", "agent_message").kv("message", said).end();
        push(0, t + 1, line(t + 1, "event_msg", q));
        tokens(t + 2, out_bytes + static_cast<std::int64_t>(said.size()));
        t += 3;
    }
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_codex_synth(const SynthSessionOptions& opts, std::string_view agent) {
    return std::make_unique<CodexSynth>(opts, agent);
}

}  // namespace agentpulse
