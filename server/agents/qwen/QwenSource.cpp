// See QwenSource.hpp.
#include "agents/qwen/QwenView.hpp"
#include "agents/qwen/QwenSource.hpp"

#include <vector>

#include "agents/qwen/QwenLineParser.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

class QwenSource final : public AgentSource {
public:
    QwenSource()
        : AgentSource({.name = "qwen",
                       .label = "Qwen Code",
                       .color = "#615ced",
                       .option = "qwen-dir",
                       .option_help = "Qwen Code's folder (its chats are under projects/*/chats/)",
                       .default_hint = "$QWEN_RUNTIME_DIR or ~/.qwen",
                       .read_mode = ReadMode::AppendOnlyLines,
                       .prices = {"qwen", Billing::OpenAI}}) {}

    fs::path default_root() const override {
        const std::string dir = env("QWEN_RUNTIME_DIR");
        return dir.empty() ? home_dir() / ".qwen" : fs::path(dir);
    }

    // projects/<project>/chats/<session>.jsonl is a session; older builds wrote tmp/<project>/chats/.
    // Nothing else in the folder is a transcript (settings, runtime.json files, other tools' data).
    std::optional<FileClass> classify(const fs::path& rel) const override {
        if (rel.extension() != ".jsonl") return std::nullopt;
        std::vector<std::string> parts;
        for (const auto& c : rel) parts.push_back(c.string());
        if (parts.size() != 4 || (parts[0] != "projects" && parts[0] != "tmp") || parts[2] != "chats")
            return std::nullopt;
        return FileClass{"session", parts[1], {}};
    }

    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        FileContext c;
        c.project_slug = file.project_slug;
        return std::make_unique<QwenLineParser>(std::move(c));
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        qwen_view_line(line, ctx, out);
    }
};

}  // namespace

const AgentSource& qwen_source() {
    static const QwenSource source;
    return source;
}

}  // namespace agentpulse
