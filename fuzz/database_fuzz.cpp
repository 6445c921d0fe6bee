// Fuzz target: an agent's SQLite database (ReadMode::SqliteDatabase: OpenCode's opencode.db) through the
// whole ingest path, as the watcher runs it. The input is a script of writes an agent could make, one per
// line; they are applied to a real database file in WAL mode by a connection of our own (as the agent's
// process would), and the file is read by the real TranscriptTailer (SqliteDatabaseReader, the agent's
// DatabaseParser, FieldCleaning, PriceBook, SQL) into a migrated in-memory store.
//
//   s<d><directory>  a session (ses_0, ses_1, ...) in <directory>; its parent is ses_<d> when <d> is a digit
//                    naming an earlier session
//   m<json>          a message of the last session (msg_0, ...), `data` = <json>
//   p<json>          a part of the last message (prt_0, ...), `data` = <json>
//   u<json>          the last part updated in place: `data` = <json>, `time_updated` moved on
//   c                a WAL checkpoint (TRUNCATE)
//   -                where the first read stops (the first one only)
// Each write is stamped one second after the one before.
//
// Checked: a second read of an unchanged database stores nothing; a read with the parser's saved state
// from scratch (a restart) stores nothing new; and, for scripts without updates in place, reading in two
// parts (before and after the `-`) stores exactly the rows of one read (docs/ingest.md).
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "FuzzStore.hpp"

using namespace agentpulse;
using namespace agentpulse::fuzz;

namespace {

constexpr const char* kSchema =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA wal_autocheckpoint=0;"
    "PRAGMA synchronous=OFF;"
    "CREATE TABLE IF NOT EXISTS session(id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, "
    "directory TEXT NOT NULL, title TEXT, version TEXT, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS message(id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, "
    "time_updated INTEGER NOT NULL, data TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS part(id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL, "
    "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);";

struct Op {
    char kind;
    std::string_view text;
};

// The agent's side: one connection to the database, writes as the script says.
class AgentDb {
public:
    explicit AgentDb(const fs::path& path) {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) std::abort();
        exec(kSchema);
    }
    ~AgentDb() { sqlite3_close(db_); }
    AgentDb(const AgentDb&) = delete;
    AgentDb& operator=(const AgentDb&) = delete;

    void apply(const Op& op) {
        now_ += 1000;
        switch (op.kind) {
            case 's': {
                const std::string id = "ses_" + std::to_string(sessions_++);
                std::string parent;
                if (!op.text.empty() && op.text[0] >= '0' && op.text[0] - '0' < sessions_ - 1)
                    parent = "ses_" + std::string(1, op.text[0]);
                const std::string_view dir = op.text.empty() ? op.text : op.text.substr(1);
                write("INSERT OR REPLACE INTO session(id, project_id, parent_id, directory, version, time_created, "
                      "time_updated) VALUES (?1, 'prj', nullif(?2, ''), ?3, '1.2.3', ?4, ?4)",
                      {id, parent, std::string(dir)});
                session_ = id;
                break;
            }
            case 'm':
                message_ = "msg_" + std::to_string(messages_++);
                write("INSERT INTO message(id, session_id, time_created, time_updated, data) VALUES (?1, ?2, ?4, ?4, ?3)",
                      {message_, session_, std::string(op.text)});
                break;
            case 'p':
                part_ = "prt_" + std::to_string(parts_++);
                write("INSERT INTO part(id, message_id, session_id, time_created, time_updated, data) "
                      "VALUES (?1, ?2, ?3, ?5, ?5, ?4)",
                      {part_, message_, session_, std::string(op.text)});
                break;
            case 'u':
                write("UPDATE part SET data = ?2, time_updated = ?3 WHERE id = ?1", {part_, std::string(op.text)});
                break;
            case 'c': exec("PRAGMA wal_checkpoint(TRUNCATE)"); break;
            default: break;
        }
    }

private:
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
    }
    // Binds the texts as ?1, ?2, ... and the clock after them.
    void write(const char* sql, const std::vector<std::string>& texts) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) != SQLITE_OK) std::abort();
        int i = 1;
        for (const std::string& t : texts) sqlite3_bind_text(st, i++, t.data(), static_cast<int>(t.size()), SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, i, now_);
        const int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) std::abort();
    }

    sqlite3* db_ = nullptr;
    std::int64_t now_ = 1'764'000'000'000;  // 2025-11-24, epoch ms
    int sessions_ = 0, messages_ = 0, parts_ = 0;
    std::string session_ = "ses_none", message_ = "msg_none", part_ = "prt_none";
};

