// OpenCode's legacy JSON tree (storage/session|message|part/..., before v1.2) read by ingest
// (agents/opencode/OpenCodeJsonTree over ingest/WholeDocumentReader) into a real store: the same rows as the
// database gives; a tool part rewritten as it goes pending -> running -> completed; both layouts side by
// side after a migration, read in either order; child sessions; malformed and truncated files; a restart
// between any two files; files appearing while the watcher runs.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "OpenCodeData.hpp"
#include "StoreDump.hpp"
#include "WriterFixture.hpp"
#include "agents/opencode/OpenCodeSource.hpp"
#include "core/IsoTime.hpp"
#include "ingest/TranscriptDiscovery.hpp"
#include "ingest/TranscriptTailer.hpp"
#include "ingest/Watcher.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;

namespace {

// A data folder holding the tree (and, when a test makes one, opencode.db), read into a store.
struct TreeFixture : WriterFixture {
    explicit TreeFixture(fs::path data_dir = {}) : data(data_dir.empty() ? dir / "opencode" : data_dir), tree(data) {
        fs::create_directories(data);
    }
    // Every file discovery finds (databases and tree files, in path order), registered in the store.
    std::vector<FileRecord> files() {
        std::vector<FileRecord> out;
        for (const FileRecord& f : discover_transcripts({{&opencode_source(), data}})) out.push_back(writer().ensure_file(f));
        return out;
    }
    TailStatus ingest(const fs::path& path) {
        for (FileRecord& f : files())
            if (f.path == path.string()) return TranscriptTailer(writer(), stats, opts).ingest(f);
        BOOST_FAIL("not discovered: " << path);
        return TailStatus::Missing;
    }
    // Reads every file once, in discovery order (or only those `pick` keeps).
    void ingest_all(const std::function<bool(const FileRecord&)>& pick = {}) {
        for (FileRecord& f : files())
            if (!pick || pick(f)) TranscriptTailer(writer(), stats, opts).ingest(f);
    }
    std::int64_t count(const std::string& sql) { return query_int(db(), sql); }

    fs::path data;
    OpenCodeTree tree;
    TailerOptions opts;
    IngestStats stats;
};

// The tree of basic_session (opencode_test.cpp): a user prompt, an assistant turn with one step-finish and
// one completed tool call; a text part besides.
void tree_session(OpenCodeTree& t, std::int64_t at = T0, std::int64_t completed = 0) {
    t.session("ses_1", at);
    t.message("ses_1", "msg_u1", user_msg(at + 10));
    t.part("ses_1", "msg_u1", "prt_u1", R"({"type":"text","text":"a private prompt"})");
    t.message("ses_1", "msg_a1", assistant_msg(at + 20, "msg_u1", "claude-sonnet-4-5", "anthropic", completed));
    t.part("ses_1", "msg_a1", "prt_s1", step_finish(100, 40, 10, 5000, 300));
    t.part("ses_1", "msg_a1", "prt_t1", tool("edit", "completed", at + 30, at + 530, R"(,"output":"done","metadata":{})"));
}

// The store by natural keys, without where a row was first read from (transcript files, line numbers,
// errors): what must not depend on which layout was read first.
StoreDump content(const fs::path& store) {
    StoreDump d = dump_store(store);
    d.erase("transcript_files");
    d.erase("ingest_errors");
    Database db(store, Database::Mode::ReadOnly);
    d["messages"] = flat(query(db, "SELECT m.line_key, p.slug, s.session_id, m.parent_key, m.ts, m.kind, m.role, "
                                   "m.model, m.is_sidechain, m.agent_id FROM messages m JOIN projects p ON "
                                   "p.id = m.project_id JOIN sessions s ON s.id = m.session_id ORDER BY 1"));
    return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(opencode_json)

BOOST_AUTO_TEST_CASE(reads_the_tree_into_the_rows_the_database_gives) {
    TreeFixture f;
    tree_session(f.tree);
    f.ingest_all();
    BOOST_TEST(f.count("SELECT count(*) FROM transcript_files WHERE kind LIKE 'legacy-%'") == 6);
    BOOST_TEST(query_text(f.db(), "SELECT session_id || '|' || cwd || '|' || cli_version FROM sessions") ==
               "ses_1|/home/ana/src/shop|1.1.9");
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(query_text(f.db(), "SELECT kind || '|' || model || '|' || parent_key || '|' || ts FROM messages "
                                  "WHERE line_key = 'opencode:msg_a1'") ==
               "assistant|claude-sonnet-4-5|opencode:msg_u1|" + format_iso8601(T0 + 20));
    BOOST_TEST(query_text(f.db(), "SELECT dedup_key || '|' || model || '|' || input_tokens || '|' || output_tokens "
                                  "|| '|' || reasoning_tokens || '|' || cache_read_tokens || '|' || "
                                  "cache_create_tokens || '|' || (cost_source <> 'unpriced') FROM usage_events") ==
               "opencode:prt_s1|claude-sonnet-4-5|100|50|10|5000|300|1");
    // A part has no time of its own in the tree: an unfinished message's start dates its usage.
    BOOST_TEST(query_text(f.db(), "SELECT ts FROM usage_events") == format_iso8601(T0 + 20));
    BOOST_TEST(query_text(f.db(), "SELECT tool_use_id || '|' || tool_name || '|' || file_path || '|' || latency_ms "
                                  "|| '|' || is_error || '|' || byte_count FROM message_tool_mart") ==
               "prt_t1|edit|/home/ana/src/shop/app.ts|500|0|6");
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart t JOIN messages m ON m.id = t.message_id "
                       "WHERE m.line_key = 'opencode:msg_a1'") == 1);
    for (const auto& [table, rows] : dump_store(f.dir / "store.db"))
        for (const std::string& row : rows) {
            BOOST_TEST(row.find("private prompt") == std::string::npos);
            BOOST_TEST(row.find("secret") == std::string::npos);
        }
    // Nothing changed: nothing read again.
    for (FileRecord& file : f.files()) BOOST_TEST((TranscriptTailer(f.writer(), f.stats).ingest(file) == TailStatus::UpToDate));
}

