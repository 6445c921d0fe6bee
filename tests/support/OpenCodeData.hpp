// OpenCode's side of the tests: its database (opencode.db in WAL mode, written by a connection of its own
// as OpenCode writes it) and the records it holds, as JSON texts; and a fixture reading it into a store.
#pragma once

#include <sqlite3.h>

#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "WriterFixture.hpp"
#include "ingest/TranscriptTailer.hpp"

namespace agentpulse::test {
namespace fs = std::filesystem;

inline constexpr std::int64_t T0 = 1'780'000'000'000;  // 2026-05-28, epoch ms

// OpenCode's side: its own connection to opencode.db in WAL mode, kept open as a running agent keeps it.
class OpenCodeDb {
public:
    explicit OpenCodeDb(fs::path path) : path_(std::move(path)) { open(); }
    ~OpenCodeDb() { close(); }

    void open() {
        BOOST_REQUIRE(sqlite3_open(path_.c_str(), &db_) == SQLITE_OK);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA wal_autocheckpoint=0");  // checkpoints only when a test asks
        exec("CREATE TABLE IF NOT EXISTS project(id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER, "
             "time_updated INTEGER)");
        exec("CREATE TABLE IF NOT EXISTS session(id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, "
             "slug TEXT, directory TEXT NOT NULL, title TEXT, version TEXT, cost REAL DEFAULT 0, "
             "tokens_input INTEGER DEFAULT 0, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL)");
        exec("CREATE TABLE IF NOT EXISTS message(id TEXT PRIMARY KEY, session_id TEXT NOT NULL, "
             "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)");
        exec("CREATE INDEX IF NOT EXISTS message_session_idx ON message(session_id)");
        exec("CREATE TABLE IF NOT EXISTS part(id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL, "
             "time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL)");
        exec("CREATE INDEX IF NOT EXISTS part_message_idx ON part(message_id)");
    }
    void close() {
        if (db_) sqlite3_close(db_);
        db_ = nullptr;
    }
    void exec(const std::string& sql) {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        BOOST_REQUIRE_MESSAGE(rc == SQLITE_OK, sql << ": " << (err ? err : ""));
    }
    void checkpoint() { exec("PRAGMA wal_checkpoint(TRUNCATE)"); }

    void session(const std::string& id, std::int64_t at, const std::string& parent = {},
                 const std::string& dir = "/home/ana/src/shop", const std::string& version = "1.2.3") {
        upsert("INSERT INTO session(id, project_id, parent_id, directory, title, version, time_created, time_updated) "
               "VALUES (?1, 'prj', nullif(?2, ''), ?3, 'a secret title', ?4, ?5, ?5) "
               "ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, tokens_input = tokens_input + 1",
               {id, parent, dir, version}, at, at);
    }
    void message(const std::string& id, const std::string& session, std::int64_t created, std::int64_t updated,
                 const std::string& data) {
        upsert("INSERT INTO message(id, session_id, time_created, time_updated, data) VALUES (?1, ?2, ?5, ?6, ?3) "
               "ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
               {id, session, data, ""}, created, updated);
    }
    void part(const std::string& id, const std::string& message, const std::string& session, std::int64_t created,
              std::int64_t updated, const std::string& data) {
        upsert("INSERT INTO part(id, message_id, session_id, time_created, time_updated, data) "
               "VALUES (?1, ?2, ?3, ?5, ?6, ?4) "
               "ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data",
               {id, message, session, data}, created, updated);
    }

private:
    void upsert(const char* sql, std::vector<std::string> texts, std::int64_t a, std::int64_t b) {
        sqlite3_stmt* st = nullptr;
        BOOST_REQUIRE(sqlite3_prepare_v2(db_, sql, -1, &st, nullptr) == SQLITE_OK);
        for (std::size_t i = 0; i < texts.size(); ++i)
            sqlite3_bind_text(st, static_cast<int>(i + 1), texts[i].c_str(), -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, a);
        sqlite3_bind_int64(st, 6, b);
        const int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        BOOST_REQUIRE_MESSAGE(rc == SQLITE_DONE, sql);
    }
    fs::path path_;
    sqlite3* db_ = nullptr;
};

inline std::string user_msg(std::int64_t at) {
    return R"({"role":"user","time":{"created":)" + std::to_string(at) +
           R"(},"agent":"build","model":{"providerID":"anthropic","modelID":"claude-sonnet-4-5"}})";
}
// `completed`: time.completed (0: not completed yet).
inline std::string assistant_msg(std::int64_t at, const std::string& parent, const std::string& model = "claude-sonnet-4-5",
                                 const std::string& provider = "anthropic", std::int64_t completed = 0) {
    return R"({"role":"assistant","time":{"created":)" + std::to_string(at) +
           (completed ? ",\"completed\":" + std::to_string(completed) : std::string()) + R"(},"parentID":")" + parent +
           R"(","modelID":")" + model + R"(","providerID":")" + provider +
           R"(","mode":"build","path":{"cwd":"/home/ana/src/shop","root":"/home/ana/src/shop"},"cost":0.5,)"
           R"("tokens":{"input":1,"output":2,"reasoning":0,"cache":{"read":0,"write":0}}})";
}
inline std::string step_finish(std::int64_t input, std::int64_t output, std::int64_t reasoning, std::int64_t read,
                        std::int64_t write, double cost = 0.0123) {
    return R"({"type":"step-finish","reason":"tool-calls","cost":)" + std::to_string(cost) +
           R"(,"tokens":{"input":)" + std::to_string(input) + R"(,"output":)" + std::to_string(output) +
           R"(,"reasoning":)" + std::to_string(reasoning) + R"(,"cache":{"read":)" + std::to_string(read) +
           R"(,"write":)" + std::to_string(write) + "}}}";
}
// A tool part in `status` (pending | running | completed | error); times 0 are left out.
inline std::string tool(const std::string& name, const std::string& status, std::int64_t start, std::int64_t end,
                 const std::string& extra_state = {}) {
    std::string time;
    if (start) time = R"(,"time":{"start":)" + std::to_string(start) + (end ? ",\"end\":" + std::to_string(end) : "") + "}";
    return R"({"type":"tool","callID":"toolu_01","tool":")" + name + R"(","state":{"status":")" + status +
           R"(","input":{"filePath":"/home/ana/src/shop/app.ts","newString":"abcdef","command":"secret cmd"})" +
           time + extra_state + "}}";
}

