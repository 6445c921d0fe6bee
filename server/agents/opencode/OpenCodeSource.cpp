// See OpenCodeSource.hpp.
#include "agents/opencode/OpenCodeView.hpp"
#include "agents/opencode/OpenCodeSource.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "agents/opencode/OpenCodeDatabase.hpp"
#include "agents/opencode/OpenCodeJsonTree.hpp"

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

std::string kind_name(OpenCodeJsonParser::Kind k) {
    switch (k) {
        case OpenCodeJsonParser::Kind::Session: return "legacy-session";
        case OpenCodeJsonParser::Kind::Message: return "legacy-message";
        case OpenCodeJsonParser::Kind::Part: return "legacy-part";
    }
    return {};
}

std::optional<OpenCodeJsonParser::Kind> kind_from_name(const std::string& kind) {
    for (const auto k : {OpenCodeJsonParser::Kind::Session, OpenCodeJsonParser::Kind::Message, OpenCodeJsonParser::Kind::Part})
        if (kind_name(k) == kind) return k;
    return std::nullopt;
}

class OpenCodeSource final : public AgentSource {
public:
    OpenCodeSource()
        : AgentSource({.name = "opencode",
                       .label = "OpenCode",
                       .color = "#f59e0b",
                       .option = "opencode-dir",
                       .option_help = "OpenCode's data folder (its database opencode.db, and the storage/ JSON tree of versions before 1.2)",
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
    // the flag names). The -wal and -shm files are the database's (ingest maps them to it). In the legacy
    // JSON tree, storage/session/<project>/<session>.json, storage/message/<session>/<message>.json and
    // storage/part/<message>/<part>.json.
    std::optional<FileClass> classify(const fs::path& rel) const override {
        if (rel.begin() != rel.end() && *rel.begin() == "storage") {
            const std::optional<OpenCodeJsonParser::Kind> k = OpenCodeJsonParser::kind_of(rel.lexically_relative("storage"));
            if (k) return FileClass{kind_name(*k), {}, {}};
        }
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

    // The top of the folder (the databases) and the three folders of the JSON tree with their
    // subfolders: not logs/, snapshot/ (git object stores), bin/, nor the tree's other folders.
    bool may_hold_transcripts(const fs::path& rel_dir) const override {
        std::vector<std::string> parts;
        for (const auto& c : rel_dir) parts.push_back(c.string());
        if (parts.empty() || parts[0] != "storage" || parts.size() > 3) return false;
        return parts.size() == 1 || parts[1] == "session" || parts[1] == "message" || parts[1] == "part";
    }

    // By the kind classify() gave (a database that $OPENCODE_DB names may end in .json too).
    ReadMode read_mode(const FileRecord& file) const override {
        return kind_from_name(file.kind) ? ReadMode::WholeDocument : ReadMode::SqliteDatabase;
    }

    // A file of the JSON tree (a database is not read line by line: make_database_parser() is).
    std::unique_ptr<LineParser> make_parser(const FileRecord& file) const override {
        const std::optional<OpenCodeJsonParser::Kind> k = kind_from_name(file.kind);
        if (!k) return nullptr;
        return std::make_unique<OpenCodeJsonParser>(*k, file.path);
    }

    std::unique_ptr<DatabaseParser> make_database_parser(const FileRecord&) const override {
        return std::make_unique<OpenCodeDatabaseParser>();
    }

    void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const override {
        opencode_view_line(line, ctx, out);
    }

    bool view_database(sqlite3* db, const ViewContext& ctx, std::int64_t after, int limit, std::vector<ViewItem>& out,
                       std::int64_t& next) const override {
        return opencode_view_database(db, ctx, after, limit, out, next);
    }
};

}  // namespace

const AgentSource& opencode_source() {
    static const OpenCodeSource source;
    return source;
}

}  // namespace agentpulse
