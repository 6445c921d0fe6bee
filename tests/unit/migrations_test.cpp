// store/Migrations and Database: migrating from an empty file and from each older version, idempotent
// re-runs, a newer store refused with a clear message, read-only opening, and the column names the live
// API reads (docs/schema.md: another writer may produce the store, so the names are a contract).
#include <boost/test/unit_test.hpp>
#include <functional>
#include <map>
#include <set>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "app/Startup.hpp"
#include "store/Migrations.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

std::set<std::string> columns(Database& db, const std::string& table) {
    std::set<std::string> out;
    for (const Row& r : query(db, "PRAGMA table_info(" + table + ")")) out.insert(r.at(1));
    return out;
}

std::set<std::string> tables(Database& db) {
    std::set<std::string> out;
    for (const Row& r : query(db, "SELECT name FROM sqlite_master WHERE type = 'table'")) out.insert(r.at(0));
    return out;
}

std::string message_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::exception& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(migrations)

BOOST_AUTO_TEST_CASE(versions_are_consecutive) {
    const auto& steps = schema_migrations();
    BOOST_REQUIRE(!steps.empty());
    for (std::size_t i = 0; i < steps.size(); ++i) BOOST_TEST(steps[i].version == static_cast<int>(i + 1));
    BOOST_TEST(current_schema_version() == steps.back().version);
}

BOOST_AUTO_TEST_CASE(from_an_empty_file) {
    TempDir dir;
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    BOOST_TEST(schema_version(db) == 0);
    migrate(db);
    BOOST_TEST(schema_version(db) == current_schema_version());
    BOOST_TEST(query_text(db, "PRAGMA journal_mode") == "wal");
    const auto t = tables(db);
    for (const char* name :
         {"projects", "sessions", "messages", "usage_events", "message_tool_mart", "transcript_files",
          "pending_tool_results", "watcher_heartbeat", "ingest_errors"})
        BOOST_TEST(t.count(name) == 1u, name);
}

BOOST_AUTO_TEST_CASE(columns_the_live_api_reads) {
    TempDir dir;
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    migrate(db);
    const std::map<std::string, std::vector<std::string>> wanted = {
        {"usage_events",
         {"id", "provider", "project_id", "session_id", "ts", "day", "model", "input_tokens", "output_tokens",
          "cache_read_tokens", "cache_create_tokens", "cache_create_1h_tokens", "cost_usd", "cost_source"}},
        {"message_tool_mart",
         {"id", "message_id", "project_id", "session_id", "ts", "day", "tool_name", "file_path", "byte_count",
          "call_index", "tool_use_id", "result_ts", "latency_ms", "is_error", "result_bytes"}},
        {"projects", {"id", "provider", "slug", "display_name"}},
        {"sessions", {"id", "project_id", "session_id"}},
        {"watcher_heartbeat", {"state", "pid", "beat_at"}},
    };
    for (const auto& [table, cols] : wanted) {
        const auto have = columns(db, table);
        for (const std::string& c : cols) BOOST_TEST(have.count(c) == 1u, table << "." << c);
    }
    // Streamed tables never reuse an id (a watermark would skip the new row).
    for (const char* table : {"usage_events", "message_tool_mart", "messages"})
        BOOST_TEST(query_text(db, std::string("SELECT sql FROM sqlite_master WHERE name = '") + table + "'")
                           .find("AUTOINCREMENT") != std::string::npos,
                   table);
}

BOOST_AUTO_TEST_CASE(from_version_1_keeps_the_rows) {
    TempDir dir;
    {
        // A store as the first release wrote it: only the first step.
        Database db(dir / "store.db", Database::Mode::ReadWrite);
        db.exec(schema_migrations().at(0).sql);
        db.exec("PRAGMA user_version=1");
        db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
        db.exec("INSERT INTO sessions(project_id, provider, session_id) VALUES (1, 'claude', 's')");
    }
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    BOOST_TEST(schema_version(db) == 1);
    BOOST_TEST(tables(db).count("pending_tool_results") == 0u);
    migrate(db);
    BOOST_TEST(schema_version(db) == current_schema_version());
    BOOST_TEST(tables(db).count("pending_tool_results") == 1u);
    BOOST_TEST(tables(db).count("watcher_heartbeat") == 1u);
    BOOST_TEST(query_text(db, "SELECT display_name FROM projects WHERE slug = 'p'") == "P");
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions") == 1);
}