// One part file rewritten in place as its tool runs: one call, then its result; rewrites in between
// (streamed output) add nothing; the file's state says what was handed over.
BOOST_AUTO_TEST_CASE(a_tool_part_rewritten_as_it_runs_is_one_call_with_its_result) {
    TreeFixture f;
    tree_session(f.tree);
    f.ingest_all();
    const std::int64_t t = T0 + 2000;
    const fs::path p = f.tree.part("ses_1", "msg_a1", "prt_b", tool("bash", "pending", 0, 0));
    BOOST_TEST((f.ingest(p) == TailStatus::Progressed));
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_b'") == 0);
    f.tree.part("ses_1", "msg_a1", "prt_b", tool("bash", "running", t + 5, 0));
    f.ingest(p);
    BOOST_TEST(f.count("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_b' AND result_ts IS NULL") == 1);
    const std::int64_t lines_before = f.stats.lines_ignored.load();
    f.tree.part("ses_1", "msg_a1", "prt_b", tool("bash", "running", t + 5, 0, R"(,"metadata":{"output":"xxxxxxxx"})"));
    BOOST_TEST((f.ingest(p) == TailStatus::Progressed));
    BOOST_TEST(f.stats.lines_ignored.load() == lines_before + 1);  // read again, nothing new handed over
    f.tree.part("ses_1", "msg_a1", "prt_b",
                tool("bash", "completed", t + 5, t + 1305, R"(,"output":"boom","metadata":{"exit":2})"));
    f.ingest(p);
    BOOST_TEST(query_text(f.db(), "SELECT count(*) || '|' || max(latency_ms) || '|' || max(is_error) || '|' || "
                                  "max(result_bytes) FROM message_tool_mart WHERE tool_use_id = 'prt_b'") ==
               "1|1300|1|4");
    BOOST_TEST(query_text(f.db(), "SELECT parser_state FROM transcript_files WHERE path = '" + p.string() + "'") ==
               R"({"done":3})");
    BOOST_TEST(f.count("SELECT count(*) FROM transcript_files WHERE path LIKE '%prt_b%'") == 1);
    // A step-finish part is written once: one usage event however often it is read.
    const fs::path s = f.tree.part("ses_1", "msg_a1", "prt_s2", step_finish(1, 2, 0, 3, 0));
    f.ingest(s);
    f.tree.part("ses_1", "msg_a1", "prt_s2", step_finish(1, 2, 0, 3, 0) + " ");
    f.ingest(s);
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
}

