// See ClaudeSource.hpp.
#include "agents/claude/ClaudeView.hpp"
#include "agents/claude/ClaudeSource.hpp"

#include <vector>

#include "agents/claude/ClaudeLineParser.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

class ClaudeSource final : public AgentSource {
public:
    ClaudeSource()
        : AgentSource({.name = "claude",
                       .label = "Claude Code",
                       .color = "#d97757",
                       .option = "claude-projects",
                       .option_help = "Claude Code transcripts",
                       .default_hint = "$CLAUDE_CONFIG_DIR/projects or ~/.claude/projects",
                       .read_mode = ReadMode::AppendOnlyLines,
                       .prices = {"claude", Billing::Anthropic}}) {}

    fs::path default_root() const override {
        const std::string dir = env("CLAUDE_CONFIG_DIR");
        return (dir.empty() ? home_dir() / ".claude" : fs::path(dir)) / "projects";
    }

    // <project>/<session>.jsonl is a session; anything deeper belongs to the session folder it is under
    // (sub-agents); a .jsonl directly in the root belongs to no project.
    std::optional<FileClass> classify(const fs::path& rel) const override {
        if (rel.extension() != ".jsonl") return std::nullopt;
        std::vector<std::string> parts;
        for (const auto& c : rel) parts.push_back(c.string());
        if (parts.size() < 2) return std::nullopt;
        if (parts.size() == 2) return FileClass{"session", parts[0], {}};
        return FileClass{"subagent", parts[0], parts[1]};
    }

    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        FileContext c;
        c.project_slug = file.project_slug;
        c.parent_session = file.parent_session;
        if (file.kind == "subagent") {
            const std::string stem = fs::path(file.path).stem().string();
            c.agent_id = stem.starts_with("agent-") ? stem.substr(6) : stem;
        }
        return std::make_unique<ClaudeLineParser>(std::move(c));
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        claude_view_line(line, ctx, out);
    }
};

}  // namespace

const AgentSource& claude_source() {
    static const ClaudeSource source;
    return source;
}

}  // namespace agentpulse
