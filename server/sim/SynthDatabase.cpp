// See SynthDatabase.hpp. The tables are the columns of OpenCode's schema that its readers use (the real
// ones have more: titles, share URLs, running totals...), with its indexes on the foreign keys.
#include "sim/SynthDatabase.hpp"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <stdexcept>

namespace agentpulse {
namespace json = boost::json;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS project(id TEXT PRIMARY KEY, worktree TEXT NOT NULL, time_created INTEGER NOT NULL,
    time_updated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS session(id TEXT PRIMARY KEY, project_id TEXT NOT NULL, parent_id TEXT, slug TEXT NOT NULL DEFAULT '',
    directory TEXT NOT NULL, title TEXT NOT NULL DEFAULT '', version TEXT NOT NULL DEFAULT '', cost REAL NOT NULL DEFAULT 0,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS session_project_idx ON session(project_id);
CREATE INDEX IF NOT EXISTS session_parent_idx ON session(parent_id);
CREATE TABLE IF NOT EXISTS message(id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL,
    time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS message_session_idx ON message(session_id);
CREATE TABLE IF NOT EXISTS part(id TEXT PRIMARY KEY, message_id TEXT NOT NULL, session_id TEXT NOT NULL,
    time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS part_message_idx ON part(message_id);
CREATE INDEX IF NOT EXISTS part_session_idx ON part(session_id);
)sql";

std::string text_of(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    if (!v || v->is_null()) return {};
    if (v->is_string()) return std::string(v->get_string());
    return json::serialize(*v);  // `data`: the object as JSON text
}
std::int64_t int_of(const json::object& o, std::string_view key) {
    const json::value* v = o.if_contains(key);
    return v && v->is_int64() ? v->get_int64() : v && v->is_uint64() ? static_cast<std::int64_t>(v->get_uint64()) : 0;
}

}  // namespace

struct SynthDatabase::Db {
    sqlite3* db = nullptr;
    sqlite3_stmt *session = nullptr, *message = nullptr, *part = nullptr;

    explicit Db(const std::string& path) {
        if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) fail("open " + path);
        exec("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA busy_timeout=5000");
        exec(kSchema);
        session = prepare(
            "INSERT INTO session(id, project_id, parent_id, directory, title, version, time_created, time_updated) "
            "VALUES (?1, ?2, nullif(?3, ''), ?4, ?5, ?6, ?7, ?8) ON CONFLICT(id) DO UPDATE SET "
            "title = excluded.title, time_updated = excluded.time_updated");
        message = prepare(
            "INSERT INTO message(id, session_id, time_created, time_updated, data) VALUES (?1, ?2, ?3, ?4, ?5) "
            "ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data");
        part = prepare(
            "INSERT INTO part(id, message_id, session_id, time_created, time_updated, data) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
            "ON CONFLICT(id) DO UPDATE SET time_updated = excluded.time_updated, data = excluded.data");
    }
    ~Db() {
        sqlite3_finalize(session);
        sqlite3_finalize(message);
        sqlite3_finalize(part);
        sqlite3_close(db);
    }
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("simulated database: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
    }
    void exec(const char* sql) {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }
    sqlite3_stmt* prepare(const char* sql) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK) fail(sql);
        return st;
    }
    void run(sqlite3_stmt* st) {
        const int rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_DONE) fail("upsert");
    }
};

SynthDatabase::SynthDatabase() = default;
SynthDatabase::~SynthDatabase() = default;

void SynthDatabase::apply(const std::filesystem::path& path, std::string_view row) {
    auto it = open_.find(path.string());
    if (it == open_.end()) {
        std::filesystem::create_directories(path.parent_path());
        it = open_.emplace(path.string(), std::make_unique<Db>(path.string())).first;
    }
    Db& d = *it->second;
    boost::system::error_code ec;
    const json::value v = json::parse(row, ec);
    if (ec || !v.is_object())
        throw std::runtime_error("simulated database: a row that is not a JSON object (" + ec.message() + "): " +
                                 std::string(row.substr(0, 300)));
    const json::object& o = v.get_object();
    const std::string table = text_of(o, "table");
    const auto bind = [](sqlite3_stmt* st, int i, const std::string& s) {
        sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    };
    if (table == "session") {
        bind(d.session, 1, text_of(o, "id"));
        bind(d.session, 2, text_of(o, "project_id"));
        bind(d.session, 3, text_of(o, "parent_id"));
        bind(d.session, 4, text_of(o, "directory"));
        bind(d.session, 5, text_of(o, "title"));
        bind(d.session, 6, text_of(o, "version"));
        sqlite3_bind_int64(d.session, 7, int_of(o, "time_created"));
        sqlite3_bind_int64(d.session, 8, int_of(o, "time_updated"));
        d.run(d.session);
    } else if (table == "message") {
        bind(d.message, 1, text_of(o, "id"));
        bind(d.message, 2, text_of(o, "session_id"));
        sqlite3_bind_int64(d.message, 3, int_of(o, "time_created"));
        sqlite3_bind_int64(d.message, 4, int_of(o, "time_updated"));
        bind(d.message, 5, text_of(o, "data"));
        d.run(d.message);
    } else if (table == "part") {
        bind(d.part, 1, text_of(o, "id"));
        bind(d.part, 2, text_of(o, "message_id"));
        bind(d.part, 3, text_of(o, "session_id"));
        sqlite3_bind_int64(d.part, 4, int_of(o, "time_created"));
        sqlite3_bind_int64(d.part, 5, int_of(o, "time_updated"));
        bind(d.part, 6, text_of(o, "data"));
        d.run(d.part);
    } else {
        throw std::runtime_error("simulated database: no table '" + table + "'");
    }
}

}  // namespace agentpulse
