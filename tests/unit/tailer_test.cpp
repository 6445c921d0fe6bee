// ingest/TranscriptTailer on real files: partial last lines, truncation, rotation, in-place rewrites,
// CRLF, empty lines, line numbers in ingest_errors, a 50 MB line, over-long lines, invalid UTF-8, bad lines
// among good ones, unreadable and deleted files.
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <unistd.h>
#include <boost/test/unit_test.hpp>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <filesystem>
#include <sstream>

#include "Transcripts.hpp"
#include "WriterFixture.hpp"
#include "core/Utf8.hpp"
#include "ingest/TranscriptTailer.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;
namespace tt = boost::test_tools;

namespace {

struct TailFixture : WriterFixture {
    explicit TailFixture(TailerOptions o = {}) : opts(o) {
        file = claude_file("sess-1.jsonl");
        path = file.path;
    }
    TailStatus ingest(const std::function<void(std::int64_t)>& progress = {}) {
        TranscriptTailer tailer(writer(), stats, opts);
        return tailer.ingest(file, progress);
    }
    std::int64_t count(const std::string& table) { return query_int(db(), "SELECT count(*) FROM " + table); }
    std::int64_t stored_offset() {
        return query_int(db(), "SELECT offset FROM transcript_files WHERE id = " + std::to_string(file.id));
    }
    std::int64_t issues(LineIssue i) { return stats.issues[static_cast<std::size_t>(i)].load(); }

    TailerOptions opts;
    IngestStats stats;
    FileRecord file;
    fs::path path;
};

std::string user(int i, const std::string& text = "hello") {
    return claude_user("u-" + std::to_string(i), "sess-1", at(i * 1000), text);
}

std::string assistant(int i, std::int64_t output = 5) {
    Assistant a;
    a.uuid = "a-" + std::to_string(i);
    a.msg_id = "msg-" + std::to_string(i);
    a.ts = at(i * 1000);
    a.usage = Usage{10, output, 0, 0};
    return claude_assistant(a);
}

// Sends spdlog's default logger into a string for the scope.
class CaptureLog {
  public:
    CaptureLog() : previous_(spdlog::default_logger()) {
        spdlog::set_default_logger(std::make_shared<spdlog::logger>(
            "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(out_)));
    }
    ~CaptureLog() { spdlog::set_default_logger(previous_); }
    std::string text() const { return out_.str(); }

  private:
    std::ostringstream out_;
    std::shared_ptr<spdlog::logger> previous_;
};

std::int64_t size_of(const fs::path& p) {
    return static_cast<std::int64_t>(fs::file_size(p));
}

// Runs the scope with another filesystem uid on this thread (setfsuid), so that permission bits apply
// even when the tests run as root. `active` is false when the process may not switch.
class FsUid {
  public:
    explicit FsUid(uid_t uid) : previous_(static_cast<uid_t>(setfsuid(uid))) {
        active_ = static_cast<uid_t>(setfsuid(static_cast<uid_t>(-1))) == uid;
    }
    ~FsUid() { setfsuid(previous_); }
    bool active() const { return active_; }

  private:
    uid_t previous_;
    bool active_ = false;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(tailer)

BOOST_AUTO_TEST_CASE(reads_to_the_end_and_then_is_up_to_date) {
    TailFixture fx;
    write_file(fx.path, lines({user(1), assistant(2), user(3)}));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 3);
    BOOST_TEST(fx.file.offset == size_of(fx.path));
    BOOST_TEST(fx.stored_offset() == size_of(fx.path));
    BOOST_TEST(fx.file.line_no == 3);
    const std::int64_t batches = fx.stats.batches;
    BOOST_TEST(fx.ingest() == TailStatus::UpToDate);
    BOOST_TEST(fx.stats.batches == batches);  // nothing committed
    // A writer on another connection (a restart) resumes from the stored offset.
    fx.restart();
    fx.file = *fx.writer().find_file(fx.path.string());
    write_file(fx.path, user(4) + "\n", true);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 4);
    BOOST_TEST(fx.stats.lines_read == 4);  // the first three were not read again
}

BOOST_AUTO_TEST_CASE(partial_last_line_waits_for_its_newline) {
    TailFixture fx;
    const std::string second = assistant(2, 77);
    write_file(fx.path, user(1) + "\n" + second.substr(0, 100));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 1);
    BOOST_TEST(fx.file.offset == static_cast<std::int64_t>(user(1).size() + 1));
    BOOST_TEST(fx.count("ingest_errors") == 0);  // a partial line is not an error
    // Still partial: nothing to do, nothing lost.
    write_file(fx.path, second.substr(100, 50), true);
    fx.ingest();
    BOOST_TEST(fx.count("messages") == 1);
    BOOST_TEST(fx.stored_offset() == static_cast<std::int64_t>(user(1).size() + 1));
    // Completed: read whole, once.
    write_file(fx.path, second.substr(150) + "\n", true);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 2);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 77);
    BOOST_TEST(fx.file.offset == size_of(fx.path));
    BOOST_TEST(fx.file.line_no == 2);
    BOOST_TEST(fx.count("ingest_errors") == 0);
}

