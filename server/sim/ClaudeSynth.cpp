// See ClaudeSynth.hpp. A turn: a file-history snapshot, the prompt, then API responses until the final
// text; each response is one assistant line per content block (thinking, text, tool_use), each tool
// call answered by a user line with its tool_result. Task calls run a sub-agent in a file of its own;
// a long conversation is compacted. Every draw from the seed happens in a fixed order: keep it so.
#include "sim/ClaudeSynth.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <utility>
#include <vector>

#include "sim/SynthJson.hpp"
#include "sim/SynthText.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kBashCommands[] = {
    "npm test -- @", "make -j4 @",      "git status",   "git diff --stat", "pytest -x tests/test_@.py",
    "cargo test @",  "go test ./@/...", "ls -la src/@", "rg -n \"@\" src", "cd build && ctest -R @"};

// Ids matching entries of conf/pricing.json; the unknown ones match none (stored as unpriced).
constexpr WeightedModel kModels[] = {
    {"claude-sonnet-4-5-20250929", 40}, {"claude-opus-4-5-20251101", 25}, {"claude-haiku-4-5-20251001", 8},
    {"claude-sonnet-4-20250514", 8},    {"claude-opus-4-1-20250805", 6},  {"claude-sonnet-4-6", 5},
    {"claude-3-7-sonnet-20250219", 4},  {"claude-3-5-haiku-20241022", 4},
};
constexpr std::string_view kUnknownModels[] = {"claude-sonnet-5-20260301", "claude-opus-5-20260415"};
constexpr std::string_view kHaiku = "claude-haiku-4-5-20251001";
constexpr std::string_view kVersions[] = {"2.0.76", "2.1.3", "2.1.12", "1.0.128", "2.1.20"};

bool is_unknown_model(std::string_view m) {
    for (auto u : kUnknownModels)
        if (u == m) return true;
    return false;
}

// The project folder's name under ~/.claude/projects: the cwd with every other character a dash.
std::string slug_of(std::string_view cwd) {
    std::string s(cwd);
    for (char& c : s)
        if (!std::isalnum(static_cast<unsigned char>(c))) c = '-';
    return s;
}

// "cat -n" view of a file as Claude Code's Read returns it: right-aligned number, an arrow, the line.
std::string numbered(std::string_view text) {
    std::string o;
    o.reserve(text.size() + text.size() / 4 + 16);
    int n = 0;
    std::size_t at = 0;
    while (at < text.size()) {
        std::size_t nl = text.find('\n', at);
        if (nl == std::string_view::npos) nl = text.size();
        char buf[16];
        std::snprintf(buf, sizeof buf, "%6d", ++n);
        o += buf;
        o += "\xe2\x86\x92";  // U+2192
        o.append(text.substr(at, nl - at));
        o.push_back('\n');
        at = nl + 1;
    }
    return o;
}

// A tool call: the input the model writes, the result the harness writes back.
struct ToolPlan {
    std::string name, id;
    std::string input;        // JSON object text
    std::string result;       // JSON value text for tool_result.content
    std::string use_result;   // JSON value text for the line's toolUseResult
    std::string task_prompt;  // Task: what the sub-agent is asked
    bool is_error = false;
    double latency_ms = 0;
    std::int64_t context_bytes = 0;  // what the result adds to the conversation
};

// A tool's texts while they are written: the input, tool_result.content and toolUseResult (empty:
// the same as the content).
struct ToolText {
    std::string in, res, use;
};

// The content blocks of one API response, and which tool call each block is (-1: none).
struct Reply {
    std::vector<std::string> blocks;
    std::vector<int> tool_of_block;
    std::vector<ToolPlan> plans;
    std::int64_t out_bytes = 0;
};

class ClaudeSynth final : public SynthAgentSession {
public:
    ClaudeSynth(const SynthSessionOptions& opts, std::string_view agent) : SynthAgentSession(opts, agent) {
        slug_ = slug_of(cwd);
        SynthStream& s = streams[0];
        version_ = std::string(pick(r, kVersions));
        s.model = r.chance(o.unknown_model_rate) ? std::string(pick(r, kUnknownModels))
                                                 : std::string(pick_weighted(r, kModels));
        s.path = slug_ + "/" + session_id_ + ".jsonl";
        cache_1h_ = r.chance(0.35);
        tier_ = s.model.find("opus-4-5") != std::string::npos && r.chance(0.1) ? "priority" : "standard";
    }

private:
    void turn() override;

