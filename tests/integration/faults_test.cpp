// Faults against the real binary, real files, real processes and real inotify (no mocks):
// transcripts truncated, rewritten, rotated, deleted and re-created, symlinked, in folders that disappear
// and with permissions removed mid-run; a disk that fills; a store locked by another writer; a store that
// is corrupt or from a newer agentpulse; clock oddities in the transcripts. Each ends by comparing the
// store with a clean run's (tests/support/StoreDump.hpp) or with exact expected rows. docs/RELIABILITY.md
// ("Faults") says what each guarantees. Every wait is bounded.
#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

#include "Binary.hpp"
#include "Corpus.hpp"
#include "SseClient.hpp"
#include "StoreDump.hpp"
#include "Transcripts.hpp"
#include "core/Hash.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}

double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

// `ingest --follow` as a child process, with a read-only look at its store.
struct FollowRun {
    // `full_disk`: the store's disk may be so full that not even the heartbeat's page fits; then the log
    // saying so stands for the "running" heartbeat.
    FollowRun(const Workspace& ws, fs::path store_path, const ChildOptions& child = {},
              const std::string& name = "follow", bool full_disk = false)
        : store(std::move(store_path)),
          proc(std::make_unique<Process>(ws.ingest(store, {"--follow"}), ws.logs(), name,
                                         std::map<std::string, std::string>{}, child)) {
        BOOST_REQUIRE_MESSAGE(eventually([&] { return (db = open_when_ready(store)) != nullptr; }, 20s),
                              "no store: " << proc->err());
        const auto up = [&] {
            return state() == "running" || (full_disk && proc->err().find("heartbeat not written: ") != std::string::npos);
        };
        BOOST_REQUIRE_MESSAGE(eventually(up, 30s), "no heartbeat after 30 s (state '"
                                                       << state() << "', reason '" << heartbeat("reason") << "', process "
                                                       << (proc->running() ? "running" : "exited") << "): " << proc->err());
    }
    std::string state() { return heartbeat("state"); }
    std::string heartbeat(const std::string& column) {
        const auto rows = query(*db, "SELECT coalesce(" + column + ", '') FROM watcher_heartbeat WHERE id = 1");
        return rows.empty() ? "" : rows[0][0];
    }
    std::int64_t count(const std::string& sql) { return query_int(*db, sql); }
    // Waits (bounded) until `sql` counts `want`; the wait in ms, or -1 when it never did.
    double wait_for(const std::string& sql, std::int64_t want, std::chrono::milliseconds limit = 10s) {
        const auto t0 = Clock::now();
        if (!eventually([&] { return count(sql) == want; }, limit)) return -1;
        return ms_since(t0);
    }
    void stop() {
        proc->signal(SIGTERM);
        const ExitStatus st = proc->finish(20s);
        BOOST_TEST((st.exited && st.code == 0), "follower exit " << st.code << " signal " << st.signal << ": "
                                                                  << proc->err());
    }

    fs::path store;
    std::unique_ptr<Process> proc;
    std::unique_ptr<Database> db;
};

const std::string kMessages = "SELECT count(*) FROM messages";

std::string user(int i, const std::string& session = "s", const std::string& cwd = "/home/ana/src/shop") {
    return claude_user("u-" + std::to_string(i), session, at(i * 1000), "line " + std::to_string(i), cwd);
}

std::string reply(int i, std::vector<ToolUse> tools = {}, const std::string& session = "s") {
    Assistant a;
    a.uuid = "a-" + std::to_string(i);
    a.msg_id = "msg-" + std::to_string(i);
    a.request_id = "req-" + std::to_string(i);
    a.session = session;
    a.ts = at(i * 1000);
    a.usage = Usage{100 + i, 20 + i, 0, 0};
    a.tools = std::move(tools);
    return claude_assistant(a);
}

// The store's content by natural keys, without where each row was first read (file and line): a store
// fed through renamed, deleted and re-created files holds the same rows as a clean run over one file
// with every line, but its transcript_files (paths, rewrite counts) and messages.file/line differ.
StoreDump content_dump(const fs::path& store) {
    StoreDump d = dump_store(store);
    d.erase("transcript_files");
    d.erase("ingest_errors");
    for (std::string& row : d["messages"]) {
        std::vector<std::string> f;
        for (std::size_t at = 0;;) {
            const auto bar = row.find('|', at);
            f.push_back(row.substr(at, bar == std::string::npos ? std::string::npos : bar - at));
            if (bar == std::string::npos) break;
            at = bar + 1;
        }
        if (f.size() > 5) f.erase(f.begin() + 4, f.begin() + 6);  // messages: file path, line_no
        std::string out;
        for (std::size_t i = 0; i < f.size(); ++i) out += (i ? "|" : "") + f[i];
        row = out;
    }
    return d;
}

