// `agentpulse ingest --follow` as a running process: appended lines, new files, new project folders, new
// sub-agent folders, new Codex day folders and a transcripts root that appears late are all picked up
// (inotify, with the rescan as a safety net); the heartbeat says running, then stopped after SIGTERM.
// The store is polled read-only from the test, with bounded waits.
#include <boost/test/unit_test.hpp>

#include <chrono>

#include "Binary.hpp"
#include "Transcripts.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Follower {
    explicit Follower(const Workspace& ws)
        : store(ws.dir / "s.db"), proc(ws.ingest(store, {"--follow"}), ws.logs(), "follow") {
        BOOST_REQUIRE_MESSAGE(eventually([&] { return (db = open_when_ready(store)) != nullptr; }, 20s),
                              "no store: " << proc.err());
        // Running: the heartbeat row names this process.
        BOOST_REQUIRE_MESSAGE(eventually([&] { return state() == "running"; }, 20s),
                              "no heartbeat: " << proc.err());
        BOOST_TEST(query_int(*db, "SELECT pid FROM watcher_heartbeat") == proc.pid());
    }
    std::string state() {
        const auto rows = query(*db, "SELECT state FROM watcher_heartbeat WHERE id = 1");
        return rows.empty() ? "" : rows[0][0];
    }
    std::int64_t count(const std::string& sql) { return query_int(*db, sql); }
    // Waits (bounded) until `sql` counts `want`; returns the wait in ms, or -1 when it never did.
    double wait_for(const std::string& sql, std::int64_t want, std::chrono::milliseconds limit = 10s) {
        const auto t0 = Clock::now();
        if (!eventually([&] { return count(sql) == want; }, limit)) return -1;
        return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    }

    fs::path store;
    Process proc;
    std::unique_ptr<Database> db;
};