std::vector<Op> script(std::string_view bytes, std::size_t& split) {
    std::vector<Op> ops;
    split = std::string_view::npos;
    while (!bytes.empty()) {
        const std::size_t nl = bytes.find('\n');
        const std::string_view line = bytes.substr(0, nl);
        bytes = nl == std::string_view::npos ? std::string_view{} : bytes.substr(nl + 1);
        if (line.empty()) continue;
        if (line[0] == '-') {
            if (split == std::string_view::npos) split = ops.size();
            continue;
        }
        ops.push_back({line[0], line.substr(1)});
        if (ops.size() >= 400) break;
    }
    if (split == std::string_view::npos) split = ops.size() / 2;
    return ops;
}

// A fresh database file for one read plan (the reader keys its per-process state on the path).
fs::path fresh_db(const char* name) {
    const fs::path dir = g_dir / name;
    std::error_code ec;
    fs::remove_all(dir, ec);
    fs::create_directories(dir);
    return dir / "opencode.db";
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    init("database");
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return -1;
    std::size_t split = 0;
    const std::vector<Op> ops = script(std::string_view(reinterpret_cast<const char*>(data), size), split);
    bool updates = false;
    for (const Op& op : ops) updates = updates || op.kind == 'u';

    // One read of the whole database.
    const fs::path whole_path = fresh_db("whole");
    Store whole;
    {
        AgentDb agent(whole_path);
        for (const Op& op : ops) agent.apply(op);
        FileRecord f = whole.file(whole_path, "opencode", "database");
        check(whole.tailer->ingest(f) != TailStatus::StoreFailed, "a batch was refused by the store");
        const std::string d = digest(whole.db);
        // Nothing new: nothing written.
        check(whole.tailer->ingest(f) != TailStatus::StoreFailed, "a second read was refused by the store");
        check(digest(whole.db) == d, "a second read of an unchanged database changed the store");
        // A restart: a new tailer from the committed state, made to read again (its version forgotten).
        FileRecord again = f;
        again.head_hash.clear();
        IngestStats stats;
        TranscriptTailer restarted(*whole.writer, stats);
        check(restarted.ingest(again) != TailStatus::StoreFailed, "a batch was refused after a restart");
        check(digest(whole.db) == d, "reading again after a restart changed the store");
    }

    // Two reads: the first after the writes before the split, the second after the rest.
    const fs::path parts_path = fresh_db("parts");
    Store parts;
    {
        AgentDb agent(parts_path);
        FileRecord f = parts.file(parts_path, "opencode", "database");
        for (std::size_t i = 0; i < split && i < ops.size(); ++i) agent.apply(ops[i]);
        parts.tailer->ingest(f);
        for (std::size_t i = split; i < ops.size(); ++i) agent.apply(ops[i]);
        parts.tailer->ingest(f);
    }
    // Rows updated in place may legitimately differ (a tool call's first sighting is kept), so the
    // comparison holds for scripts that only insert.
    if (!updates && digest(parts.db) != digest(whole.db)) {
        std::fprintf(stderr, "split after write %zu\n--- one read:\n%s--- two reads:\n%s", split,
                     digest(whole.db).c_str(), digest(parts.db).c_str());
        check(false, "reading the database in two parts stored other rows than one read");
    }
    return 0;
}