BOOST_AUTO_TEST_CASE(from_every_older_version_to_the_same_schema) {
    // The schema a fresh store gets, as SQLite describes it.
    TempDir dir;
    const std::string schema_sql = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
    std::vector<std::string> fresh;
    {
        Database db(dir / "fresh.db", Database::Mode::ReadWrite);
        migrate(db);
        fresh = flat(query(db, schema_sql));
    }
    for (int from = 1; from < current_schema_version(); ++from) {
        BOOST_TEST_CONTEXT("from version " << from) {
            const auto path = dir / ("v" + std::to_string(from) + ".db");
            {
                Database db(path, Database::Mode::ReadWrite);
                for (const Migration& m : schema_migrations())
                    if (m.version <= from) apply_step(db, m);
                db.exec("PRAGMA user_version=" + std::to_string(from));
            }
            Database db(path, Database::Mode::ReadWrite);
            migrate(db);
            BOOST_TEST(schema_version(db) == current_schema_version());
            BOOST_TEST(flat(query(db, schema_sql)) == fresh, boost::test_tools::per_element());
        }
    }
}

BOOST_AUTO_TEST_CASE(re_running_is_harmless) {
    TempDir dir;
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    migrate(db);
    db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
    migrate(db);
    // A crash between a step's DDL and its version bump: the step runs again over its own tables.
    db.exec("PRAGMA user_version=0");
    migrate(db);
    BOOST_TEST(schema_version(db) == current_schema_version());
    BOOST_TEST(query_int(db, "SELECT count(*) FROM projects") == 1);
    // Two connections migrating the same file (two processes starting together).
    Database other(dir / "store.db", Database::Mode::ReadWrite);
    db.exec("PRAGMA user_version=1");
    migrate(other);
    migrate(db);
    BOOST_TEST(schema_version(db) == current_schema_version());
}

BOOST_AUTO_TEST_CASE(newer_store_is_refused_with_a_clear_message) {
    TempDir dir;
    {
        Database db(dir / "store.db", Database::Mode::ReadWrite);
        migrate(db);
        db.exec("PRAGMA user_version=" + std::to_string(current_schema_version() + 7));
    }
    const int newer = current_schema_version() + 7;
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    const std::string msg = message_of([&] { migrate(db); });
    BOOST_TEST(msg.find("schema version " + std::to_string(newer)) != std::string::npos, msg);
    BOOST_TEST(msg.find("newer than this agentpulse") != std::string::npos, msg);
    BOOST_TEST(msg.find((dir / "store.db").string()) != std::string::npos, msg);
    BOOST_TEST(schema_version(db) == newer);  // untouched
    Database ro(dir / "store.db", Database::Mode::ReadOnly);
    BOOST_TEST(message_of([&] { check_readable_schema(ro); }).find("newer than this agentpulse") !=
               std::string::npos);
    // The start-up path turns it into exit code 2.
    try {
        open_store_for_writing(dir / "store.db");
        BOOST_FAIL("a newer store was opened for writing");
    } catch (const StartupError& e) {
        BOOST_TEST(e.exit_code == 2);
        BOOST_TEST(std::string(e.what()).find("newer") != std::string::npos);
    }
}

BOOST_AUTO_TEST_CASE(read_only_opening) {
    TempDir dir;
    // No file: the read-only opener does not create one.
    BOOST_CHECK_THROW(Database(dir / "none.db", Database::Mode::ReadOnly), StoreError);
    BOOST_TEST(!std::filesystem::exists(dir / "none.db"));
    try {
        open_store_for_reading(dir / "none.db");
        BOOST_FAIL("opened a missing store");
    } catch (const StartupError& e) {
        BOOST_TEST(e.exit_code == 2);
        BOOST_TEST(std::string(e.what()).find("does not exist") != std::string::npos);
    }
    // A file with no schema yet: readable, but says no writer has run.
    { Database empty(dir / "empty.db", Database::Mode::ReadWrite); }
    {
        Database ro(dir / "empty.db", Database::Mode::ReadOnly);
        BOOST_TEST(message_of([&] { check_readable_schema(ro); }).find("store is empty") !=
                   std::string::npos);
    }
    // A migrated store: its version, and writes refused.
    {
        Database rw(dir / "store.db", Database::Mode::ReadWrite);
        migrate(rw);
    }
    Database ro(dir / "store.db", Database::Mode::ReadOnly);
    BOOST_TEST(check_readable_schema(ro) == current_schema_version());
    try {
        ro.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
        BOOST_FAIL("a read-only connection wrote");
    } catch (const StoreError& e) {
        BOOST_TEST((e.code() & 0xff) == SQLITE_READONLY);
        BOOST_TEST(e.transient());
    }
    BOOST_TEST((open_store_for_reading(dir / "store.db")->mode() == Database::Mode::ReadOnly));
}

