// OpenCode's database read by ingest (agents/opencode + ingest/SqliteDatabaseReader): a real SQLite database
// in WAL mode written by a separate connection, as OpenCode writes it (rows inserted, then updated in
// place), read through TranscriptTailer::ingest into a real store. Sessions and child sessions, messages,
// step-finish usage, tool parts (pending, running, completed, error, first seen completed), WAL checkpoints
// between reads, the database replaced, malformed rows, read-only access, and crash safety (a read cut
// after every batch and resumed gives exactly the store of one clean read).
#include <sqlite3.h>
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "StoreDump.hpp"
#include "OpenCodeData.hpp"
#include "WriterFixture.hpp"
#include "agents/opencode/OpenCodeDatabase.hpp"
#include "agents/opencode/OpenCodeSource.hpp"
#include "ingest/TranscriptDiscovery.hpp"
#include "ingest/TranscriptTailer.hpp"
#include "ingest/Watcher.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;


BOOST_AUTO_TEST_SUITE(opencode)

BOOST_AUTO_TEST_CASE(reads_sessions_messages_usage_and_tools) {
    OpenCodeFixture f;
    OpenCodeDb oc(f.db_path);
    basic_session(oc);
    BOOST_TEST((f.ingest() == TailStatus::Progressed));

    BOOST_TEST(f.count("SELECT count(*) FROM sessions WHERE provider = 'opencode'") == 1);
    BOOST_TEST(query_text(f.db(), "SELECT session_id || '|' || cwd || '|' || cli_version FROM sessions") ==
               "ses_1|/home/ana/src/shop|1.2.3");
    BOOST_TEST(query_text(f.db(), "SELECT slug || '|' || display_name FROM projects") == "/home/ana/src/shop|shop");
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(query_text(f.db(), "SELECT kind || '|' || coalesce(model, '') || '|' || parent_key FROM messages "
                                  "WHERE line_key = 'opencode:msg_a1'") == "assistant|claude-sonnet-4-5|opencode:msg_u1");
    // One usage record per step-finish part: input excludes the cache, output includes the reasoning.
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_text(f.db(), "SELECT dedup_key || '|' || model || '|' || input_tokens || '|' || output_tokens "
                                  "|| '|' || reasoning_tokens || '|' || cache_read_tokens || '|' || "
                                  "cache_create_tokens FROM usage_events") ==
               "opencode:prt_s1|claude-sonnet-4-5|100|50|10|5000|300");
    // Priced by our card (any family may price OpenCode), not by the row's own cost.
    BOOST_TEST(query_text(f.db(), "SELECT cost_source FROM usage_events") != "unpriced");
    BOOST_TEST(query_double(f.db(), "SELECT cost_usd FROM usage_events") != 0.0123);
    // The tool call at its start, its result at its end: the exact latency.
    BOOST_TEST(query_text(f.db(), "SELECT tool_use_id || '|' || tool_name || '|' || file_path || '|' || latency_ms "
                                  "|| '|' || is_error || '|' || byte_count FROM message_tool_mart") ==
               "prt_t1|edit|/home/ana/src/shop/app.ts|500|0|6");
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart t JOIN messages m ON m.id = t.message_id "
                       "WHERE m.line_key = 'opencode:msg_a1'") == 1);
    // No text reaches the store.
    for (const auto& [table, rows] : dump_store(f.dir / "store.db"))
        for (const std::string& row : rows) {
            BOOST_TEST(row.find("private prompt") == std::string::npos);
            BOOST_TEST(row.find("secret") == std::string::npos);
        }
    // Nothing changed: not even opened again.
    BOOST_TEST((f.ingest() == TailStatus::UpToDate));
}

