// See OpenCodeSource.hpp.
#include "agents/opencode/OpenCodeSource.hpp"

#include <algorithm>
#include <cctype>

#include "agents/opencode/OpenCodeDatabase.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

// opencode-<channel>.db: the channel as OpenCode writes it into the name (letters, digits, . _ -).
bool is_channel_db(const std::string& name) {
    const std::string_view prefix = "opencode-", suffix = ".db";
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) || !name.ends_with(suffix))
        return false;
    const std::string_view channel =
        std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    return std::all_of(channel.begin(), channel.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '.' || c == '_' || c == '-';
    });
}

class OpenCodeSource final : public AgentSource {
public:
    OpenCodeSource()
        : AgentSource({.name = "opencode",
                       .label = "OpenCode",
                       .color = "#f59e0b",
                       .option = "opencode-dir",
                       .option_help = "OpenCode's data folder (its database opencode.db is read there)",
                       .default_hint = "$XDG_DATA_HOME/opencode or ~/.local/share/opencode",
                       .read_mode = ReadMode::SqliteDatabase,
                       // Any vendor's model (providerID/modelID): every entry of the card may price it.
                       .prices = {"", Billing::Anthropic}}) {}

    fs::path default_root() const override {
        const std::string xdg = env("XDG_DATA_HOME");
        return (xdg.empty() ? home_dir() / ".local/share" : fs::path(xdg)) / "opencode";
    }

    // The database at the top of the data folder: opencode.db, opencode-<channel>.db, or the file
    // $OPENCODE_DB names (relative to the data folder, or absolute: then its name at the top of the folder
    // the flag names). The -wal and -shm files are the database's (ingest maps them to it). The legacy
    // storage/ JSON tree is not read (docs/formats.md says why).
    std::optional<FileClass> classify(const fs::path& rel) const override {
        const std::string named = env("OPENCODE_DB");
        if (!named.empty() && named != ":memory:") {
            const fs::path p(named);
            if (p.is_absolute() ? rel == p.filename() : rel == p.lexically_normal()) return FileClass{"database", {}, {}};
        }
        if (std::distance(rel.begin(), rel.end()) != 1) return std::nullopt;
        const std::string name = rel.filename().string();
        if (name == "opencode.db" || is_channel_db(name)) return FileClass{"database", {}, {}};
        return std::nullopt;
    }

    // Never called: a database is not read line by line (read_mode), make_database_parser() is.
    std::unique_ptr<LineParser> make_parser(const FileRecord&) const override { return nullptr; }

    std::unique_ptr<DatabaseParser> make_database_parser(const FileRecord&) const override {
        return std::make_unique<OpenCodeDatabaseParser>();
    }
};

}  // namespace

const AgentSource& opencode_source() {
    static const OpenCodeSource source;
    return source;
}

}  // namespace agentpulse