// After the v1.2 migration both layouts hold the migrated sessions under the same ids. Each message, step
// and tool call is one row, whichever layout is read first: the same store either way. The database's
// migrated part rows carry the migration's time; both readers date such a step at its message's
// completion. A session the migration missed is read from the tree only; rows written after it, from the
// database only.
BOOST_AUTO_TEST_CASE(both_layouts_count_each_message_once_whichever_is_read_first) {
    const std::int64_t done = T0 + 1000, mig = T0 + 86'400'000;
    const auto build = [&](TreeFixture& f) {
        tree_session(f.tree, T0, done);
        f.tree.session("ses_c", T0 + 100, "ses_1");
        f.tree.message("ses_c", "msg_c1", assistant_msg(T0 + 110, "msg_x", "gpt-5", "openai", T0 + 200));
        f.tree.part("ses_c", "msg_c1", "prt_c1", step_finish(10, 20, 0, 0, 0));
        f.tree.session("ses_2", T0 + 300, {}, "/home/ana/src/blog");  // missed by the migration
        f.tree.message("ses_2", "msg_b1", assistant_msg(T0 + 310, "msg_y", "claude-sonnet-4-5", "anthropic", T0 + 400));
        f.tree.part("ses_2", "msg_b1", "prt_b1", step_finish(5, 5, 0, 0, 0));

        OpenCodeDb oc(f.data / "opencode.db");
        oc.session("ses_1", T0, {}, "/home/ana/src/shop", "1.1.9");
        oc.session("ses_c", T0 + 100, "ses_1", "/home/ana/src/shop", "1.1.9");
        oc.message("msg_u1", "ses_1", T0 + 10, mig, user_msg(T0 + 10));
        oc.message("msg_a1", "ses_1", T0 + 20, mig, assistant_msg(T0 + 20, "msg_u1", "claude-sonnet-4-5", "anthropic", done));
        oc.message("msg_c1", "ses_c", T0 + 110, mig, assistant_msg(T0 + 110, "msg_x", "gpt-5", "openai", T0 + 200));
        oc.part("prt_u1", "msg_u1", "ses_1", mig, mig, R"({"type":"text","text":"a private prompt"})");
        oc.part("prt_s1", "msg_a1", "ses_1", mig, mig, step_finish(100, 40, 10, 5000, 300));
        oc.part("prt_t1", "msg_a1", "ses_1", mig, mig,
                tool("edit", "completed", T0 + 30, T0 + 530, R"(,"output":"done","metadata":{})"));
        oc.part("prt_c1", "msg_c1", "ses_c", mig, mig, step_finish(10, 20, 0, 0, 0));
        // Written after the migration, by OpenCode 1.2 (live times).
        oc.message("msg_a2", "ses_1", mig + 10, mig + 90, assistant_msg(mig + 10, "msg_u1", "claude-sonnet-4-5", "anthropic", mig + 90));
        oc.part("prt_s2", "msg_a2", "ses_1", mig + 80, mig + 80, step_finish(7, 7, 0, 0, 0));
    };
    const auto is_db = [](const FileRecord& file) { return file.kind == "database"; };
    TreeFixture db_first, tree_first;
    build(db_first);
    build(tree_first);
    db_first.ingest_all(is_db);
    db_first.ingest_all([&](const FileRecord& file) { return !is_db(file); });
    tree_first.ingest_all([&](const FileRecord& file) { return !is_db(file); });
    tree_first.ingest_all(is_db);

    BOOST_TEST(compare_dumps(content(db_first.dir / "store.db"), content(tree_first.dir / "store.db"), "database first",
                             "tree first") == "");
    for (TreeFixture* f : {&db_first, &tree_first}) {
        BOOST_TEST(f->count("SELECT count(*) FROM messages") == 5);  // u1, a1, c1, b1 (tree only), a2 (db only)
        BOOST_TEST(f->count("SELECT count(*) FROM usage_events") == 4);
        BOOST_TEST(f->count("SELECT count(*) FROM message_tool_mart") == 1);
        BOOST_TEST(f->count("SELECT count(*) FROM sessions") == 2);
        BOOST_TEST(query_text(f->db(), "SELECT ts FROM usage_events WHERE dedup_key = 'opencode:prt_s1'") ==
                   format_iso8601(done));
        BOOST_TEST(query_text(f->db(), "SELECT ts FROM usage_events WHERE dedup_key = 'opencode:prt_s2'") ==
                   format_iso8601(mig + 80));
        BOOST_TEST(f->count("SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'prt_t1'") == 500);
    }
}