std::string assistant(const std::string& uuid, const std::string& session, std::int64_t ms,
                      std::vector<ToolUse> tools = {}, const std::string& cwd = "/home/ana/src/shop") {
    Assistant a;
    a.uuid = uuid;
    a.msg_id = "msg-" + uuid;
    a.session = session;
    a.ts = at(ms);
    a.cwd = cwd;
    a.tools = std::move(tools);
    return claude_assistant(a);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(follow)

BOOST_AUTO_TEST_CASE(picks_up_everything_new_while_running) {
    Workspace ws;
    const fs::path project = ws.claude() / "-home-ana-src-shop";
    write_file(project / "sess-1.jsonl", lines({claude_user("u-1", "sess-1", at(0), "hi")}));
    fs::create_directories(ws.codex());
    Follower f(ws);
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 1);  // the backfill before following
    const std::string messages = "SELECT count(*) FROM messages";
    double worst = 0;
    auto expect = [&](const std::string& what, const std::string& sql, std::int64_t want) {
        const double ms = f.wait_for(sql, want);
        BOOST_TEST(ms >= 0, what << " was not picked up within 10 s: " << f.proc.err());
        BOOST_TEST_MESSAGE(what << ": in the store after " << ms << " ms");
        worst = std::max(worst, ms);
    };

    // An appended line, with a tool call whose result comes in a later append.
    write_file(project / "sess-1.jsonl",
               assistant("a-2", "sess-1", 1000, {{"toolu_f", "Read", {{"file_path", "/x"}}}}) + "\n", true);
    expect("appended line", messages, 2);
    write_file(project / "sess-1.jsonl", claude_result("u-3", "sess-1", at(3250), "toolu_f", "abc") + "\n",
               true);
    expect("tool result", "SELECT count(*) FROM message_tool_mart WHERE latency_ms = 2250", 1);

    // A partial line: nothing until its newline arrives.
    const std::string line = claude_user("u-4", "sess-1", at(4000), "half");
    write_file(project / "sess-1.jsonl", line.substr(0, 40), true);
    std::this_thread::sleep_for(300ms);  // long enough for inotify and a read: it must still not count
    BOOST_TEST(f.count(messages) == 3);
    write_file(project / "sess-1.jsonl", line.substr(40) + "\n", true);
    expect("completed partial line", messages, 4);

    // A new session file in the project, a new project folder, a new sub-agent folder.
    write_file(project / "sess-2.jsonl", lines({claude_user("u-5", "sess-2", at(5000), "new file")}));
    expect("new file", messages, 5);
    write_file(ws.claude() / "-home-ana-src-blog" / "sess-3.jsonl",
               lines({assistant("a-6", "sess-3", 6000, {}, "/home/ana/src/blog")}));
    expect("new project folder",
           "SELECT count(*) FROM projects WHERE slug = '-home-ana-src-blog' AND display_name = 'blog'", 1);
    write_file(project / "sess-1" / "subagents" / "agent-x1.jsonl",
               lines({assistant("a-7", "sess-1", 7000)}));
    expect("new sub-agent folder",
           "SELECT count(*) FROM messages m JOIN sessions s ON s.id = m.session_id "
           "WHERE m.line_key = 'a-7' AND s.session_id = 'sess-1' AND m.agent_id = 'x1'",
           1);
    // Deeper sub-agent folders appear too.
    write_file(project / "sess-1" / "subagents" / "workflows" / "w1" / "agent-x2.jsonl",
               lines({assistant("a-8", "sess-1", 8000)}));
    expect("nested sub-agent folder", "SELECT count(*) FROM messages WHERE line_key = 'a-8'", 1);

    // A Codex rollout in a new day folder.
    write_file(ws.codex() / "2026/11/26/rollout-x.jsonl",
               lines({codex_meta(at(0), "cx-9"), codex_turn(at(1), "gpt-5-codex"),
                      codex_tokens(at(2), {500, 100, 50, 0})}));
    expect("new codex day folder", "SELECT count(*) FROM usage_events WHERE provider = 'codex'", 1);

    // A file renamed into place (how some editors and log rotators write).
    write_file(ws.dir / "staging.jsonl", lines({claude_user("u-9", "sess-9", at(9000), "moved in")}));
    fs::rename(ws.dir / "staging.jsonl", project / "sess-9.jsonl");
    expect("file moved in", "SELECT count(*) FROM messages WHERE line_key = 'u-9'", 1);

    BOOST_TEST_MESSAGE("slowest pick-up: " << worst << " ms");
    BOOST_TEST(f.proc.running());

    // The heartbeat is refreshed while running (every 2 s).
    const std::int64_t beat = f.count("SELECT beat_ms FROM watcher_heartbeat");
    BOOST_TEST(eventually([&] { return f.count("SELECT beat_ms FROM watcher_heartbeat") > beat; }, 6s));

    // SIGTERM: a clean stop, promptly, and the heartbeat says so.
    const auto t0 = Clock::now();
    f.proc.signal(SIGTERM);
    const ExitStatus st = f.proc.finish(10s);
    BOOST_TEST((st.exited && st.code == 0),
               "exit " << st.code << " signal " << st.signal << ": " << f.proc.err());
    BOOST_TEST((Clock::now() - t0 < 3s));
    BOOST_TEST(f.state() == "stopped");
    BOOST_TEST(query_text(*f.db, "SELECT reason FROM watcher_heartbeat") == "shutdown");
    BOOST_TEST(f.count("SELECT count(*) FROM ingest_errors") == 0);
}

BOOST_AUTO_TEST_CASE(a_root_that_appears_later_is_picked_up) {
    Workspace ws;  // neither root exists when it starts
    Follower f(ws);
    write_file(ws.claude() / "-p" / "s.jsonl", lines({claude_user("u-1", "s", at(0), "late root")}));
    // A missing root is rescanned every 2 s.
    const double ms = f.wait_for("SELECT count(*) FROM messages", 1, 5s);
    BOOST_TEST(ms >= 0, "a late transcripts root was not picked up within 5 s: " << f.proc.err());
    BOOST_TEST_MESSAGE("late root: in the store after " << ms << " ms");
    // And then followed like any other.
    write_file(ws.claude() / "-p" / "s.jsonl", lines({claude_user("u-2", "s", at(1), "more")}), true);
    BOOST_TEST(f.wait_for("SELECT count(*) FROM messages", 2) >= 0);
    f.proc.signal(SIGINT);
    const ExitStatus st = f.proc.finish(10s);
    BOOST_TEST((st.exited && st.code == 0));
    BOOST_TEST(f.state() == "stopped");
}