// A clean one-shot ingest of `claude_text` (every line the run under test ever saw, in one file per
// project folder) compared with `store` by content.
void compare_with_reference(const Workspace& ws, const std::map<std::string, std::string>& claude_text,
                            const fs::path& store, const std::string& what) {
    Workspace ref;
    for (const auto& [project, text] : claude_text) write_file(ref.claude() / project / "all.jsonl", text);
    std::string err;
    const ExitStatus st = run_to_end(ref.ingest(ref.dir / "ref.db"), ws.logs(), "reference", nullptr, &err);
    BOOST_REQUIRE_MESSAGE(st.exited && st.code == 0, err);
    {
        Database b(store, Database::Mode::ReadOnly);
        BOOST_TEST(query_text(b, "PRAGMA integrity_check") == "ok");
    }
    const StoreDump a = content_dump(ref.dir / "ref.db");
    BOOST_REQUIRE(a.at("messages").size() > 3u);
    const std::string diff = compare_dumps(a, content_dump(store), "reference", what);
    BOOST_TEST(diff.empty(), "stores differ (" << what << "):\n" << diff);
    const std::string drift = aggregate_drift(store);
    BOOST_TEST(drift.empty(), "aggregates differ from the rows (" << what << "):\n" << drift);
}

// Every transcript's committed offset equals its size on disk.
bool caught_up(Database& db, const std::vector<fs::path>& files) {
    std::int64_t want = 0;
    for (const fs::path& f : files) {
        std::error_code ec;
        const auto size = fs::file_size(f, ec);
        if (ec) return false;
        want += static_cast<std::int64_t>(size);
    }
    return query_int(db, "SELECT coalesce(sum(offset), 0) FROM transcript_files") == want &&
           query_int(db, "SELECT count(*) FROM transcript_files") == static_cast<std::int64_t>(files.size());
}

std::vector<fs::path> corpus_paths(const Workspace& ws, const std::vector<CorpusFile>& corpus) {
    std::vector<fs::path> out;
    for (const CorpusFile& f : corpus) out.push_back((f.codex ? ws.codex() : ws.claude()) / f.rel);
    return out;
}

std::uint64_t file_hash(const fs::path& p) { return fnv1a64(slurp(p)); }


std::vector<std::string> serve_args(const Workspace& ws, const fs::path& store, bool no_watcher) {
    std::vector<std::string> a = {AGENTPULSE_BINARY, "serve",           "--port",          "0",
                                  "--store",         store.string(),    "--claude-projects", ws.claude().string(),
                                  "--codex-sessions", ws.codex().string(), "--static-dir",   (ws.dir / "www").string()};
    if (no_watcher) a.push_back("--no-watcher");
    return a;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(faults)

// Truncated, rewritten in place, rotated (rename + new file), copy-truncated, deleted and re-created, while
// `ingest --follow` runs: every line ever written is stored exactly once, a tool result pairs with its call
// across a rewrite, and the store equals a clean run over all those lines.
BOOST_AUTO_TEST_CASE(rewritten_rotated_deleted_and_recreated_transcripts) {
    const auto t0 = Clock::now();
    Workspace ws;
    fs::create_directories(ws.codex());
    const fs::path file = ws.claude() / "-p" / "s.jsonl";
    std::string all;  // every distinct line, for the reference run
    auto seen = [&](std::initializer_list<std::string> ls) {
        for (const auto& l : ls) all += l + "\n";
    };
    const std::string u1 = user(1), a2 = reply(2, {{"toolu_x", "Read", {{"file_path", "/x"}}}}), u3 = user(3);
    seen({u1, a2, u3});
    write_file(file, lines({u1, a2, u3}));
    FollowRun f(ws, ws.dir / "s.db");
    BOOST_TEST(f.count(kMessages) == 3);

    // Rewritten in place (same path and inode, other content, longer): read again from the start.
    const std::string u4 = user(4), a5 = reply(5);
    seen({u4, a5});
    {
        std::ofstream out(file, std::ios::binary | std::ios::in | std::ios::out);  // no O_TRUNC: same inode
        const std::string text = lines({u1, u4, a2, u3, a5});
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
    }
    BOOST_TEST(f.wait_for(kMessages, 5) >= 0, "rewrite not read: " << f.proc->err());

    // Truncated to nothing, then a line with the result of the earlier tool call.
    const std::string u6 = claude_result("u-6", "s", at(6500), "toolu_x", "abc");
    seen({u6});
    write_file(file, "");
    std::this_thread::sleep_for(50ms);
    write_file(file, lines({u6}), true);
    BOOST_TEST(f.wait_for(kMessages, 6) >= 0, "truncated file not read: " << f.proc->err());
    BOOST_TEST(f.wait_for("SELECT count(*) FROM message_tool_mart WHERE latency_ms = 4500", 1) >= 0);

    // Rotated: renamed to s.jsonl.1 (not a transcript name) and a new s.jsonl begun.
    const std::string u7 = user(7), a8 = reply(8);
    seen({u7, a8});
    fs::rename(file, file.string() + ".1");
    write_file(file, lines({u7, a8}));
    BOOST_TEST(f.wait_for(kMessages, 8) >= 0, "rotated file not read: " << f.proc->err());

    // Rotated to another transcript name (s-old.jsonl, the same inode as before): nothing counts twice.
    fs::rename(file, ws.claude() / "-p" / "s-old.jsonl");
    const std::string u9 = user(9);
    seen({u9});
    write_file(file, lines({u9}));
    BOOST_TEST(f.wait_for(kMessages, 9) >= 0, "second rotation not read: " << f.proc->err());

    // Copy-truncate rotation (copy aside, truncate in place, keep writing).
    fs::copy_file(file, file.string() + ".2");
    const std::string a10 = reply(10);
    seen({a10});
    fs::resize_file(file, 0);
    write_file(file, lines({a10}), true);
    BOOST_TEST(f.wait_for(kMessages, 10) >= 0, "copy-truncated file not read: " << f.proc->err());

    // Deleted, then re-created with an old line and a new one.
    fs::remove(file);
    std::this_thread::sleep_for(150ms);
    BOOST_TEST(f.proc->running());
    const std::string u11 = user(11);
    seen({u11});
    write_file(file, lines({u7, u11}));
    BOOST_TEST(f.wait_for(kMessages, 11) >= 0, "re-created file not read: " << f.proc->err());

    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 4);
    BOOST_TEST(f.count("SELECT count(*) FROM messages GROUP BY line_key HAVING count(*) > 1 UNION ALL SELECT 0") == 0);
    BOOST_TEST(f.count("SELECT max(rewrites) FROM transcript_files") >= 3);
    BOOST_TEST(f.count("SELECT count(*) FROM ingest_errors") == 0);
    f.stop();
    compare_with_reference(ws, {{"-p", all}}, f.store, "rewritten and rotated");
    BOOST_TEST_MESSAGE("rewritten/rotated/deleted: " << ms_since(t0) << " ms");
}