BOOST_AUTO_TEST_CASE(child_sessions_in_the_tree_are_sub_agents_of_their_root_session) {
    TreeFixture f;
    tree_session(f.tree);
    f.tree.session("ses_child", T0 + 100, "ses_1", "/home/ana/src/shop", "1.1.10");
    f.tree.session("ses_grandchild", T0 + 150, "ses_child");
    f.tree.message("ses_child", "msg_c1", assistant_msg(T0 + 110, "msg_x", "gpt-5", "openai"));
    f.tree.part("ses_child", "msg_c1", "prt_c1", step_finish(10, 20, 0, 0, 0));
    f.tree.part("ses_child", "msg_c1", "prt_ct", tool("read", "completed", T0 + 120, T0 + 125, R"(,"output":"x")"));
    f.tree.message("ses_grandchild", "msg_g1", assistant_msg(T0 + 160, "msg_y"));
    f.ingest_all();
    BOOST_TEST(f.count("SELECT count(*) FROM sessions") == 1);
    BOOST_TEST(query_text(f.db(), "SELECT is_sidechain || '|' || agent_id || '|' || s.session_id || '|' || m.model "
                                  "FROM messages m JOIN sessions s ON s.id = m.session_id "
                                  "WHERE line_key = 'opencode:msg_c1'") == "1|ses_child|ses_1|gpt-5");
    BOOST_TEST(query_text(f.db(), "SELECT agent_id FROM messages WHERE line_key = 'opencode:msg_g1'") == "ses_grandchild");
    BOOST_TEST(query_text(f.db(), "SELECT s.session_id || '|' || u.model FROM usage_events u "
                                  "JOIN sessions s ON s.id = u.session_id WHERE dedup_key = 'opencode:prt_c1'") ==
               "ses_1|gpt-5");
    BOOST_TEST(query_text(f.db(), "SELECT s.session_id || '|' || t.latency_ms FROM message_tool_mart t "
                                  "JOIN sessions s ON s.id = t.session_id WHERE tool_use_id = 'prt_ct'") == "ses_1|5");
}