struct OpenCodeFixture : WriterFixture {
    explicit OpenCodeFixture(fs::path db_dir = {}) {
        folder = db_dir.empty() ? dir / "opencode" : db_dir;
        fs::create_directories(folder);
        db_path = folder / "opencode.db";
    }
    FileRecord& file() {
        if (!file_) {
            FileRecord f;
            f.path = db_path.string();
            f.provider = "opencode";
            f.kind = "database";
            file_ = writer().ensure_file(f);
        }
        return *file_;
    }
    TailStatus ingest() {
        TranscriptTailer tailer(writer(), stats, opts);
        return tailer.ingest(file());
    }
    std::int64_t count(const std::string& sql) { return query_int(db(), sql); }

    fs::path folder, db_path;
    TailerOptions opts;
    IngestStats stats;
    std::optional<FileRecord> file_;
};

// A session with a user prompt and an assistant turn: one step-finish, one tool call completed.
inline void basic_session(OpenCodeDb& oc, std::int64_t t = T0) {
    oc.session("ses_1", t);
    oc.message("msg_u1", "ses_1", t + 10, t + 10, user_msg(t + 10));
    oc.part("prt_u1", "msg_u1", "ses_1", t + 11, t + 11, R"({"type":"text","text":"a private prompt"})");
    oc.message("msg_a1", "ses_1", t + 20, t + 20, assistant_msg(t + 20, "msg_u1"));
    oc.part("prt_s1", "msg_a1", "ses_1", t + 900, t + 900, step_finish(100, 40, 10, 5000, 300));
    oc.part("prt_t1", "msg_a1", "ses_1", t + 30, t + 530, tool("edit", "completed", t + 30, t + 530, R"(,"output":"done","metadata":{})"));
}

// The legacy JSON tree under <data folder>/storage as OpenCode wrote it before v1.2: one file per object,
// holding its ids, rewritten whole and in place (the same inode). Each write gets a later mtime, an hour
// in the past (never "racy": fingerprints do not depend on when a test runs).
class OpenCodeTree {
public:
    explicit OpenCodeTree(fs::path data) : storage_(std::move(data) / "storage") {}

    fs::path session(const std::string& id, std::int64_t created, const std::string& parent = {},
                     const std::string& dir = "/home/ana/src/shop", const std::string& version = "1.1.9",
                     const std::string& project = "prj") {
        return write("session/" + project + "/" + id + ".json",
                     R"({"id":")" + id + R"(","projectID":")" + project + R"(","directory":")" + dir + R"(",)" +
                         (parent.empty() ? std::string() : R"("parentID":")" + parent + R"(",)") +
                         R"("title":"a secret title","version":")" + version + R"(","time":{"created":)" +
                         std::to_string(created) + R"(,"updated":)" + std::to_string(created) + "}}");
    }
    // `data`: the object as the database holds it (without its ids).
    fs::path message(const std::string& session, const std::string& id, const std::string& data) {
        return write("message/" + session + "/" + id + ".json",
                     R"({"id":")" + id + R"(","sessionID":")" + session + R"(",)" + data.substr(1));
    }
    fs::path part(const std::string& session, const std::string& message, const std::string& id,
                  const std::string& data) {
        return write("part/" + message + "/" + id + ".json", R"({"id":")" + id + R"(","sessionID":")" + session +
                                                               R"(","messageID":")" + message + R"(",)" + data.substr(1));
    }
    fs::path write(const std::string& rel, const std::string& text) {
        const fs::path p = storage_ / rel;
        fs::create_directories(p.parent_path());
        {
            std::ofstream out(p, std::ios::binary | std::ios::trunc);
            out << text;
        }
        static int writes = 0;
        fs::last_write_time(p, fs::file_time_type::clock::now() - std::chrono::hours(1) +
                                   std::chrono::milliseconds(++writes));
        return p;
    }
    const fs::path& storage() const { return storage_; }

private:
    fs::path storage_;
};

}  // namespace agentpulse::test