BOOST_AUTO_TEST_CASE(truncated_file_is_read_again_without_double_counting) {
    TailFixture fx;
    write_file(fx.path, lines({user(1), assistant(2), user(3), assistant(4)}));
    fx.ingest();
    BOOST_TEST(fx.count("usage_events") == 2);
    // Truncated and restarted with fewer bytes: one old line and one new one.
    write_file(fx.path, lines({user(1), user(5)}));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.stats.rewrites_detected == 1);
    BOOST_TEST(fx.file.rewrites == 1);
    BOOST_TEST(fx.count("messages") == 5);  // u-5 is new; u-1 was already stored
    BOOST_TEST(fx.count("usage_events") == 2);
    BOOST_TEST(fx.file.offset == size_of(fx.path));
    BOOST_TEST(fx.file.line_no == 2);
    BOOST_TEST(query_int(fx.db(), "SELECT rewrites FROM transcript_files") == 1);
}

BOOST_AUTO_TEST_CASE(replaced_file_with_a_new_inode_is_read_from_the_start) {
    TailFixture fx;
    write_file(fx.path, lines({user(1), assistant(2)}));
    fx.ingest();
    // Rotation: the old file moves away, a new one (longer, starting with the same lines) takes its path.
    fs::rename(fx.path, fx.path.string() + ".1");
    write_file(fx.path, lines({user(1), assistant(2), assistant(3), user(4)}));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.stats.rewrites_detected == 1);
    BOOST_TEST(fx.count("messages") == 4);
    BOOST_TEST(fx.count("usage_events") == 2);
    BOOST_TEST(fx.file.line_no == 4);
    struct stat st {};
    ::stat(fx.path.c_str(), &st);
    BOOST_TEST(fx.file.inode == static_cast<std::int64_t>(st.st_ino));
    // A new file that only holds what was already read (same bytes, new inode): noticed, nothing added.
    const std::string same = lines({user(1), assistant(2), assistant(3), user(4)});
    write_file(fx.path.string() + ".tmp", same);  // written beside it, then renamed over it
    fs::rename(fx.path.string() + ".tmp", fx.path);
    fx.ingest();
    BOOST_TEST(fx.stats.rewrites_detected == 2);
    BOOST_TEST(fx.count("messages") == 4);
}

BOOST_AUTO_TEST_CASE(rewrite_in_place_with_the_same_size_is_detected) {
    TailFixture fx;
    const std::string before = lines({user(1, "aaaa"), assistant(2, 11), user(3, "cccc")});
    write_file(fx.path, before);
    fx.ingest();
    // Same inode, same length, different lines (other uuids and counts).
    std::string after = before;
    for (const auto& [from, to] :
         std::vector<std::pair<std::string, std::string>>{{"u-1", "u-7"},
                                                          {"a-2", "a-8"},
                                                          {"msg-2", "msg-8"},
                                                          {"\"output_tokens\":11", "\"output_tokens\":99"},
                                                          {"u-3", "u-9"}})
        after.replace(after.find(from), from.size(), to);
    BOOST_REQUIRE(after.size() == before.size());
    struct stat st1 {
    }, st2{};
    ::stat(fx.path.c_str(), &st1);
    write_file(fx.path, after);
    ::stat(fx.path.c_str(), &st2);
    BOOST_REQUIRE(st1.st_ino == st2.st_ino);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.stats.rewrites_detected == 1);
    BOOST_TEST(fx.count("messages") == 6);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events WHERE dedup_key LIKE '%msg-8%'") ==
               99);
}