// A file caught mid-rewrite (truncated) is not committed and is read whole at its next change; a part
// whose message file is mid-rewrite waits for it; files broken for good are logged; nothing good is lost.
BOOST_AUTO_TEST_CASE(malformed_and_truncated_files_lose_nothing_good) {
    TreeFixture f;
    tree_session(f.tree);
    const std::string full = step_finish(3, 4, 0, 0, 0);
    const fs::path half = f.tree.part("ses_1", "msg_a1", "prt_h", full.substr(0, full.size() / 2));
    f.tree.message("ses_1", "msg_broken", assistant_msg(T0 + 600, "msg_u1").substr(0, 40));
    const fs::path waits = f.tree.part("ses_1", "msg_broken", "prt_w", step_finish(1, 1, 0, 0, 0));
    f.tree.message("ses_1", "msg_notime", R"({"role":"assistant","modelID":"gpt-5"})");
    f.tree.write("part/msg_a1/prt_nosession.json", R"({"id":"prt_nosession","type":"step-finish","tokens":{"input":1}})");
    f.tree.part("ses_1", "msg_gone", "prt_orphan", step_finish(2, 2, 0, 0, 0));
    f.tree.write("part/msg_a1/notes.txt", "not ours");
    f.ingest_all();
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events WHERE dedup_key IN ('opencode:prt_s1', 'opencode:prt_orphan')") == 2);
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
    // A part whose message file is gone still counts, under its own session, unpriced.
    BOOST_TEST(query_text(f.db(), "SELECT cost_source FROM usage_events WHERE dedup_key = 'opencode:prt_orphan'") ==
               "unpriced");
    BOOST_TEST(f.count("SELECT count(*) FROM ingest_errors WHERE kind = 'no_timestamp'") == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM ingest_errors WHERE kind = 'missing_field'") == 1);
    BOOST_TEST((f.ingest(half) == TailStatus::Unreadable));
    BOOST_TEST((f.ingest(waits) == TailStatus::Unreadable));
    // Written whole: read whole.
    f.tree.part("ses_1", "msg_a1", "prt_h", full);
    BOOST_TEST((f.ingest(half) == TailStatus::Progressed));
    f.tree.message("ses_1", "msg_broken", assistant_msg(T0 + 600, "msg_u1", "gpt-5", "openai"));
    BOOST_TEST((f.ingest(waits) == TailStatus::Progressed));
    BOOST_TEST(query_text(f.db(), "SELECT group_concat(model, ',') FROM (SELECT model FROM usage_events WHERE "
                                  "dedup_key IN ('opencode:prt_h', 'opencode:prt_w') ORDER BY dedup_key)") ==
               "claude-sonnet-4-5,gpt-5");
    // A message without its time is read again when rewritten, and counts once it has one.
    const fs::path notime = f.tree.message("ses_1", "msg_notime", assistant_msg(T0 + 700, "msg_u1", "gpt-5", "openai"));
    BOOST_TEST((f.ingest(notime) == TailStatus::Progressed));
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE line_key = 'opencode:msg_notime'") == 1);
}

// kill -9 between any two files: a run that read the first k files, then a new process reading them all
// (as its catch-up does), leaves exactly the store of one clean run.
BOOST_AUTO_TEST_CASE(a_restart_between_any_two_files_resumes_to_the_same_store) {
    TempDir shared;
    const fs::path data = shared / "opencode";
    {
        OpenCodeTree t(data);
        tree_session(t, T0, T0 + 1000);
        t.session("ses_c", T0 + 100, "ses_1");
        t.message("ses_c", "msg_c1", assistant_msg(T0 + 110, "msg_u1"));
        t.part("ses_c", "msg_c1", "prt_c1", step_finish(10, 20, 0, 0, 0));
        t.part("ses_c", "msg_c1", "prt_r", tool("bash", "running", T0 + 130, 0));
    }
    TreeFixture clean(data);
    clean.ingest_all();
    const StoreDump expected = dump_store(clean.dir / "store.db");
    const std::size_t n = clean.files().size();
    BOOST_TEST(n == 10u);
    for (std::size_t k = 0; k <= n; ++k) {
        TreeFixture f(data);
        std::size_t i = 0;
        f.ingest_all([&](const FileRecord&) { return i++ < k; });
        f.restart();
        f.ingest_all();
        BOOST_TEST(compare_dumps(expected, dump_store(f.dir / "store.db"), "clean", "restarted") == "",
                   "restart after " << k << " files");
    }
}

// Files written while the watcher runs (new folders of a new session included) are read from inotify
// alone; the rest of the data folder (snapshot/, log/) is neither walked nor watched.
BOOST_AUTO_TEST_CASE(files_written_while_the_watcher_runs_are_read) {
    TempDir d;
    const fs::path data = d / "opencode";
    fs::create_directories(data / "snapshot/abc/objects");
    fs::create_directories(data / "log");
    const AgentRoots roots{{&opencode_source(), data}};
    BOOST_TEST(watch_directories(roots, data).size() == 1u);
    WatcherOptions o;
    o.roots = roots;
    o.store = d / "store.db";
    o.prices = shipped_prices();
    o.rescan_interval = std::chrono::hours(1);
    IngestStats stats;
    Watcher w(o, stats);
    std::thread th([&] { w.run(); });
    const auto stored = [&](const std::string& sql) {
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        for (;;) {
            try {
                Database db(o.store, Database::Mode::ReadOnly);
                if (query_int(db, sql) == 1) return true;
            } catch (const StoreError&) {
            }
            if (std::chrono::steady_clock::now() > until) return false;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    };
    // Caught up, its watches set (storage/ does not exist yet): only inotify can bring what follows.
    for (int i = 0; i < 2000 && w.status().state != Watcher::State::Running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    BOOST_REQUIRE(w.status().state == Watcher::State::Running);
    OpenCodeTree t(data);
    tree_session(t);
    const bool first = stored("SELECT count(*) FROM usage_events WHERE dedup_key = 'opencode:prt_s1'");
    t.part("ses_1", "msg_a1", "prt_live", tool("bash", "running", T0 + 700, 0));
    const bool call = stored("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_live'");
    t.part("ses_1", "msg_a1", "prt_live", tool("bash", "completed", T0 + 700, T0 + 750, R"(,"output":"ok")"));
    const bool result = stored("SELECT count(*) FROM message_tool_mart WHERE tool_use_id = 'prt_live' AND latency_ms = 50");
    w.stop();
    th.join();
    BOOST_TEST(first);
    BOOST_TEST(call);
    BOOST_TEST(result);
}

BOOST_AUTO_TEST_SUITE_END()
