// See CopilotSource.hpp.
#include "agents/copilot/CopilotView.hpp"
#include "agents/copilot/CopilotSource.hpp"

#include <vector>

#include "agents/copilot/CopilotLineParser.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> components(const fs::path& rel) {
    std::vector<std::string> parts;
    for (const auto& c : rel) parts.push_back(c.string());
    return parts;
}

class CopilotSource final : public AgentSource {
public:
    CopilotSource()
        : AgentSource({.name = "copilot",
                       .label = "Copilot CLI",
                       .color = "#8957e5",
                       .option = "copilot-dir",
                       .option_help = "GitHub Copilot CLI's folder (its sessions are under session-state/)",
                       .default_hint = "$COPILOT_HOME or ~/.copilot",
                       .read_mode = ReadMode::AppendOnlyLines,
                       // Copilot runs Anthropic, OpenAI and Google models: any entry of the card may price
                       // them, each with its own billing (docs/formats.md says what the cost means).
                       .prices = {"", Billing::Anthropic}}) {}

    fs::path default_root() const override {
        const std::string dir = env("COPILOT_HOME");
        return dir.empty() ? home_dir() / ".copilot" : fs::path(dir);
    }

    // session-state/<session>/events.jsonl is a session; older builds wrote session-state/<session>.jsonl.
    // Nothing else in the folder is a transcript (config, logs, installed packages, session-store.db).
    std::optional<FileClass> classify(const fs::path& rel) const override {
        const std::vector<std::string> parts = components(rel);
        if (parts.empty() || parts[0] != "session-state") return std::nullopt;
        if (parts.size() == 3 && parts[2] == "events.jsonl") return FileClass{"session", {}, {}};
        if (parts.size() == 2 && rel.extension() == ".jsonl") return FileClass{"session", {}, {}};
        return std::nullopt;
    }

    // Only session-state/ and each session's own folder can hold sessions: the rest of the folder
    // (logs/, pkg/ with the CLI's installed packages, a session's workspace files) is not walked or watched.
    bool may_hold_transcripts(const fs::path& rel_dir) const override {
        const std::vector<std::string> parts = components(rel_dir);
        return !parts.empty() && parts.size() <= 2 && parts[0] == "session-state";
    }

    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        FileContext c;
        c.project_slug = file.project_slug;
        const fs::path p(file.path);
        std::string session =
            p.filename() == "events.jsonl" ? p.parent_path().filename().string() : p.stem().string();
        return std::make_unique<CopilotLineParser>(std::move(c), std::move(session));
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        copilot_view_line(line, ctx, out);
    }
};

}  // namespace

const AgentSource& copilot_source() {
    static const CopilotSource source;
    return source;
}

}  // namespace agentpulse