    // Lines
    void envelope(JsonWriter& w, const SynthStream& s, std::string_view parent);
    std::string user_line(const SynthStream& s, std::string_view parent, const std::string& uuid, EpochMs at,
                          std::string_view content_json, std::string_view tool_use_result = {},
                          bool meta = false);
    std::string assistant_line(const SynthStream& s, std::string_view parent, const std::string& uuid,
                               EpochMs at, std::string_view model, const std::string& msg_id,
                               const std::string& req_id, std::string_view block_json, const TokenCounts& t,
                               bool synthetic);
    std::string snapshot_line(const std::string& message_id, EpochMs at);
    std::string progress_line(const SynthStream& s, std::string_view parent, const std::string& tool_id,
                              int seconds, EpochMs at);

    // Tools
    ToolPlan plan_tool(std::string_view name);
    void plan_read(ToolPlan& p, ToolText& t);
    void plan_write(ToolPlan& p, ToolText& t);
    void plan_edit(ToolPlan& p, ToolText& t);
    void plan_bash(ToolPlan& p, ToolText& t);
    void plan_search(ToolPlan& p, ToolText& t);
    void plan_todos(ToolPlan& p, ToolText& t);
    ToolPlan plan_task();
    std::string_view draw_tool(bool subagent);

    // Responses
    TokenCounts request_usage(SynthStream& s);
    EpochMs respond(int si, EpochMs t, bool final_text, bool force_task);
    EpochMs api_error(int si, EpochMs at, const std::string& req_id);
    Reply compose(const SynthStream& s, bool final_text, bool force_task);
    EpochMs tool_result(int si, ToolPlan& p, const std::string& call_uuid, EpochMs at);
    EpochMs task_result(ToolPlan& p, EpochMs at);
    void compact(int si, EpochMs at, EpochMs& done);
    EpochMs run_subagent(EpochMs t, const std::string& prompt, std::string& report);

    std::string slug_, version_, tier_;
    bool cache_1h_ = false;
};

// ----- Lines ---------------------------------------------------------------------------------------

void ClaudeSynth::envelope(JsonWriter& w, const SynthStream& s, std::string_view parent) {
    w.key("parentUuid");
    if (parent.empty())
        w.null();
    else
        w.val(parent);
    w.kv("isSidechain", s.subagent).kv("userType", "external").kv("cwd", cwd).kv("sessionId", session_id_);
    w.kv("version", version_).kv("gitBranch", branch);
    if (s.subagent) w.kv("agentId", s.agent_id);
}

// A user line: a prompt (`content_json` a string or block list) or tool results.
std::string ClaudeSynth::user_line(const SynthStream& s, std::string_view parent, const std::string& uuid,
                                   EpochMs at, std::string_view content_json,
                                   std::string_view tool_use_result, bool meta) {
    std::string out;
    out.reserve(content_json.size() + tool_use_result.size() + 512);
    JsonWriter w(out);
    w.obj();
    envelope(w, s, parent);
    w.kv("type", "user");
    w.key("message").obj().kv("role", "user").key("content").raw(content_json).end();
    if (meta) w.kv("isCompactSummary", true);
    w.kv("uuid", uuid).kv("timestamp", format_iso8601(at));
    if (!tool_use_result.empty()) w.key("toolUseResult").raw(tool_use_result);
    w.end();
    return out;
}