BOOST_AUTO_TEST_CASE(unwritable_store_folder_is_a_usage_error) {
    TempDir dir;
    write_file(dir / "a-file", "x");
    try {
        open_store_for_writing(dir / "a-file" / "store.db");  // its folder cannot be created
        BOOST_FAIL("opened a store below a regular file");
    } catch (const StartupError& e) {
        BOOST_TEST(e.exit_code == 2);
        BOOST_TEST(std::string(e.what()).find("cannot create the folder") != std::string::npos, e.what());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// Step 6 (machine and user): from every older version, the rows keep their data, learn the machine of
// the watcher that wrote them (the heartbeat's host; '' when no watcher ever ran), and the sums are
// rebuilt keyed by machine with the same totals.
BOOST_AUTO_TEST_CASE(from_every_older_version_rows_get_their_machine) {
    TempDir dir;
    for (int from = 1; from < 6; ++from) {
        for (const bool beat : {false, true}) {
            if (beat && from < 2) continue;  // no heartbeat table before step 2
            BOOST_TEST_CONTEXT("from version " << from << (beat ? " with a heartbeat" : " without one")) {
                const auto path = dir / ("m" + std::to_string(from) + (beat ? "b" : "") + ".db");
                {
                    Database db(path, Database::Mode::ReadWrite);
                    for (const Migration& m : schema_migrations())
                        if (m.version <= from) apply_step(db, m);
                    db.exec("PRAGMA user_version=" + std::to_string(from));
                    db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('claude', 'p', 'P')");
                    db.exec("INSERT INTO sessions(project_id, provider, session_id, last_at) VALUES "
                            "(1, 'claude', 's1', '2026-01-02T03:04:05.000Z'), (1, 'claude', 's2', '2026-01-02T03:04:05.000Z')");
                    for (int i = 0; i < 3; ++i)
                        db.exec("INSERT INTO usage_events(provider, project_id, session_id, ts, day, model, input_tokens, "
                                "cost_usd, cost_source, dedup_key) VALUES ('claude', 1, " + std::to_string(1 + i % 2) +
                                ", '2026-01-02T03:0" + std::to_string(i) + ":00.000Z', '2026-01-02', 'm', 10, 0.25, "
                                "'rate_card', 'k" + std::to_string(i) + "')");
                    db.exec("INSERT INTO message_tool_mart(provider, project_id, session_id, ts, ts_ms, day, tool_name, "
                            "tool_use_id, is_error) VALUES ('claude', 1, 2, '2026-01-02T03:00:00.000Z', 1767322800000, "
                            "'2026-01-02', 'Read', 't1', 1)");
                    if (beat)
                        db.exec("INSERT INTO watcher_heartbeat(id, state, hostname) VALUES (1, 'stopped', 'oldhost')");
                }
                Database db(path, Database::Mode::ReadWrite);
                migrate(db);
                BOOST_TEST(schema_version(db) == current_schema_version());
                const std::string host = beat ? "oldhost" : "";
                BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events") == 3);
                BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events WHERE machine = '" + host + "'") == 3);
                BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE machine = '" + host + "'") == 1);
                BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions WHERE machine = '" + host + "'") == 2);
                BOOST_TEST(query_int(db, "SELECT count(*) FROM sessions WHERE seq = id") == 2);
                // The sums: one slot row per 15-minute slot and machine, the same totals as the rows.
                BOOST_TEST(query_int(db, "SELECT sum(events) FROM usage_slots WHERE machine = '" + host + "'") == 3);
                BOOST_TEST(query_int(db, "SELECT sum(input_tokens) FROM usage_slots") == 30);
                BOOST_TEST(query_int(db, "SELECT sum(cost_nusd) FROM usage_slots") == 750'000'000);
                BOOST_TEST(query_int(db, "SELECT events FROM session_totals WHERE session_id = 1") == 2);
                BOOST_TEST(query_int(db, "SELECT tool_errors FROM session_totals WHERE session_id = 2") == 1);
                BOOST_TEST(query_int(db, "SELECT count(*) FROM forward_cursors") == 0);
                for (const char* table : {"sessions", "usage_events", "message_tool_mart"})
                    BOOST_TEST(columns(db, table).count("user_name") == 1u, table);
            }
        }
    }
}