// Folders that come back or move in whole: their files are read at once, not at the next slow rescan.
BOOST_AUTO_TEST_CASE(folders_recreated_or_moved_in_are_read_at_once) {
    Workspace ws;
    const fs::path project = ws.claude() / "-home-ana-src-shop";
    write_file(project / "s.jsonl", lines({claude_user("u-1", "s", at(0), "a")}));
    fs::create_directories(ws.codex());  // both roots there: the safety-net rescan is the slow one (10 s)
    Follower f(ws);
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 1);

    // The project folder is deleted, then created again with the same file name and new content.
    fs::remove_all(project);
    std::this_thread::sleep_for(100ms);  // let the watcher see the folder go
    fs::create_directories(ws.dir / "staging" / "-home-ana-src-shop");
    write_file(ws.dir / "staging" / "-home-ana-src-shop" / "s.jsonl",
               lines({claude_user("u-1", "s", at(0), "a"), claude_user("u-2", "s", at(1), "b")}));
    fs::rename(ws.dir / "staging" / "-home-ana-src-shop", project);
    double ms = f.wait_for("SELECT count(*) FROM messages", 2, 3s);
    BOOST_TEST(ms >= 0, "a re-created folder's file was not read within 3 s: " << f.proc.err());
    BOOST_TEST_MESSAGE("re-created folder: in the store after " << ms << " ms");

    // A whole project folder moved in from elsewhere.
    write_file(ws.dir / "elsewhere" / "-home-ana-src-api" / "t.jsonl",
               lines({claude_user("u-3", "t", at(2), "c")}));
    fs::rename(ws.dir / "elsewhere" / "-home-ana-src-api", ws.claude() / "-home-ana-src-api");
    ms = f.wait_for("SELECT count(*) FROM messages", 3, 3s);
    BOOST_TEST(ms >= 0, "a moved-in folder was not read within 3 s: " << f.proc.err());
    // ... and followed afterwards.
    write_file(ws.claude() / "-home-ana-src-api" / "t.jsonl", lines({claude_user("u-4", "t", at(3), "d")}),
               true);
    BOOST_TEST(f.wait_for("SELECT count(*) FROM messages", 4, 3s) >= 0);
    f.proc.signal(SIGTERM);
    BOOST_TEST(f.proc.finish(10s).code == 0);
}

BOOST_AUTO_TEST_CASE(truncated_and_replaced_files_while_following) {
    Workspace ws;
    const fs::path file = ws.claude() / "-p" / "s.jsonl";
    write_file(file, lines({claude_user("u-1", "s", at(0), "a"), claude_user("u-2", "s", at(1), "b")}));
    Follower f(ws);
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 2);
    // Truncated and rewritten shorter: the new line is read, the old ones are not counted twice.
    write_file(file, lines({claude_user("u-3", "s", at(2), "c")}));
    BOOST_TEST(f.wait_for("SELECT count(*) FROM messages", 3) >= 0, f.proc.err());
    // Replaced by a new file (new inode) holding an old line and a new one.
    write_file(ws.dir / "new.jsonl",
               lines({claude_user("u-1", "s", at(0), "a"), claude_user("u-4", "s", at(3), "d")}));
    fs::rename(ws.dir / "new.jsonl", file);
    BOOST_TEST(f.wait_for("SELECT count(*) FROM messages", 4) >= 0, f.proc.err());
    BOOST_TEST(f.count("SELECT rewrites FROM transcript_files") == 2);
    // Deleted: no crash, nothing lost from the store.
    fs::remove(file);
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(f.proc.running());
    BOOST_TEST(f.count("SELECT count(*) FROM messages") == 4);
    f.proc.signal(SIGTERM);
    BOOST_TEST(f.proc.finish(10s).code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