// Symlinks. The rule (docs/ingest.md): a symlinked transcript file is read through its link like any
// file, wherever its target is; when both a link and its target are under a root, both paths are read and
// the rows count once (natural keys). Symlinked folders below a root are not followed (no loops, no
// second copy of a tree); a root that is itself a symlink is followed.
BOOST_AUTO_TEST_CASE(symlinked_files_and_folders) {
    const auto t0 = Clock::now();
    Workspace ws;
    fs::create_directories(ws.codex());
    const fs::path outside = ws.dir / "outside";
    write_file(outside / "target.jsonl", lines({user(1, "t")}));
    write_file(outside / "proj" / "p.jsonl", lines({user(50, "q")}));
    write_file(ws.claude() / "-p" / "real.jsonl", lines({user(2, "r"), reply(3, {}, "r")}));
    fs::create_symlink(outside / "target.jsonl", ws.claude() / "-p" / "link.jsonl");   // target outside
    fs::create_symlink(ws.claude() / "-p" / "real.jsonl", ws.claude() / "-p" / "alias.jsonl");  // both inside
    fs::create_symlink(outside / "proj", ws.claude() / "-linked-project");                // a folder
    FollowRun f(ws, ws.dir / "s.db");
    BOOST_TEST(f.count(kMessages) == 3);  // u-1 through the link, u-2 and a-3 once, nothing of the folder
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(f.count("SELECT count(*) FROM transcript_files") == 3);
    BOOST_TEST(f.count("SELECT count(*) FROM messages WHERE line_key = 'u-50'") == 0);

    // Appends under the root are read at once (inotify on the target's folder); the alias's copy of them
    // is read at the next rescan and adds nothing.
    write_file(ws.claude() / "-p" / "real.jsonl", lines({reply(4, {}, "r")}), true);
    BOOST_TEST(f.wait_for(kMessages, 4, 5s) >= 0, f.proc->err());
    // Appends to a target outside the roots: no inotify watch sees them; the rescan (every 10 s) does.
    const auto t1 = Clock::now();
    write_file(outside / "target.jsonl", lines({user(5, "t")}), true);
    const double ms = f.wait_for(kMessages, 5, 15s);
    BOOST_TEST(ms >= 0, "append through a symlink not read within 15 s: " << f.proc->err());
    BOOST_TEST_MESSAGE("append to a symlink target outside the roots: read after " << ms_since(t1) << " ms");
    // After that rescan the alias has been read too: still nothing counted twice.
    BOOST_TEST(f.count("SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(f.count("SELECT sum(output_tokens) FROM usage_events") == 23 + 24);
    f.stop();

    // A root that is itself a symlink is followed.
    Workspace ws2;
    write_file(ws2.dir / "real-root" / "-p" / "s.jsonl", lines({user(1)}));
    fs::create_symlink(ws2.dir / "real-root", ws2.claude());
    std::string out, err;
    BOOST_REQUIRE(run_to_end(ws2.ingest(ws2.dir / "s.db"), ws2.logs(), "linked-root", &out, &err).code == 0);
    Database db(ws2.dir / "s.db", Database::Mode::ReadOnly);
    BOOST_TEST(query_int(db, kMessages) == 1);
    BOOST_TEST_MESSAGE("symlinks: " << ms_since(t0) << " ms");
}

// `rm -rf` of a project folder and of a whole root while `ingest --follow` runs, then re-created: no
// crash, nothing stored is lost, and the re-created trees are read within seconds.
BOOST_AUTO_TEST_CASE(folders_and_roots_that_disappear) {
    const auto t0 = Clock::now();
    Workspace ws;
    fs::create_directories(ws.codex());
    std::map<std::string, std::string> all;
    auto put = [&](const std::string& project, const std::string& name, std::initializer_list<std::string> ls,
                   bool append = false) {
        std::string text;
        for (const auto& l : ls) text += l + "\n";
        write_file(ws.claude() / project / name, text, append);
        for (const auto& l : ls)
            if (!contains(all[project], l)) all[project] += l + "\n";
    };
    put("-a", "s.jsonl", {user(1, "sa"), reply(2, {}, "sa")});
    put("-b", "t.jsonl", {user(3, "sb")});
    FollowRun f(ws, ws.dir / "s.db");
    BOOST_TEST(f.count(kMessages) == 3);

    // A project folder removed, then re-created with an old line and a new one.
    fs::remove_all(ws.claude() / "-a");
    std::this_thread::sleep_for(300ms);
    BOOST_TEST(f.proc->running());
    BOOST_TEST(f.count(kMessages) == 3);
    put("-a", "s.jsonl", {user(1, "sa"), user(4, "sa")});
    double ms = f.wait_for(kMessages, 4, 5s);
    BOOST_TEST(ms >= 0, "re-created project folder not read: " << f.proc->err());
    BOOST_TEST_MESSAGE("project folder re-created: read after " << ms << " ms");

    // The whole root removed while running, then re-created with old and new content.
    fs::remove_all(ws.claude());
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(f.proc->running());
    BOOST_TEST(f.count(kMessages) == 4);
    const auto t1 = Clock::now();
    put("-b", "t.jsonl", {user(3, "sb"), reply(5, {}, "sb")});
    put("-c", "u.jsonl", {user(6, "sc")});
    ms = f.wait_for(kMessages, 6, 8s);
    BOOST_TEST(ms >= 0, "re-created root not read within 8 s: " << f.proc->err());
    BOOST_TEST_MESSAGE("root re-created: read after " << ms_since(t1) << " ms");
    // ... and followed again through inotify.
    put("-c", "u.jsonl", {user(7, "sc")}, true);
    BOOST_TEST(f.wait_for(kMessages, 7, 3s) >= 0, "re-created root not followed: " << f.proc->err());
    BOOST_TEST(contains(f.proc->err(), "went away"), f.proc->err());
    f.stop();
    compare_with_reference(ws, all, f.store, "folders removed");
    BOOST_TEST_MESSAGE("folders and roots disappearing: " << ms_since(t0) << " ms");
}

// chmod 000 on a transcript and on a project folder while `ingest --follow` runs as an unprivileged user
// (root ignores permission bits): a clear warning naming the file, nothing lost, and everything read soon
// after the permissions come back.
BOOST_AUTO_TEST_CASE(permissions_removed_mid_run) {
    if (::geteuid() != 0) {
        BOOST_TEST_MESSAGE("SKIPPED permissions_removed_mid_run: needs root to run the watcher as 'nobody' "
                           "(as root, permission bits do not apply; as another user, nothing can switch users)");
        return;
    }
    const auto t0 = Clock::now();
    Workspace ws;
    const uid_t nobody = 65534;
    const gid_t nogroup = 65534;
    {
        // The binary must be reachable by that user (a build under a private home folder is not).
        Process probe({AGENTPULSE_BINARY, "ingest", "--help"}, ws.logs(), "probe-nobody", {},
                      ChildOptions{nobody, nogroup, {}});
        const ExitStatus st = probe.finish(10s);
        if (!(st.exited && st.code == 0)) {
            BOOST_TEST_MESSAGE("SKIPPED permissions_removed_mid_run: user nobody cannot run " AGENTPULSE_BINARY
                               " (exit " << st.code << ")");
            return;
        }
    }
    fs::create_directories(ws.codex());
    fs::create_directories(ws.dir / "store");
    BOOST_REQUIRE(::chown((ws.dir / "store").c_str(), nobody, nogroup) == 0);
    const fs::path file = ws.claude() / "-p" / "s.jsonl", folder = ws.claude() / "-q";
    write_file(file, lines({user(1)}));
    write_file(folder / "t.jsonl", lines({user(2, "t")}));
    FollowRun f(ws, ws.dir / "store" / "s.db", ChildOptions{nobody, nogroup, {}});
    BOOST_TEST(f.count("SELECT pid FROM watcher_heartbeat") == f.proc->pid());
    BOOST_TEST(f.count(kMessages) == 2);

    // A file made unreadable, then appended to.
    fs::permissions(file, fs::perms::none);
    write_file(file, lines({user(3)}), true);
    BOOST_TEST(eventually([&] { return contains(f.proc->err(), file.string() + ": cannot open: Permission denied"); },
                          5s),
               "no warning: " << f.proc->err());
    BOOST_TEST(f.count(kMessages) == 2);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
    double ms = f.wait_for(kMessages, 3, 5s);
    BOOST_TEST(ms >= 0, "file not read after chmod back: " << f.proc->err());
    BOOST_TEST_MESSAGE("file readable again: read after " << ms << " ms");

    // A folder made unreadable; a file in it grows and a new one appears.
    fs::permissions(folder, fs::perms::none);
    write_file(folder / "t.jsonl", lines({user(4, "t")}), true);
    write_file(folder / "new.jsonl", lines({user(5, "n")}));
    BOOST_TEST(eventually([&] { return contains(f.proc->err(), (folder / "t.jsonl").string() +
                                                                   ": cannot open: Permission denied"); },
                          5s),
               "no warning: " << f.proc->err());
    std::this_thread::sleep_for(200ms);
    BOOST_TEST(f.count(kMessages) == 3);
    BOOST_TEST(f.proc->running());
    fs::permissions(folder, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
    ms = f.wait_for(kMessages, 5, 5s);
    BOOST_TEST(ms >= 0, "folder not read after chmod back: " << f.proc->err());
    BOOST_TEST_MESSAGE("folder readable again: read after " << ms << " ms");
    BOOST_TEST(f.state() == "running");
    f.stop();
    BOOST_TEST_MESSAGE("permissions: " << ms_since(t0) << " ms");
}

// The disk fills under `ingest --follow`: a small tmpfs the test mounts (as root), or, where mounting is
// not possible, RLIMIT_FSIZE on the follower. Expect a clear error in the log, the watcher running and
// retrying (no exit, no crash loop), the heartbeat saying what is wrong, `PRAGMA integrity_check` ok, and
// once space returns (tmpfs remounted bigger, or the follower restarted without the limit) the store equal
// to a clean run's.
BOOST_AUTO_TEST_CASE(disk_full_then_space_returns) {
    const auto t0 = Clock::now();
    Workspace ws;
    const std::uint64_t seed = 6;
    CorpusSpec spec;
    spec.projects = 8;
    spec.sessions_per_project = 5;
    spec.codex_rollouts = 16;
    const std::vector<CorpusFile> corpus = CorpusBuilder(seed).build(spec);
    fs::create_directories(ws.claude());
    fs::create_directories(ws.codex());

    const fs::path small = ws.dir / "small";
    fs::create_directories(small);
    bool mounted = false;
    const char* no_mount = std::getenv("AGENTPULSE_TEST_NO_MOUNT");  // =1 tests the RLIMIT_FSIZE way
    if (!(no_mount && *no_mount) && ::geteuid() == 0)
        mounted = ::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=640k") == 0;
    struct Unmount {
        fs::path p;
        bool on;
        ~Unmount() {
            if (on) ::umount2(p.c_str(), MNT_DETACH);
        }
    } unmount{small, mounted};
    BOOST_TEST_MESSAGE("disk full: " << (mounted ? "a 640 KB tmpfs" : "RLIMIT_FSIZE of 640 KB (no mount possible)")
                                     << "; corpus " << corpus_bytes(corpus) / 1e6 << " MB");
    const fs::path store = small / "s.db";
    ChildOptions child;
    if (!mounted) child.max_file_size = 640 * 1024;

    auto f = std::make_unique<FollowRun>(ws, store, child);
    write_corpus(corpus, ws.claude(), ws.codex());
    // The store fills: the error is logged, the heartbeat says so, the process keeps running.
    BOOST_TEST(eventually([&] { return contains(f->proc->err(), "store refused a batch"); }, 20s),
               "no store error logged: " << f->proc->err());
    const std::string err = f->proc->err();
    BOOST_TEST((contains(err, "database or disk is full") || contains(err, "disk I/O error")), err);
    // The heartbeat says so, unless the disk is so full that not even the heartbeat's page fits: then the
    // log says that the heartbeat was refused (the watcher tries again every 500 ms).
    const auto problem_told = [&] {
        return contains(f->heartbeat("reason"), "the store refuses writes") ||
               contains(f->proc->err(), "heartbeat not written: ");
    };
    BOOST_TEST(eventually(problem_told, 10s), "heartbeat reason: '" << f->heartbeat("reason") << "': " << f->proc->err());
    BOOST_TEST_MESSAGE("heartbeat while full: " << f->state() << ": " << f->heartbeat("reason"));
    std::this_thread::sleep_for(2500ms);  // at least one retry while still full
    BOOST_TEST(f->proc->running(), "the follower exited: " << f->proc->err());
    BOOST_TEST(f->state() == "running");
    BOOST_TEST(query_text(*f->db, "PRAGMA integrity_check") == "ok");
    const std::int64_t partial = query_int(*f->db, "SELECT coalesce(sum(offset), 0) FROM transcript_files");
    BOOST_TEST(partial < corpus_bytes(corpus));
    BOOST_TEST_MESSAGE("stored before the disk filled: " << partial << " of " << corpus_bytes(corpus) << " bytes");

    // Restarted while the disk is still full (as a supervisor would): it comes up, says what is wrong and
    // keeps running: no exit, so no crash loop.
    f->proc->signal(SIGTERM);
    {
        const ExitStatus st = f->proc->finish(20s);
        BOOST_TEST((st.exited && st.code == 0), "exit " << st.code << ": " << f->proc->err());
    }
    f.reset();
    f = std::make_unique<FollowRun>(ws, store, child, "follow-restarted-full", true);
    BOOST_TEST(eventually(problem_told, 10s),
               "heartbeat reason after the restart: '" << f->heartbeat("reason") << "': " << f->proc->err());
    std::this_thread::sleep_for(2500ms);
    BOOST_TEST(f->proc->running(), "the restarted follower exited: " << f->proc->err());
    BOOST_TEST(query_text(*f->db, "PRAGMA integrity_check") == "ok");

    // Space returns.
    const auto t1 = Clock::now();
    if (mounted) {
        BOOST_REQUIRE(::mount("tmpfs", small.c_str(), "tmpfs", MS_REMOUNT, "size=64m") == 0);
    } else {
        f->proc->signal(SIGTERM);
        const ExitStatus st = f->proc->finish(20s);
        BOOST_TEST((st.exited && st.code == 0), "exit " << st.code << ": " << f->proc->err());
        f.reset();
        f = std::make_unique<FollowRun>(ws, store, ChildOptions{}, "follow-unlimited");
    }
    const auto paths = corpus_paths(ws, corpus);
    const bool done = eventually([&] { return caught_up(*f->db, paths); }, 60s);
    BOOST_REQUIRE_MESSAGE(done, "not caught up within 60 s of space returning: " << f->proc->err());
    BOOST_TEST_MESSAGE("caught up " << ms_since(t1) << " ms after space returned");
    BOOST_TEST(eventually([&] { return f->heartbeat("reason").empty(); }, 5s),
               "heartbeat reason still: " << f->heartbeat("reason"));
    BOOST_TEST(f->proc->running());
    f->stop();
    f->db.reset();

    std::string cerr;
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "clean.db"), ws.logs(), "clean", nullptr, &cerr).code == 0);
    {
        Database b(store, Database::Mode::ReadOnly);
        BOOST_TEST(query_text(b, "PRAGMA integrity_check") == "ok");
    }
    const std::string diff = compare_dumps(dump_store(ws.dir / "clean.db"), dump_store(store), "clean", "disk full");
    BOOST_TEST(diff.empty(), "stores differ:\n" << diff);
    BOOST_TEST_MESSAGE("disk full: " << ms_since(t0) << " ms");
}