std::string ClaudeSynth::assistant_line(const SynthStream& s, std::string_view parent,
                                        const std::string& uuid, EpochMs at, std::string_view model,
                                        const std::string& msg_id, const std::string& req_id,
                                        std::string_view block_json, const TokenCounts& t, bool synthetic) {
    std::string out;
    out.reserve(block_json.size() + 900);
    JsonWriter w(out);
    w.obj();
    envelope(w, s, parent);
    w.key("message").obj().kv("id", msg_id).kv("type", "message").kv("role", "assistant").kv("model", model);
    w.key("content").arr().raw(block_json).end();
    w.key("stop_reason").null().key("stop_sequence").null();
    w.key("usage").obj().kv("input_tokens", t.input).kv("cache_creation_input_tokens", t.cache_create);
    w.kv("cache_read_input_tokens", t.cache_read);
    if (!synthetic) {
        w.key("cache_creation").obj();
        w.kv("ephemeral_5m_input_tokens", t.cache_create - t.cache_create_1h);
        w.kv("ephemeral_1h_input_tokens", t.cache_create_1h).end();
        w.kv("output_tokens", t.output).kv("service_tier", tier_);
    } else {
        w.kv("output_tokens", t.output);
    }
    w.end().end();
    if (!synthetic) w.kv("requestId", req_id);
    if (synthetic) w.kv("isApiErrorMessage", true);
    w.kv("type", "assistant").kv("uuid", uuid).kv("timestamp", format_iso8601(at));
    w.end();
    return out;
}

std::string ClaudeSynth::snapshot_line(const std::string& message_id, EpochMs at) {
    std::string out;
    JsonWriter w(out);
    w.obj().kv("type", "file-history-snapshot").kv("messageId", message_id);
    w.key("snapshot").obj().kv("messageId", message_id).key("trackedFileBackups").obj();
    int v = 1;
    for (const std::string& f : touched) {
        w.key(f).obj().kv("backupFileName", hex_id(r, 16) + "@v" + std::to_string(v)).kv("version", v);
        w.kv("backupTime", format_iso8601(at - 1000 * v)).end();
        v = v % 7 + 1;
    }
    w.end().kv("timestamp", format_iso8601(at)).end();
    w.kv("isSnapshotUpdate", false).end();
    return out;
}

std::string ClaudeSynth::progress_line(const SynthStream& s, std::string_view parent,
                                       const std::string& tool_id, int seconds, EpochMs at) {
    std::string out;
    JsonWriter w(out);
    w.obj();
    envelope(w, s, parent);
    const std::string tail = shell_output(r, r.between(60, 400));
    w.kv("type", "progress").key("data").obj().kv("type", "bash_progress").kv("output", tail);
    w.kv("fullOutput", tail).kv("elapsedTimeSeconds", seconds).kv("totalLines", r.between(1, 400)).end();
    w.kv("toolUseID", "bash-progress-" + std::to_string(seconds)).kv("parentToolUseID", tool_id);
    w.kv("uuid", uuid4(r)).kv("timestamp", format_iso8601(at)).end();
    return out;
}

// ----- Tools ---------------------------------------------------------------------------------------

ToolPlan ClaudeSynth::plan_tool(std::string_view name) {
    ToolPlan p;
    p.name = std::string(name);
    p.id = "toolu_01" + base62(r, 22);
    ToolText t;
    if (name == "Read")
        plan_read(p, t);
    else if (name == "Write")
        plan_write(p, t);
    else if (name == "Edit" || name == "MultiEdit")
        plan_edit(p, t);
    else if (name == "Bash")
        plan_bash(p, t);
    else if (name == "Grep" || name == "Glob")
        plan_search(p, t);
    else if (name == "TodoWrite")
        plan_todos(p, t);
    p.input = std::move(t.in);
    p.result = std::move(t.res);
    p.use_result = t.use.empty() ? p.result : std::move(t.use);
    return p;
}

