// ingest/WholeDocumentReader on real files (Gemini CLI's legacy session documents): rewritten in place,
// caught half-written and then completed, replaced by a new inode, duplicate message ids, the mtime tick,
// and crash exactness: a crash before any commit, then a restart, stores exactly what a clean run stores.
#include <fcntl.h>
#include <sys/stat.h>
#include <boost/test/unit_test.hpp>

#include <filesystem>

#include "GeminiRecords.hpp"
#include "WriterFixture.hpp"
#include "ingest/TranscriptTailer.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
using namespace agentpulse::test::gemini;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;

namespace {

struct DocFixture : WriterFixture {
    DocFixture() {
        path = dir / ".gemini/tmp/shop/chats/session-2026-11-25T12-00-s1.json";
        write_file(dir / ".gemini/tmp/shop/.project_root", "/home/ana/src/shop\n");
        FileRecord f;
        f.path = path.string();
        f.provider = "gemini";
        f.kind = "session";
        f.project_slug = "shop";
        file = writer().ensure_file(f);
    }
    TailStatus ingest(BatchSink* sink = nullptr) {
        TranscriptTailer tailer(writer(), stats);
        tailer.set_sink(sink);
        return tailer.ingest(file);
    }
    // As after kill -9: a new connection and writer, the file's state as committed.
    void crash_and_restart() {
        restart();
        file = *writer().find_file(path.string());
    }
    std::int64_t count(const std::string& sql) { return query_int(db(), sql); }
    // The rows by natural key (no paths, row ids or ingest times).
    std::vector<std::string> rows() {
        std::vector<std::string> out;
        for (const char* sql :
             {"SELECT line_key, ts, kind, model, is_sidechain, line_no FROM messages ORDER BY 1",
              "SELECT dedup_key, ts, model, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, "
              "cost_usd, cost_source FROM usage_events ORDER BY 1",
              "SELECT t.tool_use_id, m.line_key, t.ts, t.tool_name, t.file_path, t.call_index, t.result_ts, "
              "t.latency_ms, t.is_error, t.result_bytes FROM message_tool_mart t LEFT JOIN messages m ON "
              "m.id = t.message_id ORDER BY 1",
              "SELECT session_id, started_at, last_at, cwd, model FROM sessions ORDER BY 1",
              "SELECT slug, display_name, cwd FROM projects ORDER BY 1"})
            for (const std::string& r : flat(query(db(), sql))) out.push_back(r);
        return out;
    }

    fs::path path;
    FileRecord file;
    IngestStats stats;
};

// Parses, then drops the batch: the process died before its commit.
struct Crash : BatchSink {
    bool accept(IngestBatch&&, std::int64_t) override { return true; }
};

const Tokens kTokens{.input = 1000, .output = 50, .cached = 400, .thoughts = 30};

// The versions a session document goes through, as Gemini CLI rewrote it.
std::vector<std::string> versions() {
    const json::array c1{call("c-1", "read_file", {{"file_path", "/src/a.ts"}}, "success", 2500)};
    return {
        document("s-1", json::array{user("u-1", 1000)}),
        document("s-1", json::array{user("u-1", 1000), reply("g-1", 2000)}),
        document("s-1", json::array{user("u-1", 1000), reply("g-1", 2000, &kTokens)}),
        document("s-1", json::array{user("u-1", 1000), reply("g-1", 2000, &kTokens, c1), user("u-2", 3000),
                                    reply("g-2", 4000, &kTokens), reply("g-2", 4000, &kTokens)}),
        // Compressed: history replaced by a summary prompt; the billed replies stay billed.
        document("s-1", json::array{user("u-9", 5000), reply("g-3", 6000, &kTokens)}),
    };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(whole_document_reader)

BOOST_AUTO_TEST_CASE(a_document_rewritten_in_place_yields_only_what_is_new_or_changed) {
    DocFixture fx;
    const auto v = versions();
    write_file(fx.path, v[1]);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 0);
    BOOST_TEST(query_text(fx.db(), "SELECT cwd FROM sessions") == "/home/ana/src/shop");
    BOOST_TEST(fx.ingest() == TailStatus::UpToDate);
    struct stat st1 {}, st2{};
    ::stat(fx.path.c_str(), &st1);
    write_file(fx.path, v[2]);  // the tokens arrive: same inode, rewritten whole
    ::stat(fx.path.c_str(), &st2);
    BOOST_REQUIRE(st1.st_ino == st2.st_ino);
    const std::int64_t messages_before = fx.stats.messages;
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.stats.messages == messages_before);  // no message row again
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(fx.count("SELECT input_tokens FROM usage_events") == 600);
    write_file(fx.path, v[3]);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 2);  // g-2 twice in the document: once
    BOOST_TEST(fx.count("SELECT count(*) FROM message_tool_mart WHERE latency_ms IS NULL AND result_ts IS NOT NULL") ==
               1);
    BOOST_TEST(fx.file.offset == static_cast<std::int64_t>(v[3].size()));
    // The same text written again (only the mtime moves): nothing new.
    const std::int64_t committed = fx.stats.messages + fx.stats.usage_events + fx.stats.usage_updates;
    write_file(fx.path, v[3]);
    fx.ingest();
    BOOST_TEST(fx.stats.messages + fx.stats.usage_events + fx.stats.usage_updates == committed);
}