// Another writer holds the store (BEGIN IMMEDIATE) for 3 s: a one-shot ingest waits (busy timeout 5 s) and
// ends with the clean result; `serve --no-watcher` keeps answering meanwhile. Held for 7 s (beyond the busy
// timeout) under `ingest --follow`: the batch is refused, retried, and lands once the lock is gone.
BOOST_AUTO_TEST_CASE(store_locked_by_another_writer) {
    const auto t0 = Clock::now();
    Workspace ws;
    CorpusSpec spec;
    spec.projects = 4;
    spec.sessions_per_project = 3;
    spec.codex_rollouts = 6;
    const std::vector<CorpusFile> corpus = CorpusBuilder(11).build(spec);
    write_corpus(corpus, ws.claude(), ws.codex());
    BOOST_REQUIRE(run_to_end(ws.ingest(ws.dir / "clean.db"), ws.logs(), "clean").code == 0);
    const fs::path store = ws.dir / "s.db";
    {
        Database db(store, Database::Mode::ReadWrite);
        migrate(db);
    }

    // One-shot ingest against a lock held for 3 s; a reader server answers throughout.
    Process server(serve_args(ws, store, true), ws.logs(), "reader");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, "serve --no-watcher did not start: " << server.err());
    double ingest_ms = 0, worst_answer_ms = 0;
    int answers = 0;
    {
        Database locker(store, Database::Mode::ReadWrite);
        locker.exec("BEGIN IMMEDIATE");
        locker.exec("INSERT INTO ingest_errors(ts, kind, message) VALUES ('2026-01-01T00:00:00.000Z', 'x', 'y')");
        const auto t1 = Clock::now();
        Process ingest(ws.ingest(store), ws.logs(), "locked");
        while (ms_since(t1) < 3000) {
            for (const char* target : {"/api/live/stats", "/api/overview", "/healthz"}) {
                const auto ta = Clock::now();
                const HttpResult r = http_request(port, target, {}, "GET", 3000ms);
                worst_answer_ms = std::max(worst_answer_ms, ms_since(ta));
                BOOST_TEST(r.status == 200, target << ": " << r.status_line);
                ++answers;
            }
            BOOST_TEST(ingest.running(), "ingest ended while the store was locked: " << ingest.err());
            std::this_thread::sleep_for(100ms);
        }
        locker.exec("ROLLBACK");
        const ExitStatus st = ingest.finish(30s);
        ingest_ms = ms_since(t1);
        BOOST_TEST((st.exited && st.code == 0), "exit " << st.code << ": " << ingest.err());
    }
    BOOST_TEST_MESSAGE("locked 3 s: ingest finished after " << ingest_ms << " ms; " << answers
                                                            << " reader answers, slowest " << worst_answer_ms << " ms");
    BOOST_TEST(worst_answer_ms < 1000);
    BOOST_TEST(compare_dumps(dump_store(ws.dir / "clean.db"), dump_store(store)).empty());
    server.signal(SIGTERM);
    BOOST_TEST(server.finish(10s).code == 0);

    // --follow with a lock held longer than the busy timeout while lines arrive.
    FollowRun f(ws, store);
    const fs::path file = ws.claude() / "-late" / "s.jsonl";
    const std::int64_t before = f.count(kMessages);
    {
        Database locker(store, Database::Mode::ReadWrite);
        locker.exec("BEGIN IMMEDIATE");
        Assistant late;  // keys the corpus does not use
        late.uuid = "late-a";
        late.msg_id = "late-msg";
        late.session = "late";
        write_file(file, lines({claude_user("late-u", "late", at(0), "locked"), claude_assistant(late)}));
        std::this_thread::sleep_for(7s);
        BOOST_TEST(f.proc->running());
        BOOST_TEST(f.count(kMessages) == before);
        locker.exec("ROLLBACK");
    }
    const auto t2 = Clock::now();
    BOOST_TEST(f.wait_for(kMessages, before + 2, 10s) >= 0, "rows did not land after the lock: " << f.proc->err());
    BOOST_TEST_MESSAGE("locked 7 s under --follow: rows landed " << ms_since(t2) << " ms after the lock went");
    BOOST_TEST(contains(f.proc->err(), "database is locked"), f.proc->err());
    f.stop();
    BOOST_TEST_MESSAGE("store locked: " << ms_since(t0) << " ms");
}