void ClaudeSynth::plan_read(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in), wu(t.use);
    const std::string rel = project_file(), abs = cwd + "/" + rel;
    const std::string text = file_text(rel, sized(5'000, 1.0));
    const std::int64_t lines = std::count(text.begin(), text.end(), '\n');
    wi.obj().kv("file_path", abs);
    if (r.chance(0.15)) wi.kv("offset", r.between(1, 200)).kv("limit", 2000);
    wi.end();
    p.is_error = r.chance(0.02);
    if (p.is_error) {
        t.res = json_text("<tool_use_error>File does not exist.</tool_use_error>");
        t.use = json_text("Error: File does not exist.");
    } else {
        const std::string shown = numbered(text);
        t.res = r.chance(0.2) ? "[{\"type\":\"text\",\"text\":" + json_text(shown) + "}]" : json_text(shown);
        wu.obj().kv("type", "text").key("file").obj().kv("filePath", abs).kv("content", text);
        wu.kv("numLines", lines).kv("startLine", 1).kv("totalLines", lines).end().end();
        p.context_bytes = static_cast<std::int64_t>(shown.size());
    }
    p.latency_ms = r.lognormal(40, 0.8);
}

void ClaudeSynth::plan_write(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in), wu(t.use);
    const std::string rel = project_file(), abs = cwd + "/" + rel;
    const std::string text = file_text(rel, sized(2'500, 0.9));
    wi.obj().kv("file_path", abs).kv("content", text).end();
    t.res = json_text("File created successfully at: " + abs);
    wu.obj().kv("type", "create").kv("filePath", abs).kv("content", text).key("structuredPatch").arr().end();
    wu.end();
    p.latency_ms = r.lognormal(700, 1.4);
}

void ClaudeSynth::plan_edit(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in), wu(t.use);
    const std::string rel = project_file(), abs = cwd + "/" + rel;
    const std::string original = file_text(rel, sized(7'000, 1.0));
    const bool single = p.name == "Edit";
    const int edits = single ? 1 : static_cast<int>(r.between(2, 4));
    std::vector<std::pair<std::string, std::string>> pairs;
    for (int i = 0; i < edits; ++i)
        pairs.emplace_back(code_text(r, rel, r.between(40, 500)), code_text(r, rel, r.between(40, 900)));
    wi.obj().kv("file_path", abs);
    if (single) {
        wi.kv("old_string", pairs[0].first).kv("new_string", pairs[0].second).kv("replace_all", false);
    } else {
        wi.key("edits").arr();
        for (const auto& [a, b] : pairs) wi.obj().kv("old_string", a).kv("new_string", b).end();
        wi.end();
    }
    wi.end();
    p.is_error = r.chance(0.05);
    if (p.is_error) {
        t.res = json_text("<tool_use_error>String to replace not found in file.\nString: " + pairs[0].first +
                          "</tool_use_error>");
        t.use = json_text("Error: String to replace not found in file.");
    } else {
        const std::string snippet = numbered(pairs[0].second);
        t.res = json_text("The file " + abs +
                          " has been updated. Here's the result of running `cat -n` on a "
                          "snippet of the edited file:\n" +
                          snippet);
        wu.obj().kv("filePath", abs).kv("oldString", pairs[0].first).kv("newString", pairs[0].second);
        wu.kv("originalFile", original).key("structuredPatch").arr();
        for (const auto& pr : pairs) {
            wu.obj().kv("oldStart", r.between(1, 300)).kv("oldLines", r.between(1, 20));
            wu.kv("newStart", r.between(1, 300)).kv("newLines", r.between(1, 25)).key("lines").arr();
            std::size_t at = 0;
            while (at < pr.second.size()) {
                const std::size_t nl = pr.second.find('\n', at);
                wu.val("+" + pr.second.substr(at, nl - at));
                at = nl == std::string::npos ? pr.second.size() : nl + 1;
            }
            wu.end().end();
        }
        wu.end().kv("userModified", false).kv("replaceAll", false).end();
        p.context_bytes = static_cast<std::int64_t>(snippet.size()) + 200;
    }
    p.latency_ms = r.chance(0.3) ? r.lognormal(6'000, 1.0) : r.lognormal(300, 1.0);  // approval wait
}

void ClaudeSynth::plan_bash(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in), wu(t.use);
    const std::string cmd = filled(pick(r, kBashCommands), r);
    wi.obj().kv("command", cmd).kv("description", filled("Run @ for @", r));
    if (r.chance(0.2)) wi.kv("timeout", 600000);
    wi.end();
    const std::string out = shell_output(r, sized(700, 1.5));
    p.is_error = r.chance(0.08);
    if (p.is_error) {
        t.res = json_text("Exit code 1\n" + out);
        t.use = json_text("Error: Exit code 1\n" + out);
    } else {
        t.res = json_text(out);
        wu.obj().kv("stdout", out).kv("stderr", "").kv("interrupted", false).kv("isImage", false).end();
    }
    p.context_bytes = static_cast<std::int64_t>(out.size());
    p.latency_ms = r.lognormal(1'800, 1.3);
}

void ClaudeSynth::plan_search(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in), wu(t.use);
    const bool grep = p.name == "Grep";
    const std::string pattern = grep ? filled("@\\(", r) : "**/*" + std::string(ext);
    wi.obj().kv("pattern", pattern);
    if (r.chance(0.4)) wi.kv("path", cwd + "/" + filled(pick(r, kDirs), r));
    if (grep) wi.kv("output_mode", r.chance(0.5) ? "content" : "files_with_matches");
    wi.end();
    const auto n = r.between(0, grep ? 40 : 150);
    std::string listing;
    std::vector<std::string> names;
    for (std::int64_t i = 0; i < n && static_cast<std::int64_t>(listing.size()) < cap(); ++i) {
        names.push_back(cwd + "/" + filled(pick(r, kDirs), r) + "/" + filled("@", r) + std::string(ext));
        listing += names.back();
        if (grep && r.chance(0.5))
            listing += ":" + std::to_string(r.between(1, 900)) + ":" + filled(pick(r, kTsLines), r);
        listing.push_back('\n');
    }
    t.res = json_text(n == 0 ? std::string("No files found")
                             : "Found " + std::to_string(names.size()) + " files\n" + listing);
    wu.obj().kv("mode", grep ? "files_with_matches" : "glob").key("filenames").arr();
    for (const auto& f : names) wu.val(f);
    wu.end().kv("numFiles", static_cast<std::int64_t>(names.size())).kv("durationMs", r.between(3, 400));
    wu.kv("truncated", false).end();
    p.context_bytes = static_cast<std::int64_t>(listing.size());
    p.latency_ms = r.lognormal(grep ? 150 : 60, 0.8);
}

void ClaudeSynth::plan_todos(ToolPlan& p, ToolText& t) {
    JsonWriter wi(t.in);
    wi.obj().key("todos").arr();
    const auto n = r.between(2, 7);
    for (std::int64_t i = 0; i < n; ++i)
        wi.obj()
            .kv("content", filled(pick(r, kPrompts), r))
            .kv("status", i == 0 ? "in_progress" : (i < n / 2 ? "completed" : "pending"))
            .kv("activeForm", filled("Working on @", r))
            .end();
    wi.end().end();
    t.res = json_text(
        "Todos have been modified successfully. Ensure that you continue to use the todo list to "
        "track your progress.");
    t.use = t.in;
    p.latency_ms = r.lognormal(15, 0.5);
}

// A Task call: the sub-agent runs when its result is due (task_result).
ToolPlan ClaudeSynth::plan_task() {
    ToolPlan task;
    task.name = "Task";
    task.id = "toolu_01" + base62(r, 22);
    task.task_prompt = filled(pick(r, kPrompts), r) + " " + prose(r, static_cast<int>(r.between(1, 5)));
    std::string in;
    JsonWriter(in)
        .obj()
        .kv("description", filled("Explore @ @", r))
        .kv("prompt", task.task_prompt)
        .kv("subagent_type", r.chance(0.5) ? "Explore" : "general-purpose")
        .end();
    task.input = std::move(in);
    return task;
}

std::string_view ClaudeSynth::draw_tool(bool subagent) {
    const std::int64_t x = r.between(0, 99);
    if (subagent) return x < 40 ? "Read" : x < 60 ? "Grep" : x < 75 ? "Glob" : "Bash";
    return x < 30   ? "Read"
           : x < 50 ? "Bash"
           : x < 65 ? "Edit"
           : x < 73 ? "Grep"
           : x < 78 ? "Glob"
           : x < 85 ? "Write"
           : x < 89 ? "MultiEdit"
           : x < 94 ? "TodoWrite"
                    : "Read";
}

// ----- Responses -----------------------------------------------------------------------------------

// Usage of the next request on stream `s`: the conversation so far, most of it cached.
TokenCounts ClaudeSynth::request_usage(SynthStream& s) {
    TokenCounts t;
    t.input = r.between(1, 9);
    t.cache_read = s.cached;
    t.cache_create = std::max<std::int64_t>(0, s.context - s.cached);
    if (cache_1h_) t.cache_create_1h = t.cache_create;
    s.cached = s.context;
    return t;
}

// One API response on stream `si`, its lines and its tool calls' results. Returns when the last
// result landed (the next request can start).
EpochMs ClaudeSynth::respond(int si, EpochMs t, bool final_text, bool force_task) {
    const auto stream = [&]() -> SynthStream& { return streams[static_cast<std::size_t>(si)]; };
    EpochMs at = t + dur(r.lognormal(2'500, 0.7));
    const std::string msg_id = "msg_01" + base62(r, 22), req_id = "req_011C" + base62(r, 20);
    if (r.chance(0.006)) at = api_error(si, at, req_id);

    Reply reply = compose(stream(), final_text, force_task);
    TokenCounts usage = request_usage(stream());
    const std::int64_t final_out = std::max<std::int64_t>(1, reply.out_bytes * 10 / 38 + r.between(5, 60));
    const bool grows = reply.blocks.size() > 1 && r.chance(0.55);
    const std::int64_t early_out = std::min(final_out, r.between(1, 12));
    const bool unknown = is_unknown_model(stream().model);

    EpochMs done = at;
    std::int64_t billed_out = 0;
    std::int64_t result_bytes = 0;
    for (std::size_t i = 0; i < reply.blocks.size(); ++i) {
        if (i) at += dur(r.lognormal(450, 0.9));
        usage.output = grows && i + 1 < reply.blocks.size() ? early_out : final_out;
        SynthTotals f;
        f.messages = 1;
        if (i == 0) {
            f.usage_events = 1;
            f.unpriced_events = unknown ? 1 : 0;
            f.tokens = usage;
        } else if (usage.output > billed_out) {
            f.usage_updates = 1;
            f.tokens.output = usage.output - billed_out;
        }
        billed_out = std::max(billed_out, usage.output);
        const int ti = reply.tool_of_block[i];
        if (ti >= 0) f.tool_calls = 1;
        const std::string uuid = uuid4(r);
        SynthStream& s = stream();
        push(si, at,
             assistant_line(s, s.last_uuid, uuid, at, s.model, msg_id, req_id, reply.blocks[i], usage, false),
             f);
        s.last_uuid = uuid;
        done = std::max(done, at);
        if (ti < 0) continue;
        ToolPlan& p = reply.plans[static_cast<std::size_t>(ti)];
        const EpochMs result_at = tool_result(si, p, uuid, at);
        result_bytes += p.context_bytes;
        done = std::max(done, result_at);
    }
    SynthStream& s = stream();
    s.context += final_out + result_bytes * 10 / 36;
    if (s.context > 170'000 && !s.subagent) compact(si, done + dur(r.lognormal(20'000, 0.4)), done);
    return done + dur(r.lognormal(150, 0.5));
}

// A local API error line: <synthetic>, zero usage, not billed. Returns when the retry starts.
EpochMs ClaudeSynth::api_error(int si, EpochMs at, const std::string& req_id) {
    SynthStream& s = streams[static_cast<std::size_t>(si)];
    const std::string uuid = uuid4(r);
    std::string block;
    JsonWriter(block)
        .obj()
        .kv("type", "text")
        .kv("text",
            "API Error: 529 {\"type\":\"error\",\"error\":"
            "{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")
        .end();
    SynthTotals f;
    f.messages = 1;
    push(si, at,
         assistant_line(s, s.last_uuid, uuid, at, "<synthetic>", "msg_" + uuid4(r), req_id, block, {}, true),
         f);
    s.last_uuid = uuid;
    return at + dur(r.lognormal(4'000, 0.6));
}

// The response's content blocks: maybe thinking, maybe text (always for the final one), and unless
// final one or more tool calls (a Task first when one is forced).
Reply ClaudeSynth::compose(const SynthStream& s, bool final_text, bool force_task) {
    Reply reply;
    const auto add = [&](std::string block, int tool) {
        reply.blocks.push_back(std::move(block));
        reply.tool_of_block.push_back(tool);
    };
    if (r.chance(0.35)) {
        std::string b;
        const std::string thought = prose(r, static_cast<int>(r.between(2, 12)));
        JsonWriter(b)
            .obj()
            .kv("type", "thinking")
            .kv("thinking", thought)
            .kv("signature", base64_blob(r, r.between(200, 1200)))
            .end();
        reply.out_bytes += static_cast<std::int64_t>(thought.size());
        add(std::move(b), -1);
    }
    if (final_text || r.chance(0.55)) {
        std::string b;
        const std::string said = prose(r, static_cast<int>(final_text ? r.between(2, 14) : r.between(1, 3)));
        JsonWriter(b).obj().kv("type", "text").kv("text", said).end();
        reply.out_bytes += static_cast<std::int64_t>(said.size());
        add(std::move(b), -1);
    }
    if (final_text) return reply;
    int n = r.chance(0.3) ? static_cast<int>(r.between(2, 4)) : 1;
    if (force_task) {
        reply.plans.push_back(plan_task());
        --n;
    }
    for (int i = 0; i < n; ++i) reply.plans.push_back(plan_tool(draw_tool(s.subagent)));
    for (std::size_t i = 0; i < reply.plans.size(); ++i) {
        const ToolPlan& p = reply.plans[i];
        std::string b;
        JsonWriter(b)
            .obj()
            .kv("type", "tool_use")
            .kv("id", p.id)
            .kv("name", p.name)
            .key("input")
            .raw(p.input)
            .end();
        reply.out_bytes += static_cast<std::int64_t>(p.input.size());
        add(std::move(b), static_cast<int>(i));
    }
    return reply;
}

// The result of the tool call made by the assistant line `call_uuid` at `at` (a long command reports
// progress while it runs; a Task runs its sub-agent first). Returns when the result landed.
EpochMs ClaudeSynth::tool_result(int si, ToolPlan& p, const std::string& call_uuid, EpochMs at) {
    EpochMs result_at;
    if (p.name == "Task") {
        result_at = task_result(p, at);
    } else {
        result_at = at + dur(p.latency_ms);
        if (p.name == "Bash" && p.latency_ms > 3'000) {
            for (int sec = 1; sec * 1000 < p.latency_ms && sec <= 30; sec += sec < 4 ? 1 : 5)
                push(si, at + dur(sec * 1000.0),
                     progress_line(streams[static_cast<std::size_t>(si)], call_uuid, p.id, sec,
                                   at + dur(sec * 1000.0)));
        }
    }
    SynthStream& s = streams[static_cast<std::size_t>(si)];
    std::string content = "[{\"tool_use_id\":";
    put_string(content, p.id);
    content += ",\"type\":\"tool_result\",\"content\":";
    content += p.result;
    if (p.is_error) content += ",\"is_error\":true";
    content += "}]";
    SynthTotals rf;
    rf.messages = 1;
    rf.tool_results = 1;
    rf.tool_errors = p.is_error ? 1 : 0;
    const std::string ruuid = uuid4(r);
    push(si, result_at, user_line(s, call_uuid, ruuid, result_at, content, p.use_result), rf);
    s.last_uuid = ruuid;
    return result_at;
}

// Runs the Task's sub-agent and fills in what it reports. Returns when the result is due.
EpochMs ClaudeSynth::task_result(ToolPlan& p, EpochMs at) {
    std::string report;
    const EpochMs begin = at + dur(r.lognormal(300, 0.5));
    const EpochMs end = run_subagent(begin, p.task_prompt, report);
    const EpochMs result_at = end + dur(r.lognormal(200, 0.5));
    const std::string list = "[{\"type\":\"text\",\"text\":" + json_text(report) + "}]";
    std::string use;
    JsonWriter(use)
        .obj()
        .kv("status", "completed")
        .kv("agentId", streams.back().agent_id)
        .key("content")
        .raw(list)
        .kv("totalDurationMs", result_at - at)
        .kv("totalTokens", r.between(5'000, 90'000))
        .kv("totalToolUseCount", r.between(2, 30))
        .end();
    p.result = list;
    p.use_result = std::move(use);
    p.context_bytes = static_cast<std::int64_t>(report.size());
    return result_at;
}

// Auto-compaction: a boundary line and a summary user line; the context starts small again.
void ClaudeSynth::compact(int si, EpochMs at, EpochMs& done) {
    SynthStream& s = streams[static_cast<std::size_t>(si)];
    std::string b;
    JsonWriter w(b);
    w.obj();
    envelope(w, s, s.last_uuid);
    const std::string buuid = uuid4(r);
    w.kv("type", "system").kv("subtype", "compact_boundary").kv("content", "Conversation compacted");
    w.kv("isMeta", false).kv("level", "info").key("compactMetadata").obj().kv("trigger", "auto");
    w.kv("preTokens", s.context).end();
    w.kv("uuid", buuid).kv("timestamp", format_iso8601(at)).end();
    push(si, at, std::move(b));
    SynthTotals f;
    f.messages = 1;
    const std::string suuid = uuid4(r);
    push(si, at + 5, user_line(s, buuid, suuid, at + 5, json_text(prose(r, 20)), {}, true), f);
    s.last_uuid = suuid;
    s.context = r.between(18'000, 30'000);
    s.cached = 0;
    done = at + 5;
}

EpochMs ClaudeSynth::run_subagent(EpochMs t, const std::string& prompt, std::string& report) {
    const std::string parent_model = streams[0].model;
    SynthStream& s = add_subagent();
    s.agent_id = hex_id(r, 8);
    s.path = slug_ + "/" + session_id_ + "/subagents/agent-" + s.agent_id + ".jsonl";
    s.model = r.chance(0.5) ? std::string(kHaiku) : parent_model;
    s.context = r.between(8'000, 13'000);
    const int si = static_cast<int>(streams.size()) - 1;
    const std::int64_t budget = std::max<std::int64_t>(
        8'000, static_cast<std::int64_t>(static_cast<double>(remaining()) * r.unit() * 0.6 /
                                         std::max(1, o.subagents - spawned + 1)));
    const std::int64_t start_bytes = generated;
    const std::string uuid = uuid4(r);
    SynthTotals f;
    f.messages = 1;
    push(si, t, user_line(s, {}, uuid, t, json_text(prompt)), f);
    s.last_uuid = uuid;
    const int rounds = static_cast<int>(r.between(2, 8));
    for (int i = 0; i < rounds && generated - start_bytes < budget; ++i) t = respond(si, t, false, false);
    report = prose(r, static_cast<int>(r.between(4, 20)));
    return respond(si, t, true, false);
}

void ClaudeSynth::turn() {
    SynthStream& s = streams[0];
    EpochMs t = now;
    if (turns == 0 && r.chance(0.3)) {
        std::string b;
        JsonWriter(b)
            .obj()
            .kv("type", "summary")
            .kv("summary", filled(pick(r, kPrompts), r))
            .kv("leafUuid", uuid4(r))
            .end();
        push(0, t, std::move(b));
    }
    const std::string uuid = uuid4(r);
    push(0, t, snapshot_line(uuid, t));
    std::string prompt = filled(pick(r, kPrompts), r);
    if (r.chance(0.1)) prompt += "\n\n" + shell_output(r, sized(3'000, 1.0));  // a pasted log
    SynthTotals f;
    f.messages = 1;
    t += dur(r.lognormal(30, 0.5));
    push(0, t,
         user_line(
             s, s.last_uuid, uuid, t,
             r.chance(0.3) ? "[{\"type\":\"text\",\"text\":" + json_text(prompt) + "}]" : json_text(prompt)),
         f);
    s.last_uuid = uuid;
    const int rounds = 1 + static_cast<int>(std::min<double>(14, r.lognormal(3, 0.8)));
    for (int i = 0; i < rounds; ++i) t = respond(0, t, false, spawn_due());
    while (spawn_due()) t = respond(0, t, false, true);
    t = respond(0, t, true, false);
    now = t + dur(std::min(20.0 * 60'000, r.lognormal(45'000, 1.1)));  // the user reads, thinks, types
}

}  // namespace

std::unique_ptr<SynthAgentSession> make_claude_synth(const SynthSessionOptions& opts,
                                                     std::string_view agent) {
    return std::make_unique<ClaudeSynth>(opts, agent);
}

}  // namespace agentpulse
