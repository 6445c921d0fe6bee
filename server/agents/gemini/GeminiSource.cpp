// See GeminiSource.hpp.
#include "agents/gemini/GeminiView.hpp"
#include "agents/gemini/GeminiSource.hpp"

#include <vector>

#include "agents/gemini/GeminiLineParser.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

bool ends_with(std::string_view s, std::string_view tail) { return s.size() >= tail.size() && s.ends_with(tail); }

class GeminiSource final : public AgentSource {
public:
    GeminiSource()
        : AgentSource({.name = "gemini",
                       .label = "Gemini CLI",
                       .color = "#4285f4",
                       .option = "gemini-dir",
                       .option_help = "Gemini CLI's .gemini folder (its chats are under tmp/*/chats/)",
                       .default_hint = "$GEMINI_CLI_HOME/.gemini or ~/.gemini",
                       .read_mode = ReadMode::AppendOnlyLines,
                       .prices = {"gemini", Billing::OpenAI},
                       .exact_tool_latency = false}) {}

    // Gemini CLI appends ".gemini" to its home, which $GEMINI_CLI_HOME replaces.
    fs::path default_root() const override {
        const std::string home = env("GEMINI_CLI_HOME");
        return (home.empty() ? home_dir() : fs::path(home)) / ".gemini";
    }

    // tmp/<project>/chats/session-*.jsonl (v0.39+) and session-*.json (older builds) are sessions;
    // tmp/<project>/chats/<parent session>/<session>.jsonl is a sub-agent of that session. Files set aside
    // by Gemini itself (<file>.unreadable-<ms>, <file>.tmp-<pid>) and everything else are not transcripts.
    std::optional<FileClass> classify(const fs::path& rel) const override {
        const std::string name = rel.filename().string();
        const bool jsonl = ends_with(name, ".jsonl"), json = !jsonl && ends_with(name, ".json");
        if (!jsonl && !json) return std::nullopt;
        std::vector<std::string> parts;
        for (const auto& c : rel) parts.push_back(c.string());
        if (parts.size() < 4 || parts[0] != "tmp" || parts[2] != "chats") return std::nullopt;
        if (parts.size() == 4 && name.starts_with("session-")) return FileClass{"session", parts[1], {}};
        if (parts.size() == 5 && jsonl && !parts[3].empty()) return FileClass{"subagent", parts[1], parts[3]};
        return std::nullopt;
    }

    // Only tmp/, its project folders, their chats/ and the sub-agent folders in chats/ are walked and
    // watched: the rest of .gemini (history/, checkpoints/, tool outputs, extensions) holds no chats and
    // would spend inotify watches.
    bool may_hold_transcripts(const fs::path& rel_dir) const override {
        std::vector<std::string> parts;
        for (const auto& c : rel_dir) parts.push_back(c.string());
        if (parts.empty() || parts[0] != "tmp" || parts.size() > 4) return false;
        return parts.size() <= 2 || parts[2] == "chats";
    }

    ReadMode read_mode(const FileRecord& file) const override {
        return ends_with(file.path, ".json") ? ReadMode::WholeDocument : ReadMode::AppendOnlyLines;
    }

    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        FileContext c;
        c.project_slug = file.project_slug;
        c.parent_session = file.parent_session;
        fs::path project_dir = fs::path(file.path).parent_path().parent_path();  // tmp/<project>
        if (file.kind == "subagent") {
            c.agent_id = fs::path(file.path).stem().string();
            project_dir = project_dir.parent_path();
        }
        const auto layout = read_mode(file) == ReadMode::WholeDocument ? GeminiLineParser::Layout::Document
                                                                       : GeminiLineParser::Layout::Lines;
        return std::make_unique<GeminiLineParser>(std::move(c), layout, std::move(project_dir));
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        gemini_view_line(line, ctx, out);
    }
};

}  // namespace

const AgentSource& gemini_source() {
    static const GeminiSource source;
    return source;
}

}  // namespace agentpulse