BOOST_AUTO_TEST_CASE(crlf_and_empty_lines) {
    TailFixture fx;
    write_file(fx.path, user(1) + "\r\n\r\n\n" + assistant(2) + "\r\n   \n" + "{oops\r\n" + user(3) + "\r\n");
    fx.ingest();
    BOOST_TEST(fx.count("messages") == 3);
    BOOST_TEST(fx.count("usage_events") == 1);
    BOOST_TEST(fx.file.line_no == 7);
    // Blank lines are not errors; a whitespace-only one is not JSON. Line numbers count every line.
    const auto errors = flat(query(fx.db(), "SELECT line_no, kind FROM ingest_errors ORDER BY id"));
    BOOST_TEST(errors == (std::vector<std::string>{"5|malformed_json", "6|malformed_json"}),
               tt::per_element());
    BOOST_TEST(query_int(fx.db(), "SELECT line_no FROM messages WHERE line_key = 'u-3'") == 7);
}

BOOST_AUTO_TEST_CASE(bad_lines_are_logged_with_their_numbers_and_good_ones_kept) {
    TailFixture fx;
    json::value wrong = json::parse(assistant(6));
    wrong.at("message").at("usage").as_object()["input_tokens"] = "ten";
    std::string absurd = assistant(8);
    absurd.replace(absurd.find("\"output_tokens\":5"), 17, "\"output_tokens\":999999999999");
    write_file(
        fx.path,
        lines({
            user(1),                                     // 1
            "{\"type\":\"assistant\",",                  // 2 malformed
            assistant(3),                                // 3
            R"({"type":"hologram","payload":[1,2,3]})",  // 4 unknown type: ignored
            R"({"type":"user","message":"x","sessionId":"s","timestamp":"2026-11-25T12:00:00Z"})",  // 5
            json::serialize(wrong),       // 6 wrongly typed count
            user(7),                      // 7
            absurd,                       // 8 absurd tokens
            "\x01\x02 binary junk \xff",  // 9 malformed
            assistant(10),                // 10
        }));
    {
        CaptureLog log;
        fx.ingest();
        // One log line per problem, naming the file and the line.
        for (const char* want :
             {":2: malformed_json", ":5: missing_field", ":8: absurd_tokens", ":9: malformed_json"})
            BOOST_TEST(log.text().find(fx.path.string() + want) != std::string::npos, want);
    }
    // Every good line is in, including the good parts of lines 6 and 8.
    BOOST_TEST(fx.count("messages") == 6);
    BOOST_TEST(flat(query(fx.db(), "SELECT line_no FROM messages ORDER BY line_no")) ==
                   (std::vector<std::string>{"1", "3", "6", "7", "8", "10"}),
               tt::per_element());
    BOOST_TEST(fx.count("usage_events") == 3);  // 3, 6 (what could be read) and 10; not 8
    const auto errors =
        flat(query(fx.db(), "SELECT line_no, kind, path FROM ingest_errors ORDER BY line_no"));
    const std::string p = "|" + fx.path.string();
    BOOST_TEST(errors == (std::vector<std::string>{"2|malformed_json" + p, "5|missing_field" + p,
                                                   "6|missing_field" + p, "8|absurd_tokens" + p,
                                                   "9|malformed_json" + p}),
               tt::per_element());
    BOOST_TEST(fx.issues(LineIssue::Malformed) == 2);
    BOOST_TEST(fx.issues(LineIssue::MissingField) == 2);
    BOOST_TEST(fx.issues(LineIssue::AbsurdTokens) == 1);
    BOOST_TEST(fx.stats.lines_ignored == 1);
    BOOST_TEST(fx.stats.lines_rejected == 3);
    BOOST_TEST(fx.stats.lines_read == 10);
    // Line numbers continue across calls.
    write_file(fx.path, lines({"garbage", user(12)}), true);
    fx.ingest();
    BOOST_TEST(query_int(fx.db(), "SELECT max(line_no) FROM ingest_errors") == 11);
    BOOST_TEST(query_int(fx.db(), "SELECT line_no FROM messages WHERE line_key = 'u-12'") == 12);
    // The counters are in the heartbeat JSON.
    BOOST_TEST(fx.stats.to_json().find("\"malformed_json\":3") != std::string::npos, fx.stats.to_json());
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_repaired) {
    TailFixture fx;
    std::string bad = user(1, "caf\xE9 \xF0\x9F\x98");  // Latin-1 byte and a truncated 4-byte sequence
    Assistant a;
    a.uuid = "a-3";
    a.msg_id = "msg-3";
    a.tools = {{"toolu_x", "Write", {{"file_path", "/p/PATH"}, {"content", "abc"}}}};
    std::string tool = claude_assistant(a);
    tool.replace(tool.find("PATH"), 4, "d\xFF\xFEr");
    write_file(fx.path, lines({bad, tool, user(4)}));
    fx.ingest();
    BOOST_TEST(fx.count("messages") == 3);
    const std::string stored = query_text(fx.db(), "SELECT file_path FROM message_tool_mart");
    BOOST_TEST(is_valid_utf8(stored));
    BOOST_TEST(stored == "/p/d\xEF\xBF\xBD\xEF\xBF\xBDr");
    BOOST_TEST(query_int(fx.db(),
                         "SELECT count(*) FROM ingest_errors WHERE kind = 'invalid_utf8' AND line_no = 2") ==
               1);
    BOOST_TEST(fx.issues(LineIssue::InvalidUtf8) == 1);  // line 1's bad bytes are in text we do not store
}

