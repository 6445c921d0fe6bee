// A realistic, reproducible transcript corpus (seeded): Claude Code sessions with split responses,
// parallel tool calls whose results land in later lines, sub-agent files, resumed sessions replaying a
// response, sessions that move folder / switch branch / update their CLI mid-way, a few bad lines and a
// CRLF file; and Codex rollouts with cumulative token counts, repeated counts and model switches.
// The corpus is the final content of every file; tests write all of it, or a prefix and append the rest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "TempDir.hpp"
#include "Transcripts.hpp"

namespace agentpulse::test {

struct CorpusFile {
    std::filesystem::path rel;  // below the claude projects root or the codex sessions root
    bool codex = false;
    std::vector<std::string> lines;
    std::string eol = "\n";
    std::size_t min_prefix = 0;  // lines that must be present from the start (replayed elsewhere)

    std::string text(std::size_t from = 0, std::size_t to = SIZE_MAX) const {
        std::string out;
        for (std::size_t i = from; i < std::min(to, lines.size()); ++i) out += lines[i] + eol;
        return out;
    }
};

struct CorpusSpec {
    int projects = 25;
    int sessions_per_project = 6;
    int codex_rollouts = 50;
    int max_turns = 10;
};

class CorpusBuilder {
  public:
    explicit CorpusBuilder(std::uint64_t seed) : rng_(seed) {}

    std::vector<CorpusFile> build(const CorpusSpec& spec) {
        std::vector<CorpusFile> files;
        for (int p = 0; p < spec.projects; ++p) {
            const std::string root = "/home/dev/src/proj" + std::to_string(p);
            const std::string slug = "-home-dev-src-proj" + std::to_string(p);
            std::vector<std::size_t> sessions_here;
            for (int s = 0; s < spec.sessions_per_project; ++s) {
                sessions_here.push_back(files.size());
                claude_session(files, slug, root, p * 100 + s, spec.max_turns);
            }
            // A resumed session replays the first response of an earlier one, then goes on by itself.
            if (p % 5 == 1) {
                CorpusFile& original = files[sessions_here[0]];
                CorpusFile resumed;
                resumed.rel = std::filesystem::path(slug) / ("resumed-" + std::to_string(p) + ".jsonl");
                const std::size_t k = std::min<std::size_t>(original.lines.size(), 6);
                resumed.lines.assign(original.lines.begin(), original.lines.begin() + static_cast<long>(k));
                resumed.min_prefix = k;
                original.min_prefix = std::max(original.min_prefix, k);
                std::vector<CorpusFile> extra;
                claude_session(extra, slug, root, p * 100 + 99, 3);
                for (const auto& l : extra[0].lines) resumed.lines.push_back(l);
                files.push_back(std::move(resumed));
                for (std::size_t i = 1; i < extra.size(); ++i) files.push_back(std::move(extra[i]));
            }
        }
        for (int c = 0; c < spec.codex_rollouts; ++c) files.push_back(codex_rollout(c, spec.max_turns));
        // A CRLF transcript.
        if (!files.empty()) files[files.size() / 3].eol = "\r\n";
        return files;
    }

  private:
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
    std::string id(const std::string& prefix) { return prefix + std::to_string(++counter_); }