BOOST_AUTO_TEST_CASE(a_rewrite_of_the_same_size_within_the_mtime_tick_is_not_missed) {
    DocFixture fx;
    std::string a = document("s-1", json::array{user("u-1", 1000)});
    std::string b = a;
    b.replace(b.find("u-1"), 3, "u-2");
    write_file(fx.path, a);
    struct stat st {};
    ::stat(fx.path.c_str(), &st);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.file.head_hash.starts_with("racy:"));  // read in the second it was written
    // Rewritten with the same size and (as within one kernel tick) the same mtime: only the text tells.
    write_file(fx.path, b);
    const struct timespec times[2] = {st.st_atim, st.st_mtim};
    BOOST_REQUIRE(::utimensat(AT_FDCWD, fx.path.c_str(), times, 0) == 0);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 2);
}

BOOST_AUTO_TEST_CASE(a_document_caught_half_written_is_read_again_once_complete) {
    DocFixture fx;
    const auto v = versions();
    write_file(fx.path, v[1]);
    fx.ingest();
    const FileRecord committed = *fx.writer().find_file(fx.path.string());
    // writeFileSync truncates, then writes: a reader can see any prefix.
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, v[3].size() / 2, v[3].size() - 3}) {
        write_file(fx.path, v[3].substr(0, cut));
        BOOST_TEST(fx.ingest() == TailStatus::Unreadable);
        BOOST_TEST(fx.writer().find_file(fx.path.string())->parser_state == committed.parser_state);
        BOOST_TEST(fx.writer().find_file(fx.path.string())->head_hash == committed.head_hash);
    }
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 0);
    BOOST_TEST(fx.count("SELECT count(*) FROM ingest_errors") == 0);  // a normal moment, not an error
    write_file(fx.path, v[3]);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 4);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 2);
}

BOOST_AUTO_TEST_CASE(a_document_replaced_by_a_new_inode_is_read_without_counting_twice) {
    DocFixture fx;
    const auto v = versions();
    write_file(fx.path, v[3]);
    fx.ingest();
    const std::int64_t inode = fx.file.inode;
    const fs::path tmp = fx.path.string() + ".tmp-4242";
    write_file(tmp, v[3] + "\n");
    fs::rename(tmp, fx.path);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.file.inode != inode);
    BOOST_TEST(fx.stats.rewrites_detected == 1);
    BOOST_TEST(fx.file.rewrites == 1);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 4);
    write_file(tmp, v[4]);
    fs::rename(tmp, fx.path);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 3);  // compressed away: still billed
}

BOOST_AUTO_TEST_CASE(not_a_conversation_and_too_long_are_logged_once_per_change) {
    DocFixture fx;
    write_file(fx.path, "{\"sessionId\": \"s-1\"}\n");
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("SELECT count(*) FROM ingest_errors WHERE kind = 'missing_field'") == 1);
    BOOST_TEST(fx.ingest() == TailStatus::UpToDate);
    DocFixture small;
    write_file(small.path, versions()[3]);
    TranscriptTailer tailer(small.writer(), small.stats, TailerOptions{.max_line_bytes = 100});
    BOOST_TEST(tailer.ingest(small.file) == TailStatus::Progressed);
    BOOST_TEST(small.count("SELECT count(*) FROM messages") == 0);
    BOOST_TEST(small.count("SELECT count(*) FROM ingest_errors") == 1);
    fs::remove(small.path);
    BOOST_TEST(small.ingest() == TailStatus::Missing);
}

BOOST_AUTO_TEST_CASE(a_crash_before_any_commit_then_a_restart_stores_what_a_clean_run_stores) {
    const auto v = versions();
    DocFixture clean;
    for (const std::string& text : v) {
        write_file(clean.path, text);
        BOOST_REQUIRE(clean.ingest() == TailStatus::Progressed);
    }
    const std::vector<std::string> expected = clean.rows();
    BOOST_TEST(clean.count("SELECT count(*) FROM usage_events") == 3);
    // A crash (the batch parsed, never committed) at one version, or at every one; each followed by a restart
    // that reads the file as it then is. A restart after a commit is the second half of each case.
    for (std::size_t crash_at = 0; crash_at <= v.size(); ++crash_at) {
        DocFixture fx;
        for (std::size_t i = 0; i < v.size(); ++i) {
            write_file(fx.path, v[i]);
            if (crash_at == i || crash_at == v.size()) {
                Crash dies;
                fx.ingest(&dies);
                fx.crash_and_restart();
            }
            BOOST_REQUIRE(fx.ingest() == TailStatus::Progressed);
            if (i % 2) fx.crash_and_restart();
        }
        BOOST_TEST(fx.rows() == expected, tt::per_element());
    }
}

BOOST_AUTO_TEST_SUITE_END()