BOOST_AUTO_TEST_CASE(a_50_mb_line_is_parsed) {
    TailFixture fx;
    Assistant a;
    a.uuid = "a-big";
    a.msg_id = "msg-big";
    a.tools = {
        {"toolu_big", "Write", {{"file_path", "/p/big.txt"}, {"content", std::string(50u << 20, 'z')}}}};
    write_file(fx.path, lines({user(1), claude_assistant(a), user(3)}));
    BOOST_REQUIRE(size_of(fx.path) > (50 << 20));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 3);
    BOOST_TEST(query_int(fx.db(), "SELECT byte_count FROM message_tool_mart") == (50 << 20));
    BOOST_TEST(fx.count("ingest_errors") == 0);
    BOOST_TEST(fx.file.offset == size_of(fx.path));
}

BOOST_AUTO_TEST_CASE(a_line_over_the_maximum_is_skipped_and_counted) {
    TailerOptions o;
    o.max_line_bytes = 1u << 20;
    TailFixture fx(o);
    Assistant a;
    a.uuid = "a-huge";
    a.msg_id = "msg-huge";
    a.tools = {{"toolu_huge", "Write", {{"file_path", "/p/x"}, {"content", std::string(3u << 20, 'q')}}}};
    const std::string huge = claude_assistant(a);
    // The long line arrives in two writes, the first already over the maximum.
    write_file(fx.path, lines({user(1)}) + huge.substr(0, 1'500'000));
    fx.ingest();
    BOOST_TEST(fx.count("messages") == 1);
    BOOST_TEST(fx.count("ingest_errors") == 0);  // not finished yet: not judged yet
    write_file(fx.path, huge.substr(1'500'000) + "\n" + lines({user(3), assistant(4)}), true);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 3);
    BOOST_TEST(fx.count("message_tool_mart") == 0);
    BOOST_TEST(flat(query(fx.db(), "SELECT line_no, kind FROM ingest_errors")) ==
                   (std::vector<std::string>{"2|line_too_long"}),
               tt::per_element());
    BOOST_TEST(fx.issues(LineIssue::TooLong) == 1);
    BOOST_TEST(fx.stats.lines_rejected == 1);
    BOOST_TEST(fx.file.line_no == 4);
    BOOST_TEST(fx.file.offset == size_of(fx.path));
    BOOST_TEST(query_int(fx.db(), "SELECT line_no FROM messages WHERE line_key = 'u-3'") == 3);
}

