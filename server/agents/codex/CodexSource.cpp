// See CodexSource.hpp.
#include "agents/codex/CodexView.hpp"
#include "agents/codex/CodexSource.hpp"

#include "agents/codex/CodexLineParser.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

class CodexSource final : public AgentSource {
public:
    CodexSource()
        : AgentSource({.name = "codex",
                       .label = "Codex CLI",
                       .color = "#10a37f",
                       .option = "codex-sessions",
                       .option_help = "Codex CLI rollouts",
                       .default_hint = "$CODEX_HOME/sessions or ~/.codex/sessions",
                       .read_mode = ReadMode::AppendOnlyLines,
                       .prices = {"codex", Billing::OpenAI}}) {}

    fs::path default_root() const override {
        const std::string dir = env("CODEX_HOME");
        return (dir.empty() ? home_dir() / ".codex" : fs::path(dir)) / "sessions";
    }

    // Every .jsonl below the root is a rollout; the project comes from the cwd its first line names.
    std::optional<FileClass> classify(const fs::path& rel) const override {
        if (rel.extension() != ".jsonl") return std::nullopt;
        return FileClass{"rollout", {}, {}};
    }

    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        FileContext c;
        c.project_slug = file.project_slug;
        return std::make_unique<CodexLineParser>(std::move(c));
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        codex_view_line(line, ctx, out);
    }
};

}  // namespace

const AgentSource& codex_source() {
    static const CodexSource source;
    return source;
}

}  // namespace agentpulse