BOOST_AUTO_TEST_CASE(tool_rows_updated_in_place_end_as_one_call_with_its_result) {
    OpenCodeFixture f;
    OpenCodeDb oc(f.db_path);
    basic_session(oc);
    const std::int64_t t = T0 + 2000;
    oc.part("prt_b", "msg_a1", "ses_1", t, t, tool("bash", "pending", 0, 0));
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_b'") == 0);  // not started
    oc.part("prt_b", "msg_a1", "ses_1", t, t + 5, tool("bash", "running", t + 5, 0));
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_b' AND result_ts IS NULL") == 1);
    // Running updates (streamed output) change nothing; then it ends with a non-zero exit: an error.
    oc.part("prt_b", "msg_a1", "ses_1", t, t + 200, tool("bash", "running", t + 5, 0, R"(,"metadata":{"output":"x"})"));
    f.ingest();
    oc.part("prt_b", "msg_a1", "ses_1", t, t + 1305,
            tool("bash", "completed", t + 5, t + 1305, R"(,"output":"boom","metadata":{"exit":2})"));
    f.ingest();
    BOOST_TEST(query_text(f.db(), "SELECT count(*) || '|' || max(latency_ms) || '|' || max(is_error) || '|' || "
                                  "max(result_bytes) FROM message_tool_mart WHERE tool_use_id = 'prt_b'") ==
               "1|1300|1|4");
    // Read again later (overlap, a restart): still one call, the same result.
    f.restart();
    f.file_.reset();
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart") == 2);
    BOOST_TEST(f.count("SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'prt_b'") == 1300);
}

BOOST_AUTO_TEST_CASE(tool_first_seen_finished_gets_call_and_result) {
    OpenCodeFixture f;
    OpenCodeDb oc(f.db_path);
    basic_session(oc);
    const std::int64_t t = T0 + 3000;
    oc.part("prt_e", "msg_a1", "ses_1", t, t + 70, tool("read", "error", t + 10, t + 70, R"(,"error":"no such file")"));
    oc.part("prt_x", "msg_a1", "ses_1", t, t + 90, tool("bash", "completed", t + 20, t + 90, R"(,"output":"ok","metadata":{"exit":0})"));
    oc.part("prt_i", "msg_a1", "ses_1", t, t + 95, tool("invalid", "completed", t + 30, t + 95, R"(,"output":"bad call")"));
    oc.part("prt_n", "msg_a1", "ses_1", t, t + 99, tool("grep", "completed", 0, 0, R"(,"output":"x")"));  // no times
    f.ingest();
    BOOST_TEST(f.count("SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'prt_e'") == 60);
    BOOST_TEST(f.count("SELECT is_error FROM message_tool_mart WHERE tool_use_id = 'prt_e'") == 1);
    BOOST_TEST(f.count("SELECT result_bytes FROM message_tool_mart WHERE tool_use_id = 'prt_e'") == 12);
    BOOST_TEST(f.count("SELECT is_error FROM message_tool_mart WHERE tool_use_id = 'prt_x'") == 0);
    BOOST_TEST(f.count("SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'prt_x'") == 70);
    BOOST_TEST(f.count("SELECT is_error FROM message_tool_mart WHERE tool_use_id = 'prt_i'") == 1);
    // Without its times the call is kept, with no result and so no latency (never a made-up one).
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_n' AND result_ts IS NULL "
                       "AND latency_ms IS NULL") == 1);
}

BOOST_AUTO_TEST_CASE(child_sessions_are_sub_agents_of_their_root_session) {
    OpenCodeFixture f;
    OpenCodeDb oc(f.db_path);
    basic_session(oc);
    oc.session("ses_child", T0 + 100, "ses_1", "/home/ana/src/shop", "1.2.4");
    oc.session("ses_grandchild", T0 + 150, "ses_child");
    oc.message("msg_c1", "ses_child", T0 + 110, T0 + 110, assistant_msg(T0 + 110, "msg_x", "gpt-5", "openai"));
    oc.part("prt_c1", "msg_c1", "ses_child", T0 + 120, T0 + 120, step_finish(10, 20, 0, 0, 0));
    oc.message("msg_g1", "ses_grandchild", T0 + 160, T0 + 160, assistant_msg(T0 + 160, "msg_y"));
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM sessions") == 1);
    BOOST_TEST(query_text(f.db(), "SELECT is_sidechain || '|' || agent_id || '|' || s.session_id || '|' || m.model "
                                  "FROM messages m JOIN sessions s ON s.id = m.session_id "
                                  "WHERE line_key = 'opencode:msg_c1'") == "1|ses_child|ses_1|gpt-5");
    BOOST_TEST(query_text(f.db(), "SELECT agent_id FROM messages WHERE line_key = 'opencode:msg_g1'") ==
               "ses_grandchild");
    BOOST_TEST(query_text(f.db(), "SELECT s.session_id || '|' || u.model FROM usage_events u "
                                  "JOIN sessions s ON s.id = u.session_id WHERE dedup_key = 'opencode:prt_c1'") ==
               "ses_1|gpt-5");
}