// Whether a line is too long must not depend on where reads happen to fall (a restart reads from another
// offset): a line just over the maximum is skipped even when one read brings it in whole.
BOOST_AUTO_TEST_CASE(the_maximum_holds_however_reads_fall) {
    TailerOptions o;
    o.max_line_bytes = 1u << 20;
    for (const std::size_t content : {(1u << 20) - 4096, (1u << 20) + 100, (1u << 20) + 300'000}) {
        BOOST_TEST_CONTEXT("content of " << content << " bytes") {
            TailFixture fx(o);
            Assistant a;
            a.uuid = "a-long";
            a.msg_id = "msg-long";
            a.tools = {{"toolu_l", "Write", {{"file_path", "/p/x"}, {"content", std::string(content, 'q')}}}};
            const std::string line = claude_assistant(a);
            write_file(fx.path, lines({user(1), line, user(3)}));
            fx.ingest();
            const bool too_long = line.size() > o.max_line_bytes;
            BOOST_TEST(fx.count("message_tool_mart") == (too_long ? 0 : 1));
            BOOST_TEST(fx.issues(LineIssue::TooLong) == (too_long ? 1 : 0));
            BOOST_TEST(fx.count("messages") == (too_long ? 2 : 3));
        }
    }
}

BOOST_AUTO_TEST_CASE(commits_in_batches_and_reports_progress) {
    TailerOptions o;
    o.batch_lines = 3;
    TailFixture fx(o);
    std::vector<std::string> ls;
    for (int i = 1; i <= 10; ++i) ls.push_back(user(i));
    std::string text;
    for (const auto& l : ls) text += l + "\n";
    write_file(fx.path, text);
    std::int64_t reported = 0, calls = 0;
    fx.ingest([&](std::int64_t bytes) { reported += bytes, ++calls; });
    BOOST_TEST(reported == size_of(fx.path));
    BOOST_TEST(calls == 4);  // 3 + 3 + 3 + 1
    BOOST_TEST(fx.stats.batches == 4);
    BOOST_TEST(fx.count("messages") == 10);
}

BOOST_AUTO_TEST_CASE(file_deleted_before_or_while_being_read) {
    TailerOptions o;
    o.batch_lines = 1;
    TailFixture fx(o);
    write_file(fx.path, lines({user(1), user(2), user(3)}));
    // Deleted after the first commit: the open descriptor still reads what the file held.
    fx.ingest([&](std::int64_t) {
        std::error_code ec;
        fs::remove(fx.path, ec);
    });
    BOOST_TEST(!fs::exists(fx.path));
    BOOST_TEST(fx.count("messages") == 3);
    // Gone: reported, no error, the stored state kept for when it returns.
    BOOST_TEST(fx.ingest() == TailStatus::Missing);
    BOOST_TEST(fx.stats.read_errors == 0);
    BOOST_TEST(fx.stored_offset() > 0);
    // It comes back (a new file at the same path): read from the start, nothing counted twice.
    write_file(fx.path, lines({user(1), user(4)}));
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 4);
}

BOOST_AUTO_TEST_CASE(unreadable_file_is_retried_not_lost) {
    TailFixture fx;
    write_file(fx.path, lines({user(1), user(2)}));
    fs::permissions(fx.path, fs::perms::none);
    {
        // As root, permission bits do not stop reads: drop to another filesystem uid for the check.
        FsUid nobody(geteuid() == 0 ? 65534 : geteuid());
        if (geteuid() == 0 && !nobody.active()) {
            BOOST_TEST_MESSAGE("cannot switch the filesystem uid: the chmod 000 check is skipped");
        } else {
            BOOST_TEST(fx.ingest() == TailStatus::Unreadable);
            BOOST_TEST(fx.stats.read_errors == 1);
        }
    }
    BOOST_TEST(fx.count("messages") == 0);
    fs::permissions(fx.path, fs::perms::owner_read | fs::perms::owner_write);
    BOOST_TEST(fx.ingest() == TailStatus::Progressed);
    BOOST_TEST(fx.count("messages") == 2);
    // Not a regular file (a folder with a transcript's name): unreadable, whoever runs the test.
    FileRecord dir_rec = fx.claude_file("folder.jsonl");
    fs::create_directories(dir_rec.path);
    TranscriptTailer tailer(fx.writer(), fx.stats, {});
    BOOST_TEST(tailer.ingest(dir_rec) == TailStatus::Unreadable);
    BOOST_TEST(dir_rec.offset == 0);
}

BOOST_AUTO_TEST_SUITE_END()