    // One Claude session (and its sub-agent files, appended to `files` after it).
    void claude_session(std::vector<CorpusFile>& files, const std::string& slug, const std::string& root,
                        int n, int max_turns) {
        const std::string session = "sess-" + std::to_string(n) + "-" + std::to_string(uniform(1000, 9999));
        const std::size_t main_index = files.size();
        files.push_back({std::filesystem::path(slug) / (session + ".jsonl")});
        std::int64_t clock = 1'795'000'000'000LL + static_cast<std::int64_t>(n) * 3'600'000;
        auto tick = [&](int lo, int hi) { return clock += uniform(lo, hi); };
        std::string cwd = root, version = "2.1.3", branch = "main";
        const int turns = uniform(3, max_turns);
        const int move_at = uniform(0, turns), update_at = uniform(0, turns), switch_at = uniform(0, turns);
        std::string parent;
        for (int t = 0; t < turns; ++t) {
            if (t == move_at) cwd = root + "/web";
            if (t == update_at) version = "2.1.4";
            if (t == switch_at) branch = "feat-" + std::to_string(n);
            auto& main = files[main_index].lines;
            const std::string prompt = id("u-");
            main.push_back(claude_user(prompt, session, format_iso8601(tick(1000, 60'000)),
                                       "do step " + std::to_string(t), cwd));
            parent = prompt;
            for (int r = uniform(1, 3); r > 0; --r) {
                response(files, main_index, session, slug, cwd, version, branch, parent, clock, tick, false);
            }
            if (chance(0.15))
                bad_lines(files[main_index].lines, session, cwd, tick);  // `main` may dangle by now
        }
    }

    template <class Tick>
    void response(std::vector<CorpusFile>& files, std::size_t file_index, const std::string& session,
                  const std::string& slug, const std::string& cwd, const std::string& version,
                  const std::string& branch, std::string& parent, std::int64_t& clock, Tick& tick,
                  bool sidechain) {
        static const char* models[] = {"claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101",
                                       "claude-haiku-4-5-20251001", "claude-sonnet-4-5-20250929"};
        Assistant a;
        a.session = session;
        a.cwd = cwd;
        a.version = version;
        a.branch = branch;
        a.sidechain = sidechain;
        a.msg_id = id("msg_");
        a.request_id = id("req_");
        a.model = sidechain ? "claude-haiku-4-5-20251001" : models[uniform(0, 3)];
        if (chance(0.03)) a.model = "claude-fable-7";  // unpriced
        const std::int64_t c1 = chance(0.5) ? uniform(0, 4000) : 0;
        Usage u{uniform(1, 40),
                uniform(1, 20),
                uniform(0, 150'000),
                c1 + uniform(0, 6000),
                {},
                c1,
                chance(0.05) ? "priority" : "standard"};
        u.c5 = u.cache_create - c1;
        const int final_output = static_cast<int>(u.output) + uniform(0, 2000);
        const int tools = chance(0.7) ? uniform(1, 4) : 0;
        auto& lines = files[file_index].lines;
        // The response's blocks, one line each; the last line carries the final output count.
        std::vector<ToolUse> calls;
        const int blocks = 1 + tools;
        for (int b = 0; b < blocks; ++b) {
            a.uuid = id("a-");
            a.parent_uuid = parent;
            parent = a.uuid;
            a.ts = format_iso8601(tick(50, 4000));
            a.text.clear();
            a.tools.clear();
            if (b == 0) {
                a.text = "thinking about it " + std::string(static_cast<std::size_t>(uniform(10, 600)), 'x');
            } else {
                calls.push_back(tool_use());
                a.tools = {calls.back()};
            }
            a.usage = u;
            if (b == blocks - 1) a.usage->output = final_output;
            lines.push_back(claude_assistant(a));
        }
        if (chance(0.02)) {  // a local error line: synthetic, never billed
            Assistant s = a;
            s.uuid = id("a-");
            s.msg_id = id("msg_");
            s.model = "<synthetic>";
            s.usage = Usage{0, 0, 0, 0};
            s.tools.clear();
            s.text = "API Error";
            s.ts = format_iso8601(tick(1, 50));
            lines.push_back(claude_assistant(s));
        }
        // Results land in later lines, in any order; a Task call runs a sub-agent first.
        std::shuffle(calls.begin(), calls.end(), rng_);
        for (const ToolUse& c : calls) {
            if (c.name == "Task" && !sidechain)
                subagent(files, file_index, session, slug, cwd, version, branch, clock, tick);
            const bool err = chance(0.08);
            std::string content(static_cast<std::size_t>(uniform(0, c.name == "Read" ? 6000 : 800)), 'r');
            auto& ls = files[file_index].lines;  // `files` may have grown
            const std::string uuid = id("u-");
            ls.push_back(claude_result(uuid, session, format_iso8601(tick(20, 30'000)), c.id, content, err,
                                       chance(0.5), cwd));
            parent = uuid;
        }
    }

    template <class Tick>
    void subagent(std::vector<CorpusFile>& files, std::size_t parent_file, const std::string& session,
                  const std::string& slug, const std::string& cwd, const std::string& version,
                  const std::string& branch, std::int64_t& clock, Tick& tick) {
        CorpusFile f;
        f.rel = files[parent_file].rel.parent_path() / session / "subagents" / (id("agent-") + ".jsonl");
        files.push_back(std::move(f));
        const std::size_t idx = files.size() - 1;
        std::string parent;
        files[idx].lines.push_back(
            claude_user(id("u-"), session, format_iso8601(tick(10, 100)), "sub task", cwd));
        for (int r = uniform(1, 3); r > 0; --r)
            response(files, idx, session, slug, cwd, version, branch, parent, clock, tick, true);
    }

    ToolUse tool_use() {
        namespace json = boost::json;
        const std::string file = "/home/dev/src/f" + std::to_string(uniform(1, 50)) + ".cc";
        const int pick = uniform(0, 19);
        if (pick < 6) return {id("toolu_"), "Read", {{"file_path", file}}};
        if (pick < 9)
            return {id("toolu_"),
                    "Write",
                    {{"file_path", file},
                     {"content", std::string(static_cast<std::size_t>(uniform(10, 8000)), 'w')}}};
        if (pick < 12)
            return {id("toolu_"),
                    "Edit",
                    {{"file_path", file},
                     {"old_string", "a"},
                     {"new_string", std::string(static_cast<std::size_t>(uniform(1, 300)), 'e')}}};
        if (pick < 15) return {id("toolu_"), "Grep", {{"pattern", "TODO"}, {"path", "/home/dev/src"}}};
        if (pick < 16) return {id("toolu_"), "Task", {{"description", "explore"}, {"prompt", "look around"}}};
        return {id("toolu_"), "Bash", {{"command", "make -j2"}}};
    }

    template <class Tick>
    void bad_lines(std::vector<std::string>& lines, const std::string& session, const std::string& cwd,
                   Tick& tick) {
        lines.push_back("{\"type\":\"assistant\",\"message\":{\"id\":\"broken");
        lines.push_back(R"({"type":"hologram","data":{"x":1}})");
        Assistant a;
        a.uuid = id("a-");
        a.msg_id = id("msg_");
        a.session = session;
        a.cwd = cwd;
        a.ts = format_iso8601(tick(1, 100));
        a.usage = Usage{1, 9'000'000'000, 0, 0};  // absurd: not billed, line kept
        lines.push_back(claude_assistant(a));
        std::string latin1 = claude_user(id("u-"), session, format_iso8601(tick(1, 100)), "x", cwd + "/CAFE");
        latin1.replace(latin1.find("CAFE"), 4, "caf\xE9");
        lines.push_back(latin1);
    }

    CorpusFile codex_rollout(int n, int max_turns) {
        CorpusFile f;
        f.codex = true;
        const int day = 20 + n % 6;
        const std::string sid = "cx-" + std::to_string(n) + "-" + std::to_string(uniform(1000, 9999));
        f.rel = std::filesystem::path("2026/11") / std::to_string(day) /
                ("rollout-2026-11-" + std::to_string(day) + "-" + sid + ".jsonl");
        std::int64_t clock = 1'795'100'000'000LL + static_cast<std::int64_t>(n) * 3'600'000;
        auto ts = [&](int lo, int hi) { return format_iso8601(clock += uniform(lo, hi)); };
        const std::string cwd = "/home/dev/codex/app" + std::to_string(n % 7);
        f.lines.push_back(codex_meta(ts(0, 10), sid, cwd));
        f.lines.push_back(codex_turn(ts(1, 10), "gpt-5-codex"));
        CodexUsage total;
        for (int t = uniform(2, max_turns); t > 0; --t) {
            if (chance(0.2)) f.lines.push_back(codex_turn(ts(1, 10), chance(0.5) ? "gpt-5" : "gpt-5-mini"));
            f.lines.push_back(
                codex_message(ts(100, 5000), "user",
                              "please " + std::string(static_cast<std::size_t>(uniform(5, 200)), 'p')));
            for (int c = uniform(0, 3); c > 0; --c) {
                const std::string call = id("call_");
                f.lines.push_back(
                    codex_call(ts(100, 3000), call, "shell",
                               {{"command", boost::json::array{"bash", "-lc", "ls"}}, {"workdir", cwd}}));
                f.lines.push_back(codex_output(
                    ts(50, 20'000), call,
                    chance(0.5)
                        ? "Exit code: " + std::to_string(chance(0.1) ? 1 : 0) + "\nok"
                        : R"({"output":")" + std::string(static_cast<std::size_t>(uniform(0, 3000)), 'o') +
                              R"(","metadata":{"exit_code":0}})"));
            }
            f.lines.push_back(
                codex_message(ts(100, 5000), "assistant",
                              "done " + std::string(static_cast<std::size_t>(uniform(5, 400)), 'd')));
            const std::int64_t in = uniform(2000, 30'000);
            total.input += in;
            total.cached += uniform(0, static_cast<int>(in));
            total.output += uniform(10, 3000);
            total.reasoning += uniform(0, 500);
            total.reasoning = std::min(total.reasoning, total.output);
            f.lines.push_back(codex_tokens(ts(1, 100), total));
            if (chance(0.3)) f.lines.push_back(codex_tokens(ts(1, 100), total));  // repeated: counted once
        }
        return f;
    }

    std::mt19937_64 rng_;
    std::uint64_t counter_ = 0;
};

// Writes every file's first `prefix(file)` lines (all of them by default) below the two roots.
inline void write_corpus(const std::vector<CorpusFile>& files, const std::filesystem::path& claude_root,
                         const std::filesystem::path& codex_root) {
    for (const CorpusFile& f : files) write_file((f.codex ? codex_root : claude_root) / f.rel, f.text());
}

inline std::int64_t corpus_bytes(const std::vector<CorpusFile>& files) {
    std::int64_t n = 0;
    for (const CorpusFile& f : files) n += static_cast<std::int64_t>(f.text().size());
    return n;
}

}  // namespace agentpulse::test
