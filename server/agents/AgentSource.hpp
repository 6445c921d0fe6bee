// An agent's local data as agentpulse reads it: what it is called and how it looks on the dashboard,
// where its files live and how the user points us elsewhere, which files count and what they are, how
// they are read and parsed, and which entries of the price card price its usage. One AgentSource per
// agent (server/agents/<agent>/), listed once in AgentRegistry.cpp: nothing else names an agent.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agents/DatabaseParser.hpp"
#include "agents/LineParser.hpp"
#include "core/PriceBook.hpp"
#include "model/TranscriptFile.hpp"
#include "model/TranscriptView.hpp"

namespace agentpulse {

// How an agent's files are read; ingest has one reader per mode and picks it with a `switch` that has
// no default, so a new mode without its reader does not compile (-Wswitch, an error in this build).
enum class ReadMode {
    AppendOnlyLines,  // JSON lines that only ever grow: tailed by byte offset (TranscriptTailer)
    WholeDocument,    // one JSON document rewritten whole, in place: re-read when it changes (WholeDocumentReader)
    SqliteDatabase,   // a SQLite database the agent updates in place: read-only, by watermark (SqliteDatabaseReader)
};

// The data half of a source: plain values, the same for every file.
struct AgentTraits {
    std::string_view name;          // stored as `provider` in every row; in the API, URLs and filters
    std::string_view label;         // what the dashboard calls it ("Claude Code")
    std::string_view color;         // its colour on every tab ("#d97757")
    std::string_view option;        // the folder's option: flag --<option>, AGENTPULSE_<OPTION>, file key
    std::string_view option_help;   // what that folder holds, for --help
    std::string_view default_hint;  // the default folder in words ("$CODEX_HOME/sessions or ~/.codex/sessions")
    ReadMode read_mode = ReadMode::AppendOnlyLines;
    PriceFamily prices;             // the price-card entries ("provider") that price it, and their billing
    // False when the agent writes a tool call only once it has finished, with no start time: its calls are
    // stored without a latency (latency_ms NULL) rather than with a made-up one, and the latency panes
    // name it as not covered (/api/config `agents[].tool_latency`).
    bool exact_tool_latency = true;
};

// What a file below the agent's folder is.
struct FileClass {
    std::string kind;            // session | subagent | rollout | ... (stored in transcript_files.kind)
    std::string project_slug;    // when the path names the project
    std::string parent_session;  // when the path names the session a sub-agent file belongs to
};

class AgentSource {
public:
    explicit AgentSource(AgentTraits traits) : traits_(traits) {}
    virtual ~AgentSource() = default;
    AgentSource(const AgentSource&) = delete;
    AgentSource& operator=(const AgentSource&) = delete;

    const AgentTraits& traits() const { return traits_; }
    std::string_view name() const { return traits_.name; }

    // The folder to watch when no flag, variable or key names one (the agent's own variables, e.g.
    // $CODEX_HOME, and $HOME are read here).
    virtual std::filesystem::path default_root() const = 0;
    // What the file at `rel` (relative to that folder) is; nullopt for files we do not read.
    virtual std::optional<FileClass> classify(const std::filesystem::path& rel) const = 0;
    // Whether the folder at `rel_dir` (relative to the root, not empty) can hold transcripts: discovery
    // does not walk, and the watcher does not watch, the others (an agent whose root also holds its logs
    // and installed packages). Every folder, unless a source says otherwise.
    virtual bool may_hold_transcripts(const std::filesystem::path& rel_dir) const {
        (void)rel_dir;
        return true;
    }
    // How this file is read: the traits' read_mode, unless the agent writes files of several kinds (Gemini
    // CLI: JSONL sessions beside legacy whole-document ones).
    virtual ReadMode read_mode(const FileRecord&) const { return traits_.read_mode; }
    // A fresh parser for one file; the tailer restores its saved state.
    virtual std::unique_ptr<LineParser> make_parser(const FileRecord& file) const = 0;
    // ReadMode::SqliteDatabase: a fresh reader of one database; the ingest reader restores its saved state.
    virtual std::unique_ptr<DatabaseParser> make_database_parser(const FileRecord&) const { return nullptr; }
    // The conversation viewer (server/viewer): what one complete line shows, appended to `out` (for a
    // WholeDocument file, `line` is the whole document). Stateless: a page can start at any line. Never
    // logs the text.
    virtual void view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out) const = 0;
    // ReadMode::SqliteDatabase: the items of session `ctx.session_id` (and, when `with_children`, of the
    // sessions it spawned) from the database `db` (read-only), after position `after` (0: from the start),
    // at least `limit` of them when there are; `next` is set to the position after the last one read.
    // False when this source has no database view.
    virtual bool view_database(sqlite3* db, const ViewContext& ctx, std::int64_t after, int limit,
                               std::vector<ViewItem>& out, std::int64_t& next) const {
        (void)db, (void)ctx, (void)after, (void)limit, (void)out, (void)next;
        return false;
    }

protected:
    // $HOME, or / when it is unset.
    static std::filesystem::path home_dir();
    // The value of an environment variable, "" when unset.
    static std::string env(const char* name);

private:
    AgentTraits traits_;
};

}  // namespace agentpulse