BOOST_AUTO_TEST_CASE(survives_wal_checkpoints_and_a_replaced_database) {
    OpenCodeFixture f;
    auto oc = std::make_unique<OpenCodeDb>(f.db_path);
    basic_session(*oc);
    f.ingest();
    // The agent checkpoints (the WAL starts over) between two reads.
    oc->checkpoint();
    oc->part("prt_s2", "msg_a1", "ses_1", T0 + 5000, T0 + 5000, step_finish(1, 2, 0, 3, 0));
    BOOST_TEST((f.ingest() == TailStatus::Progressed));
    oc->checkpoint();
    oc->message("msg_a2", "ses_1", T0 + 6000, T0 + 6000, assistant_msg(T0 + 6000, "msg_u1"));
    oc->checkpoint();
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 3);

    // Replaced by a new file (restored from a backup, say): older watermarks, same natural keys, one new row.
    oc.reset();
    const fs::path fresh = f.folder / "fresh.db";
    {
        OpenCodeDb other(fresh);
        basic_session(other, T0);
        other.part("prt_s3", "msg_a1", "ses_1", T0 + 950, T0 + 950, step_finish(7, 7, 0, 0, 0));
    }
    fs::rename(fresh, f.db_path);
    BOOST_TEST((f.ingest() == TailStatus::Progressed));
    BOOST_TEST(f.stats.rewrites_detected.load() == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 3);  // prt_s1, prt_s2 kept once; prt_s3 new
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 3);
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart") == 1);
    BOOST_TEST(f.count("SELECT rewrites FROM transcript_files") == 1);
}

BOOST_AUTO_TEST_CASE(opens_read_only_and_creates_no_files) {
    OpenCodeFixture f;
    {
        OpenCodeDb oc(f.db_path);
        basic_session(oc);
    }  // closed: checkpointed, -wal and -shm removed
    BOOST_REQUIRE(!fs::exists(f.db_path.string() + "-wal"));
    const auto mtime = fs::last_write_time(f.db_path);
    BOOST_TEST((f.ingest() == TailStatus::Progressed));
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(!fs::exists(f.db_path.string() + "-wal"));
    BOOST_TEST(!fs::exists(f.db_path.string() + "-shm"));
    BOOST_TEST((fs::last_write_time(f.db_path) == mtime));
    // While the agent has it open, its writes go on during and between our reads.
    OpenCodeDb oc(f.db_path);
    oc.part("prt_s2", "msg_a1", "ses_1", T0 + 5000, T0 + 5000, step_finish(1, 2, 0, 3, 0));
    f.ingest();
    oc.part("prt_s3", "msg_a1", "ses_1", T0 + 5001, T0 + 5001, step_finish(1, 2, 0, 3, 0));
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 3);
}

BOOST_AUTO_TEST_CASE(malformed_rows_are_logged_and_skipped) {
    OpenCodeFixture f;
    OpenCodeDb oc(f.db_path);
    basic_session(oc);
    oc.message("msg_bad", "ses_1", T0 + 40, T0 + 40, "{not json");
    oc.part("prt_bad", "msg_a1", "ses_1", T0 + 41, T0 + 41, R"({"type":"step-finish","tokens":"many"})");
    oc.part("prt_neg", "msg_a1", "ses_1", T0 + 42, T0 + 42, step_finish(-5, 1, 0, 0, 0));
    oc.part("prt_orphan", "msg_gone", "ses_gone", T0 + 43, T0 + 43, step_finish(3, 3, 0, 0, 0));
    f.ingest();
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(f.count("SELECT count(*) FROM ingest_errors") == 3);
    // A part whose message and session rows are gone still counts, under its own session id, unpriced.
    BOOST_TEST(query_text(f.db(), "SELECT cost_source FROM usage_events WHERE dedup_key = 'opencode:prt_orphan'") ==
               "unpriced");
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
}