// A store that is not a database, truncated, damaged inside, or from a newer agentpulse: `ingest`,
// `ingest --follow`, `serve` and `serve --no-watcher` exit promptly with code 2 and a message naming the
// store, without crashing, and leave the file's bytes as they were.
BOOST_AUTO_TEST_CASE(corrupt_or_newer_store_is_refused_and_left_alone) {
    const auto t0 = Clock::now();
    Workspace ws;
    CorpusSpec spec;
    spec.projects = 6;
    spec.sessions_per_project = 4;
    spec.codex_rollouts = 8;
    write_corpus(CorpusBuilder(3).build(spec), ws.claude(), ws.codex());
    const fs::path good = ws.dir / "good.db";
    BOOST_REQUIRE(run_to_end(ws.ingest(good), ws.logs(), "good").code == 0);
    const std::string good_bytes = slurp(good);
    BOOST_REQUIRE(good_bytes.size() > 64 * 1024u);

    std::mt19937_64 rng(5);
    auto garbage = [&](std::size_t n) {
        std::string s(n, '\0');
        for (char& c : s) c = static_cast<char>(rng());
        return s;
    };
    std::map<std::string, std::string> cases;
    cases["garbage"] = garbage(256 * 1024);
    cases["truncated"] = good_bytes.substr(0, good_bytes.size() / 2);
    {
        // Header and schema intact (SQLite opens it, reads its version and sets WAL mode without complaint),
        // the later half of the pages overwritten.
        std::string damaged = good_bytes;
        const std::size_t from = (damaged.size() / 2) & ~std::size_t{4095};
        const std::string g = garbage(damaged.size() - from);
        damaged.replace(from, g.size(), g);
        cases["damaged"] = damaged;
    }
    {
        const fs::path newer = ws.dir / "newer.db";
        fs::copy_file(good, newer);
        Database db(newer, Database::Mode::ReadWrite);
        db.exec("PRAGMA user_version=" + std::to_string(current_schema_version() + 1));
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    cases["newer"] = slurp(ws.dir / "newer.db");

    for (const auto& [name, bytes] : cases) {
        for (const std::string mode : {"ingest", "follow", "serve", "serve-no-watcher"}) {
            const fs::path dir = ws.dir / (name + "-" + mode);
            fs::create_directories(dir);
            const fs::path store = dir / "s.db";
            write_file(store, bytes);
            std::vector<std::string> args =
                mode == "ingest"   ? ws.ingest(store)
                : mode == "follow" ? ws.ingest(store, {"--follow"})
                                   : serve_args(ws, store, mode == "serve-no-watcher");
            const auto t1 = Clock::now();
            Process p(args, ws.logs(), name + "-" + mode);
            const auto st = p.wait_for(15s);
            BOOST_TEST_CONTEXT(name << " store, " << mode) {
                BOOST_REQUIRE_MESSAGE(st.has_value(), "still running after 15 s: " << p.err());
                BOOST_TEST(st->exited, "killed by signal " << st->signal << ": " << p.err());
                BOOST_TEST(st->code == 2, "exit " << st->code << ": " << p.err());
                BOOST_TEST(contains(p.err(), store.string()), p.err());
                if (name == "newer") BOOST_TEST(contains(p.err(), "newer than this agentpulse"), p.err());
                else BOOST_TEST((contains(p.err(), "not a database") || contains(p.err(), "malformed") ||
                                 contains(p.err(), "corrupt")),
                                p.err());
                BOOST_TEST(file_hash(store) == fnv1a64(bytes), "the store file was modified");
                BOOST_TEST(!contains(p.out(), "listening on"), p.out());
            }
            BOOST_TEST_MESSAGE(name << " store, " << mode << ": exit " << (st ? st->code : -1) << " after "
                                    << ms_since(t1) << " ms");
        }
    }
    BOOST_TEST_MESSAGE("corrupt stores: " << ms_since(t0) << " ms");
}

// Timestamps out of order, far in the future, without a zone, with an offset, and a tool result timed
// before its call: rows are counted once (a second run adds nothing), no latency is negative (a result
// before its call gets NULL), a time without a zone is UTC, and a far-future row stays out of the rolling
// burn window, today's cost and the sessions in flight.
BOOST_AUTO_TEST_CASE(clock_oddities) {
    const auto t0 = Clock::now();
    Workspace ws;
    fs::create_directories(ws.codex());
    const EpochMs now = now_epoch_ms();
    auto assistant_at = [](const std::string& id, const std::string& session, const std::string& ts,
                           std::vector<ToolUse> tools = {}) {
        Assistant a;
        a.uuid = id;
        a.msg_id = "msg-" + id;
        a.request_id = "req-" + id;
        a.session = session;
        a.ts = ts;
        a.usage = Usage{1000, 1000, 0, 0};
        a.tools = std::move(tools);
        return claude_assistant(a);
    };
    const std::string recent = format_iso8601(now - 60'000);  // inside the 5-minute window
    write_file(ws.claude() / "-p" / "s.jsonl",
               lines({
                   claude_user("u-1", "s", "2026-03-01T10:00:05.000Z", "out of order: later first"),
                   claude_user("u-2", "s", "2026-03-01T10:00:01.000Z", "earlier second"),
                   assistant_at("a-3", "s", "2026-03-01T10:00:02.000", {{"toolu_nz", "Read", {}}}),  // no zone
                   claude_result("u-4", "s", "2026-03-01T12:00:04.500+02:00", "toolu_nz", "r"),       // offset
                   // A result written before its call.
                   claude_result("u-5", "s", "2026-03-01T10:00:10.000Z", "toolu_early", "r"),
                   assistant_at("a-6", "s", "2026-03-01T10:00:12.000Z", {{"toolu_early", "Bash", {}}}),
                   // A call whose result is timed earlier than it, in the same file order.
                   assistant_at("a-7", "s", "2026-03-01T10:00:20.000Z", {{"toolu_back", "Bash", {}}}),
                   claude_result("u-8", "s", "2026-03-01T10:00:19.000Z", "toolu_back", "r"),
               }));
    write_file(ws.claude() / "-future" / "f.jsonl",
               lines({assistant_at("a-9", "fut", "2099-01-01T00:00:00.000Z", {{"toolu_fut", "Read", {}}}),
                      claude_result("u-10", "fut", "2099-01-01T00:00:03.000Z", "toolu_fut", "r")}));
    write_file(ws.claude() / "-now" / "n.jsonl", lines({assistant_at("a-11", "now", recent)}));
    const fs::path store = ws.dir / "s.db";
    BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "clock").code == 0);
    const StoreDump first = dump_store(store);
    BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "clock-again").code == 0);
    BOOST_TEST(compare_dumps(first, dump_store(store)).empty());
    {
        Database db(store, Database::Mode::ReadOnly);
        BOOST_TEST(query_int(db, kMessages) == 11);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM usage_events") == 5);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart") == 4);
        BOOST_TEST(query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms < 0") == 0);
        BOOST_TEST(query_text(db, "SELECT ts FROM messages WHERE line_key = 'a-3'") == "2026-03-01T10:00:02.000Z");
        BOOST_TEST(query_int(db, "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_nz'") == 2500);
        BOOST_TEST(query_text(db, "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_early'") ==
                   "NULL");
        BOOST_TEST(query_text(db, "SELECT result_ts FROM message_tool_mart WHERE tool_use_id = 'toolu_early'") ==
                   "2026-03-01T10:00:10.000Z");
        BOOST_TEST(query_text(db, "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_back'") ==
                   "NULL");
        BOOST_TEST(query_int(db, "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_fut'") == 3000);
        BOOST_TEST(query_text(db, "SELECT started_at FROM sessions WHERE session_id = 's'") ==
                   "2026-03-01T10:00:01.000Z");
    }
    double recent_cost = 0;
    {
        Database db(store, Database::Mode::ReadOnly);
        recent_cost = query_double(db, "SELECT cost_usd FROM usage_events WHERE dedup_key LIKE '%a-11%'");
        BOOST_REQUIRE(recent_cost > 0);
        BOOST_REQUIRE(query_double(db, "SELECT cost_usd FROM usage_events WHERE day = '2099-01-01'") > 0);
    }

    // The live figures: the far-future row is in none of them.
    Process server(serve_args(ws, store, true), ws.logs(), "clock-serve");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, server.err());
    const HttpResult r = http_request(port, "/api/live/stats?tz=UTC");
    BOOST_REQUIRE_MESSAGE(r.status == 200, r.status_line << r.body);
    const boost::json::value stats = boost::json::parse(r.body);
    const auto& window = stats.at("window").as_object();
    BOOST_TEST(window.at("events").to_number<std::int64_t>() == 1, boost::json::serialize(window));
    BOOST_TEST(window.at("cost_usd").to_number<double>() == recent_cost, boost::test_tools::tolerance(1e-9));
    const auto& burn = stats.at("burn").as_object();
    BOOST_TEST(burn.at("today_usd").to_number<double>() <= recent_cost + 1e-9, boost::json::serialize(burn));
    BOOST_TEST(burn.at("usd_per_min").to_number<double>() == recent_cost / 5, boost::test_tools::tolerance(1e-9));
    for (const auto& s : stats.at("sessions_in_flight").as_array())
        BOOST_TEST(!contains(boost::json::serialize(s), "2099"), boost::json::serialize(s));
    for (const auto& t : stats.at("tool_latency").as_array())
        BOOST_TEST(!contains(boost::json::serialize(t), "\"Read\""), boost::json::serialize(t));
    server.signal(SIGTERM);
    BOOST_TEST(server.finish(10s).code == 0);
    BOOST_TEST_MESSAGE("clock oddities: " << ms_since(t0) << " ms");
}

BOOST_AUTO_TEST_SUITE_END()
