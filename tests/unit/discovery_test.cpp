// ingest/TranscriptDiscovery and InotifyWatcher on real folders: which files are transcripts, what their
// paths say (project, session, sub-agent parent), stable order, and inotify events for new files/folders.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "TempDir.hpp"
#include "ingest/InotifyWatcher.hpp"
#include "ingest/TranscriptDiscovery.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(discovery)

BOOST_AUTO_TEST_CASE(classifies_claude_and_codex_paths) {
    TempDir dir;
    const AgentRoots roots{{find_agent("claude"), dir / "claude"}, {find_agent("codex"), dir / "codex"}};
    auto c = classify_transcript(roots, dir / "claude/-home-ana-shop/abc.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "claude");
    BOOST_TEST(c->kind == "session");
    BOOST_TEST(c->project_slug == "-home-ana-shop");
    BOOST_TEST(c->parent_session.empty());
    c = classify_transcript(roots, dir / "claude/-home-ana-shop/abc/subagents/agent-1.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->kind == "subagent");
    BOOST_TEST(c->parent_session == "abc");
    BOOST_TEST(c->project_slug == "-home-ana-shop");
    c = classify_transcript(roots, dir / "claude/-home-ana-shop/abc/subagents/workflows/w/agent-2.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->parent_session == "abc");
    c = classify_transcript(roots, dir / "codex/2026/11/25/rollout-x.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "codex");
    BOOST_TEST(c->kind == "rollout");
    // Not transcripts.
    BOOST_TEST(!classify_transcript(roots, dir / "claude/stray.jsonl"));  // no project folder
    BOOST_TEST(!classify_transcript(roots, dir / "claude/-p/notes.txt"));
    BOOST_TEST(!classify_transcript(roots, dir / "elsewhere/-p/a.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "claude/../codex-not/x.jsonl"));
    BOOST_TEST(!classify_transcript(AgentRoots{{find_agent("codex"), dir / "codex"}}, dir / "claude/-p/a.jsonl"));
}

BOOST_AUTO_TEST_CASE(classifies_opencode_databases_and_their_wal_files) {
    TempDir dir;
    const AgentRoots roots{{find_agent("opencode"), dir / "opencode"}};
    auto c = classify_transcript(roots, dir / "opencode/opencode.db");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "opencode");
    BOOST_TEST(c->kind == "database");
    BOOST_TEST(c->path == (dir / "opencode/opencode.db").string());
    // Writes land in the -wal (and -shm): an event there is a change of the database.
    c = classify_transcript(roots, dir / "opencode/opencode.db-wal");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->path == (dir / "opencode/opencode.db").string());
    c = classify_transcript(roots, dir / "opencode/opencode-beta.db-shm");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->path == (dir / "opencode/opencode-beta.db").string());
    BOOST_TEST(classify_transcript(roots, dir / "opencode/opencode-local_1.2.db").has_value());
    // Not read: other files, nested databases, odd channel names.
    BOOST_TEST(!classify_transcript(roots, dir / "opencode/log/opencode.db"));
    BOOST_TEST(!classify_transcript(roots, dir / "opencode/opencode-.db"));
    BOOST_TEST(!classify_transcript(roots, dir / "opencode/opencode-a b.db"));
    BOOST_TEST(!classify_transcript(roots, dir / "opencode/auth.json"));
    // $OPENCODE_DB: relative to the data folder, or an absolute path (its name, in the folder we watch).
    ::setenv("OPENCODE_DB", "custom/mine.db", 1);
    BOOST_TEST(classify_transcript(roots, dir / "opencode/custom/mine.db").has_value());
    BOOST_TEST(classify_transcript(roots, dir / "opencode/custom/mine.db-wal")->path == (dir / "opencode/custom/mine.db").string());
    ::setenv("OPENCODE_DB", "/elsewhere/other.db", 1);
    BOOST_TEST(classify_transcript(roots, dir / "opencode/other.db").has_value());
    ::unsetenv("OPENCODE_DB");
    BOOST_TEST(!classify_transcript(roots, dir / "opencode/other.db"));
    // Discovery lists a database once, with or without its -wal and -shm beside it.
    fs::create_directories(dir / "opencode");
    for (const char* n : {"opencode.db", "opencode.db-wal", "opencode.db-shm"}) std::ofstream(dir / "opencode" / n) << "x";
    const auto found = discover_transcripts(roots);
    BOOST_REQUIRE(found.size() == 1u);
    BOOST_TEST(found[0].path == (dir / "opencode/opencode.db").string());
    // The data folder: $XDG_DATA_HOME/opencode, else ~/.local/share/opencode.
    ::setenv("XDG_DATA_HOME", "/xdg/data", 1);
    BOOST_TEST(find_agent("opencode")->default_root() == fs::path("/xdg/data/opencode"));
    ::unsetenv("XDG_DATA_HOME");
    BOOST_TEST(find_agent("opencode")->default_root() == fs::path(std::getenv("HOME") ? std::getenv("HOME") : "/") / ".local/share/opencode");
}

BOOST_AUTO_TEST_CASE(classifies_the_opencode_json_tree_and_walks_only_its_folders) {
    TempDir dir;
    const AgentRoots roots{{find_agent("opencode"), dir / "opencode"}};
    const auto kind = [&](const std::string& rel) {
        const auto c = classify_transcript(roots, dir / "opencode" / rel);
        return c ? c->kind : std::string("-");
    };
    BOOST_TEST(kind("storage/session/prj_1/ses_1.json") == "legacy-session");
    BOOST_TEST(kind("storage/session/global/ses_1.json") == "legacy-session");
    BOOST_TEST(kind("storage/message/ses_1/msg_1.json") == "legacy-message");
    BOOST_TEST(kind("storage/part/msg_1/prt_1.json") == "legacy-part");
    // Read as whole documents; the database as a database.
    const AgentSource& oc = *find_agent("opencode");
    BOOST_TEST((oc.read_mode(*classify_transcript(roots, dir / "opencode/storage/part/msg_1/prt_1.json")) ==
                ReadMode::WholeDocument));
    BOOST_TEST((oc.read_mode(*classify_transcript(roots, dir / "opencode/opencode.db")) == ReadMode::SqliteDatabase));
    ::setenv("OPENCODE_DB", "odd.json", 1);  // a database, whatever its name
    BOOST_TEST((oc.read_mode(*classify_transcript(roots, dir / "opencode/odd.json")) == ReadMode::SqliteDatabase));
    ::unsetenv("OPENCODE_DB");
    // Not read: the tree's other folders, other depths, other names.
    for (const char* rel : {"storage/project/prj_1.json", "storage/todo/ses_1.json", "storage/session_share/ses_1.json",
                            "storage/part/prt_1.json", "storage/part/msg_1/x/prt_1.json", "storage/part/msg_1/prt_1.txt",
                            "storage/part/msg_1/.prt_1.json", "storage/part/msg_1/prt_1.json.tmp", "storage/session/ses_1.json"})
        BOOST_TEST(kind(rel) == "-", rel);
    // Walked and watched: the top, storage/ and its session, message and part folders; not snapshot/ (git
    // object stores), log/, bin/ or the tree's other folders.
    for (const char* d : {"storage/session/prj_1", "storage/message/ses_1", "storage/part/msg_1", "storage/project",
                          "storage/todo", "snapshot/abc/objects", "log", "bin"})
        fs::create_directories(dir / "opencode" / d);
    std::vector<std::string> watched;
    for (const fs::path& p : watch_directories(roots, dir / "opencode"))
        watched.push_back(p.lexically_relative(dir / "opencode").string());
    std::sort(watched.begin(), watched.end());
    BOOST_TEST(watched == (std::vector<std::string>{".", "storage", "storage/message", "storage/message/ses_1",
                                                    "storage/part", "storage/part/msg_1", "storage/session",
                                                    "storage/session/prj_1"}),
               boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(classifies_qwen_chats_new_and_old_layouts) {
    TempDir dir;
    const AgentRoots roots{{find_agent("qwen"), dir / "qwen"}};
    auto c = classify_transcript(roots, dir / "qwen/projects/-home-ana-shop/chats/4f1c.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "qwen");
    BOOST_TEST(c->kind == "session");
    BOOST_TEST(c->project_slug == "-home-ana-shop");
    c = classify_transcript(roots, dir / "qwen/tmp/9a7e0c/chats/4f1c.jsonl");  // older builds
    BOOST_REQUIRE(c);
    BOOST_TEST(c->project_slug == "9a7e0c");
    // Not transcripts: runtime files beside the chats, other folders, other depths.
    BOOST_TEST(!classify_transcript(roots, dir / "qwen/projects/-p/chats/4f1c.runtime.json"));
    BOOST_TEST(!classify_transcript(roots, dir / "qwen/projects/-p/4f1c.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "qwen/projects/-p/chats/sub/x.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "qwen/logs/-p/chats/x.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "qwen/history.jsonl"));
}

BOOST_AUTO_TEST_CASE(classifies_copilot_sessions_and_watches_only_session_state) {
    TempDir dir;
    const AgentRoots roots{{find_agent("copilot"), dir / "copilot"}};
    auto c = classify_transcript(roots, dir / "copilot/session-state/07c4-aa/events.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "copilot");
    BOOST_TEST(c->kind == "session");
    c = classify_transcript(roots, dir / "copilot/session-state/5e1f-bb.jsonl");  // older flat layout
    BOOST_REQUIRE(c);
    BOOST_TEST(c->kind == "session");
    // Not transcripts: workspace files, the store, logs, other depths.
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/session-state/07c4-aa/workspace.yaml"));
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/session-state/07c4-aa/files/events.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/session-state/07c4-aa/other.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/session-store.db"));
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/logs/session.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / "copilot/events.jsonl"));

    for (const char* p : {"copilot/session-state/s1/events.jsonl", "copilot/session-state/s0.jsonl",
                          "copilot/session-state/s1/checkpoints/index.md", "copilot/logs/process-1.log",
                          "copilot/pkg/universal/1.0.10/node_modules/x/package.json", "copilot/config.json"})
        write_file(dir / p, "{}\n");
    std::vector<std::string> got;
    for (const auto& f : discover_transcripts(roots)) got.push_back(fs::path(f.path).lexically_relative(dir.path()).string());
    const std::vector<std::string> want = {"copilot/session-state/s0.jsonl", "copilot/session-state/s1/events.jsonl"};
    BOOST_TEST(got == want, boost::test_tools::per_element());
    // Watched: the root (to see session-state appear), session-state and each session's folder; never
    // logs/, the installed packages or a session's workspace folders.
    std::vector<std::string> dirs;
    for (const auto& d : watch_directories(roots, dir / "copilot"))
        dirs.push_back(d.lexically_relative(dir.path()).string());
    std::sort(dirs.begin(), dirs.end());
    const std::vector<std::string> want_dirs = {"copilot", "copilot/session-state", "copilot/session-state/s1"};
    BOOST_TEST(dirs == want_dirs, boost::test_tools::per_element());
    // A folder appearing below the root: watched only if it can hold sessions.
    BOOST_TEST(watch_directories(roots, dir / "copilot/logs").empty());
    BOOST_TEST(watch_directories(roots, dir / "copilot/session-state/s1").size() == 1u);
    BOOST_TEST(discover_transcripts(roots, dir / "copilot/pkg").empty());
}

BOOST_AUTO_TEST_CASE(classifies_gemini_chats_both_generations_and_subagents) {
    TempDir dir;
    const AgentRoots roots{{find_agent("gemini"), dir / ".gemini"}};
    auto c = classify_transcript(roots, dir / ".gemini/tmp/shop/chats/session-2026-05-22T14-59-d98cf9e7.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->provider == "gemini");
    BOOST_TEST(c->kind == "session");
    BOOST_TEST(c->project_slug == "shop");
    BOOST_TEST((find_agent("gemini")->read_mode(*c) == ReadMode::AppendOnlyLines));
    c = classify_transcript(roots, dir / ".gemini/tmp/9f86d0818/chats/session-2025-10-01T09-12-ab12cd34.json");
    BOOST_REQUIRE(c);  // before v0.39: one document per session
    BOOST_TEST(c->kind == "session");
    BOOST_TEST(c->project_slug == "9f86d0818");
    BOOST_TEST((find_agent("gemini")->read_mode(*c) == ReadMode::WholeDocument));
    c = classify_transcript(roots, dir / ".gemini/tmp/shop/chats/d98cf9e7-aaaa/1b2c3d4e-bbbb.jsonl");
    BOOST_REQUIRE(c);
    BOOST_TEST(c->kind == "subagent");
    BOOST_TEST(c->parent_session == "d98cf9e7-aaaa");
    BOOST_TEST(c->project_slug == "shop");
    BOOST_TEST(!find_agent("gemini")->traits().exact_tool_latency);
    BOOST_TEST(find_agent("claude")->traits().exact_tool_latency);
    // Not transcripts: files set aside by the CLI, other files of its folder, other depths.
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/chats/session-a.jsonl.unreadable-1764000000000"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/chats/session-a.jsonl.tmp-4242"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/logs.json"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/chats/notes.json"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/chats/p/legacy.json"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/chats/p/q/x.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/tmp/shop/checkpoints/session-a.json"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/history/shop/chats/session-a.jsonl"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/projects.json"));
    BOOST_TEST(!classify_transcript(roots, dir / ".gemini/settings.json"));
}

BOOST_AUTO_TEST_CASE(gemini_walks_and_watches_only_the_chat_folders) {
    TempDir dir;
    const AgentRoots roots{{find_agent("gemini"), dir / ".gemini"}};
    for (const char* p : {".gemini/tmp/shop/chats/session-2026-05-22T14-59-d98cf9e7.jsonl",
                          ".gemini/tmp/shop/chats/d98cf9e7-aaaa/1b2c3d4e-bbbb.jsonl",
                          ".gemini/tmp/shop/checkpoints/session-a.json", ".gemini/tmp/shop/logs.json",
                          ".gemini/history/shop/chats/session-b.jsonl", ".gemini/extensions/x/chats/session-c.jsonl"})
        write_file(dir / p, "{}\n");
    std::vector<std::string> got;
    for (const auto& f : discover_transcripts(roots)) got.push_back(fs::path(f.path).lexically_relative(dir.path()).string());
    const std::vector<std::string> want = {".gemini/tmp/shop/chats/d98cf9e7-aaaa/1b2c3d4e-bbbb.jsonl",
                                           ".gemini/tmp/shop/chats/session-2026-05-22T14-59-d98cf9e7.jsonl"};
    BOOST_TEST(got == want, boost::test_tools::per_element());
    std::vector<std::string> dirs;
    for (const auto& d : watch_directories(roots, dir / ".gemini")) dirs.push_back(d.lexically_relative(dir.path()).string());
    std::sort(dirs.begin(), dirs.end());
    const std::vector<std::string> want_dirs = {".gemini", ".gemini/tmp", ".gemini/tmp/shop", ".gemini/tmp/shop/chats",
                                                ".gemini/tmp/shop/chats/d98cf9e7-aaaa"};
    BOOST_TEST(dirs == want_dirs, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(gemini_folder_follows_gemini_cli_home) {
    const char* saved = std::getenv("GEMINI_CLI_HOME");
    const std::string keep = saved ? saved : "";
    ::setenv("GEMINI_CLI_HOME", "/srv/ana", 1);
    BOOST_TEST(find_agent("gemini")->default_root() == fs::path("/srv/ana/.gemini"));
    ::unsetenv("GEMINI_CLI_HOME");
    BOOST_TEST(find_agent("gemini")->default_root().filename() == ".gemini");
    if (saved) ::setenv("GEMINI_CLI_HOME", keep.c_str(), 1);
}

BOOST_AUTO_TEST_CASE(discovers_in_a_stable_order_and_skips_what_is_not_there) {
    TempDir dir;
    const AgentRoots roots{{find_agent("claude"), dir / "claude"}, {find_agent("codex"), dir / "codex"}};
    BOOST_TEST(discover_transcripts(roots).empty());  // neither root exists yet
    for (const char* p : {"claude/-b/s2.jsonl", "claude/-a/s1.jsonl", "claude/-a/s1/subagents/agent-z.jsonl",
                          "claude/-a/readme.md", "claude/top.jsonl", "codex/2026/11/25/rollout-1.jsonl",
                          "codex/2026/11/24/rollout-0.jsonl"})
        write_file(dir / p, "{}\n");
    fs::create_directories(dir / "claude/-a/dir.jsonl");  // a folder, not a file
    const auto files = discover_transcripts(roots);
    std::vector<std::string> got;
    for (const auto& f : files) got.push_back(fs::path(f.path).lexically_relative(dir.path()).string());
    const std::vector<std::string> want = {"claude/-a/s1.jsonl", "claude/-a/s1/subagents/agent-z.jsonl",
                                           "claude/-b/s2.jsonl", "codex/2026/11/24/rollout-0.jsonl",
                                           "codex/2026/11/25/rollout-1.jsonl"};
    BOOST_TEST(got == want, boost::test_tools::per_element());
    // Only below one folder.
    BOOST_TEST(discover_transcripts(roots, dir / "claude/-b").size() == 1u);
    // Watches: every folder of the tree, the root included.
    const auto dirs = watch_directories(roots, dir / "codex");
    BOOST_TEST(dirs.size() == 5u);  // codex, 2026, 11, 24, 25
    BOOST_TEST(watch_directories(roots, dir / "missing").empty());
}

BOOST_AUTO_TEST_CASE(inotify_reports_new_files_folders_and_appends) {
    TempDir dir;
    InotifyWatcher w;
    BOOST_REQUIRE(w.add_directory(dir.path()));
    BOOST_TEST(w.add_directory(dir.path()));  // idempotent
    BOOST_TEST(w.watched() == 1u);
    bool overflow = false;
    BOOST_TEST(w.wait(std::chrono::milliseconds(0), overflow).empty());

    write_file(dir / "a.jsonl", "x\n");
    fs::create_directories(dir / "proj");
    auto collect = [&](auto pred) {
        std::vector<InotifyWatcher::Event> all;
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (std::chrono::steady_clock::now() < until && !pred(all))
            for (auto& e : w.wait(std::chrono::milliseconds(100), overflow)) all.push_back(std::move(e));
        return all;
    };
    auto has = [](const std::vector<InotifyWatcher::Event>& es, const fs::path& p, bool dir, bool appeared) {
        for (const auto& e : es)
            if (e.path == p && e.is_dir == dir && e.appeared == appeared) return true;
        return false;
    };
    auto events = collect([&](const auto& es) {
        return has(es, dir / "a.jsonl", false, true) && has(es, dir / "proj", true, true);
    });
    BOOST_TEST(has(events, dir / "a.jsonl", false, true));
    BOOST_TEST(has(events, dir / "proj", true, true));
    BOOST_TEST(!overflow);

    write_file(dir / "a.jsonl", "y\n", true);
    events = collect([&](const auto& es) { return has(es, dir / "a.jsonl", false, false); });
    BOOST_TEST(has(events, dir / "a.jsonl", false, false));  // modified

    fs::remove(dir / "a.jsonl");
    events = collect([&](const auto& es) {
        for (const auto& e : es)
            if (e.path == dir / "a.jsonl" && e.gone) return true;
        return false;
    });
    BOOST_TEST(!events.empty());

    // wake() ends a wait early from another thread (here: before it starts).
    w.wake();
    const auto t0 = std::chrono::steady_clock::now();
    w.wait(std::chrono::seconds(5), overflow);
    BOOST_TEST((std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2)));
}

BOOST_AUTO_TEST_SUITE_END()