// Between full reads, parts are read from a rowid floor: a tool part still running holds the floor down
// however many parts follow it; one left open for hours does not, and a full read finds it when it ends.
BOOST_AUTO_TEST_CASE(windowed_reads_keep_open_tool_parts_and_full_reads_catch_the_rest) {
    TempDir d;
    OpenCodeDb oc(d / "opencode.db");
    basic_session(oc);
    const std::int64_t t = T0 + 4 * 3'600'000;
    oc.part("prt_stale", "msg_a1", "ses_1", T0 + 50, T0 + 50, tool("bash", "running", T0 + 50, 0));
    const auto many_parts = [&](const std::string& prefix, std::int64_t at) {
        oc.exec("BEGIN");
        for (int i = 0; i < 1500; ++i)
            oc.part(prefix + std::to_string(i), "msg_a1", "ses_1", at, at, R"({"type":"text","text":"t"})");
        oc.exec("COMMIT");
    };
    many_parts("prt_a", t - 1);
    oc.part("prt_open", "msg_a1", "ses_1", t, t, tool("bash", "running", t, 0));

    struct Collect : DatabaseSink {
        std::vector<ParsedLine> lines;
        bool take(ParsedLine&& l) override {
            lines.push_back(std::move(l));
            return true;
        }
        void issue(std::int64_t, LineIssue, std::string) override {}
        bool has_result(const std::string& id) const {
            for (const ParsedLine& l : lines)
                for (const ToolResultRecord& r : l.tool_results)
                    if (r.tool_use_id == id) return true;
            return false;
        }
    };
    OpenCodeDatabaseParser parser;
    const auto read = [&](bool full) {
        sqlite3* db = nullptr;
        BOOST_REQUIRE(sqlite3_open_v2((d / "opencode.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
        Collect c;
        sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
        BOOST_REQUIRE(parser.read(db, c, full));
        sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
        sqlite3_close(db);
        OpenCodeDatabaseParser restored;  // the state round-trips
        restored.load_state(parser.save_state());
        BOOST_TEST(restored.save_state() == parser.save_state());
        return c;
    };
    read(false);  // the first read is full whatever is asked (no floor yet)
    many_parts("prt_b", t + 2);
    oc.part("prt_open", "msg_a1", "ses_1", t, t + 3, tool("bash", "completed", t, t + 3, R"(,"output":"ok")"));
    oc.part("prt_stale", "msg_a1", "ses_1", T0 + 50, t + 4, tool("bash", "completed", T0 + 50, t + 4, R"(,"output":"ok")"));
    const Collect windowed = read(false);
    BOOST_TEST(windowed.has_result("prt_open"));     // 3000 parts later, still in the window
    BOOST_TEST(!windowed.has_result("prt_stale"));   // hours old: below the floor
    BOOST_TEST(read(true).has_result("prt_stale"));  // the full read finds it
}

// kill -9 at any point: a read cut after its k-th batch (batches of one row), then resumed by a new
// process from what the store holds, leaves exactly the store of one uninterrupted read.
BOOST_AUTO_TEST_CASE(a_read_cut_after_any_batch_resumes_to_the_same_store) {
    TempDir shared;
    const fs::path db_path = shared / "opencode.db";
    OpenCodeDb oc(db_path);
    basic_session(oc);
    oc.session("ses_child", T0 + 100, "ses_1");
    oc.message("msg_c1", "ses_child", T0 + 110, T0 + 110, assistant_msg(T0 + 110, "msg_u1"));
    oc.part("prt_c1", "msg_c1", "ses_child", T0 + 120, T0 + 120, step_finish(10, 20, 0, 0, 0));
    oc.part("prt_r", "msg_c1", "ses_child", T0 + 130, T0 + 130, tool("bash", "running", T0 + 130, 0));

    OpenCodeFixture clean(shared.path());
    clean.ingest();
    const StoreDump expected = dump_store(clean.dir / "store.db");

    struct CutSink : BatchSink {
        StoreWriter* writer;
        int left;
        bool accept(IngestBatch&& b, std::int64_t) override {
            if (left-- <= 0) return false;
            writer->commit(b);
            return true;
        }
    };
    for (int cut = 0; cut < 16; ++cut) {
        OpenCodeFixture f(shared.path());
        f.opts.batch_lines = 1;
        CutSink sink;
        sink.writer = &f.writer();
        sink.left = cut;
        {
            TranscriptTailer tailer(f.writer(), f.stats, f.opts);
            tailer.set_sink(&sink);
            tailer.ingest(f.file());
        }
        f.restart();  // a new process: state only from the store
        f.file_ = f.writer().find_file(f.db_path.string());
        f.opts.batch_lines = 20'000;
        f.ingest();
        BOOST_TEST(compare_dumps(expected, dump_store(f.dir / "store.db"), "clean", "cut") == "", "cut after " << cut);
    }
    // The tool that was running finishes: both stores get the same result.
    oc.part("prt_r", "msg_c1", "ses_child", T0 + 130, T0 + 170, tool("bash", "completed", T0 + 130, T0 + 170, R"(,"output":"")"));
    clean.ingest();
    BOOST_TEST(clean.count("SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'prt_r'") == 40);
}

// The watcher woken by the agent's writes to the -wal (no rescan), with a real sqlite3 process as the
// writer (the sqlite3 shell, FULL sync: its WAL index is updated after an fsync, a while after the write
// that wakes us). Prints the append-to-store latency.
BOOST_AUTO_TEST_CASE(wal_writes_wake_the_watcher_and_append_to_store_latency) {
    TempDir d;
    const fs::path folder = d / "opencode";
    fs::create_directories(folder);
    {
        OpenCodeDb oc(folder / "opencode.db");
        basic_session(oc);
    }
    if (std::system("command -v sqlite3 >/dev/null 2>&1") != 0) {
        BOOST_TEST_MESSAGE("no sqlite3 shell on this machine: latency not measured");
        return;
    }
    FILE* shell = ::popen(("sqlite3 " + (folder / "opencode.db").string() + " >/dev/null 2>&1").c_str(), "w");
    BOOST_REQUIRE(shell);
    std::fputs("PRAGMA wal_autocheckpoint=0;\n", shell);
    std::fflush(shell);
    WatcherOptions o;
    o.roots = {{&opencode_source(), folder}};
    o.store = d / "store.db";
    o.prices = shipped_prices();
    o.rescan_interval = std::chrono::hours(1);  // only inotify on the -wal can bring the rows in
    IngestStats stats;
    Watcher w(o, stats);
    std::thread th([&] { w.run(); });
    // A plain reader of the store, as the poller is.
    const auto stored = [&](const std::string& key) {
        try {
            Database db(o.store, Database::Mode::ReadOnly);
            return query_int(db, "SELECT count(*) FROM usage_events WHERE dedup_key = '" + key + "'") == 1;
        } catch (const StoreError&) {
            return false;
        }
    };
    const auto wait_for = [&](const std::string& key) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!stored(key) && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(std::chrono::microseconds(200));
        return stored(key);
    };
    std::string failed;
    std::vector<double> ms;
    if (!wait_for("opencode:prt_s1")) failed = "prt_s1";
    for (int i = 0; i < 30 && failed.empty(); ++i) {
        const std::string id = "prt_l" + std::to_string(i);
        const std::int64_t at = T0 + 10'000 + i;
        const std::string sql = "INSERT INTO part(id, message_id, session_id, time_created, time_updated, data) VALUES ('" +
                                id + "', 'msg_a1', 'ses_1', " + std::to_string(at) + ", " + std::to_string(at) + ", '" +
                                step_finish(1, 1, 0, 0, 0) + "');\n" + (i == 15 ? "PRAGMA wal_checkpoint(TRUNCATE);\n" : "");
        const auto t0 = std::chrono::steady_clock::now();
        std::fputs(sql.c_str(), shell);
        std::fflush(shell);
        if (!wait_for("opencode:" + id)) failed = id;
        ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::fputs(".quit\n", shell);
    ::pclose(shell);
    w.stop();
    th.join();
    BOOST_REQUIRE_MESSAGE(failed.empty(), "row " << failed << " not stored within 10 s; rows read " << stats.lines_read.load());
    std::sort(ms.begin(), ms.end());
    std::printf("opencode append-to-store latency over %zu rows (sqlite3 shell writer -> -wal inotify -> read -> "
                "commit): median %.2f ms, p90 %.2f ms, max %.2f ms\n",
                ms.size(), ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms.back());
}

BOOST_AUTO_TEST_SUITE_END()
