// store/StoreWriter: one usage row per API response with its final usage, across lines, batches, files
// and restarts; nothing billed for synthetic lines; exact tool latency whichever of call and result lands
// first; call_index; projects/sessions rows; sub-agents; monotonic update_seq/result_seq; atomic batches.
#include <unistd.h>
#include <boost/test/unit_test.hpp>

#include <cstdlib>

#include "StoreDump.hpp"
#include "Transcripts.hpp"
#include "WriterFixture.hpp"
#include "agents/claude/ClaudeSource.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;
namespace tt = boost::test_tools;

namespace {

std::string split_line(int i, int output, const std::string& msg = "msg_A",
                       const std::string& req = "req_A") {
    Assistant a;
    a.uuid = msg + "-line-" + std::to_string(i);
    a.msg_id = msg;
    a.request_id = req;
    a.ts = at(i * 700);
    a.model = "claude-opus-4-5-20251101";
    a.usage = Usage{3, output, 40'000, 2500, 2000, 500};
    a.text = "part " + std::to_string(i);
    return claude_assistant(a);
}

double opus_cost(std::int64_t output) {
    return (3 * 5 + output * 25 + 40'000 * 0.5 + 2000 * 6.25 + 500 * 10.0) / 1e6;
}

std::string tool_line(const std::string& uuid, const std::string& msg, std::int64_t ts_ms,
                      std::vector<ToolUse> tools, const std::string& session = "sess-1") {
    Assistant a;
    a.uuid = uuid;
    a.msg_id = msg;
    a.request_id = "req-" + msg;
    a.session = session;
    a.ts = at(ts_ms);
    a.tools = std::move(tools);
    return claude_assistant(a);
}

ToolUse read_tool(const std::string& id, const std::string& path = "/p/file.txt") {
    return {id, "Read", {{"file_path", path}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(store_writer)

BOOST_AUTO_TEST_CASE(split_response_is_one_row_with_the_final_output) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    BatchResult r = fx.feed(f, {split_line(0, 10), split_line(1, 10)});
    BOOST_TEST(r.usage_new == 1);
    BOOST_TEST(r.messages == 2);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 10);
    BOOST_TEST(query_int(fx.db(), "SELECT update_seq FROM usage_events") == 0);  // not grown yet
    const std::int64_t id = query_int(fx.db(), "SELECT id FROM usage_events");

    // Later lines of the same response, in a later batch: the same row grows.
    r = fx.feed(f, {split_line(2, 10), split_line(3, 299)});
    BOOST_TEST(r.usage_new == 0);
    BOOST_TEST(r.usage_updated == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT id FROM usage_events") == id);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 299);
    BOOST_TEST(query_int(fx.db(), "SELECT input_tokens FROM usage_events") == 3);
    BOOST_TEST(query_int(fx.db(), "SELECT cache_read_tokens FROM usage_events") == 40'000);
    BOOST_TEST(query_int(fx.db(), "SELECT cache_create_tokens FROM usage_events") == 2500);
    BOOST_TEST(query_int(fx.db(), "SELECT cache_create_1h_tokens FROM usage_events") == 500);
    BOOST_TEST(query_double(fx.db(), "SELECT cost_usd FROM usage_events") == opus_cost(299),
               tt::tolerance(1e-12));
    BOOST_TEST(query_text(fx.db(), "SELECT cost_source FROM usage_events") == "rate_card");
    BOOST_TEST(query_int(fx.db(), "SELECT update_seq FROM usage_events") > 0);
    // The row keeps the time of the response's first line; every line is its own message.
    BOOST_TEST(query_text(fx.db(), "SELECT ts FROM usage_events") == at(0));
    BOOST_TEST(query_text(fx.db(), "SELECT day FROM usage_events") == "2026-11-25");
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM messages") == 4);

    // A smaller count seen afterwards (a line replayed out of order) does not shrink it.
    r = fx.feed(f, {split_line(4, 10)});
    BOOST_TEST(r.usage_updated == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 299);
}

BOOST_AUTO_TEST_CASE(final_usage_survives_a_restart_between_lines) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f, {split_line(0, 10)});
    fx.restart();
    fx.feed(f, {split_line(1, 120)});
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 120);
    BOOST_TEST(query_double(fx.db(), "SELECT cost_usd FROM usage_events") == opus_cost(120),
               tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(same_response_in_two_files_counts_once) {
    WriterFixture fx;
    FileRecord a = fx.claude_file("sess-1.jsonl");
    FileRecord b = fx.claude_file("sess-2.jsonl");  // a resumed session replays the response
    fx.feed(a, {split_line(0, 10), split_line(1, 50)});
    // The same lines (same uuids) and a copy with new uuids.
    std::string copy = split_line(1, 80);
    copy.replace(copy.find("msg_A-line-1"), 12, "resumed-copy");
    const BatchResult r = fx.feed(b, {split_line(0, 10), split_line(1, 50), copy});
    BOOST_TEST(r.usage_new == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 80);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM messages") == 3);  // line uuids are unique keys
    // And again through a fresh writer (no cache): still one row.
    fx.restart();
    FileRecord c = fx.claude_file("sess-3.jsonl");
    fx.feed(c, {split_line(0, 10)});
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 80);
    // Another response is another row.
    fx.feed(c, {split_line(0, 10, "msg_B", "req_B")});
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 2);
}

// A line restated in two files (a resumed session) is one row that points at the lexically first file,
// whichever file is read first: backfill (by path) and the watcher (as files change) store the same rows.
BOOST_AUTO_TEST_CASE(a_restated_line_points_at_the_same_file_whatever_the_reading_order) {
    const std::string where = "SELECT f.path || ':' || m.line_no FROM messages m "
                              "JOIN transcript_files f ON f.id = m.file_id WHERE m.line_key = 'msg_A-line-1'";
    std::vector<std::string> got;
    for (const bool resumed_first : {false, true}) {
        WriterFixture fx;
        FileRecord original = fx.claude_file("sess-1.jsonl");
        FileRecord resumed = fx.claude_file("a-resumed.jsonl");  // sorts first
        const std::vector<std::string> original_lines = {split_line(0, 10), split_line(1, 50)};
        const std::vector<std::string> resumed_lines = {split_line(9, 5), split_line(0, 10), split_line(1, 50)};
        if (resumed_first) {
            fx.feed(resumed, resumed_lines);
            fx.feed(original, original_lines);
        } else {
            fx.feed(original, original_lines);
            fx.restart();  // and the choice needs no cache
            fx.feed(resumed, resumed_lines);
        }
        BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM messages") == 3);
        const std::string at = query_text(fx.db(), where);
        got.push_back(at.substr(at.rfind('/') + 1));  // each fixture has its own folder
    }
    BOOST_TEST(got[0] == got[1]);
    BOOST_TEST(got[0] == "a-resumed.jsonl:3");
}

// usage_slots and session_totals (what the Overview and the session list read) equal the sums of the rows
// after inserts in several 15-minute slots, a response that grows across batches and a restart, results
// before and after their calls, errors and an unpriced model.
BOOST_AUTO_TEST_CASE(aggregates_follow_the_rows) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    FileRecord g = fx.claude_file("sess-2.jsonl");
    fx.feed(f, {split_line(0, 10), tool_line("u-c1", "msg_T1", 600'000, {read_tool("toolu_1")})});
    fx.feed(g, {claude_result("u-r2", "sess-2", at(1'300'000), "toolu_2", "boom", true)});  // before its call
    fx.restart();  // the growth below reads the response's row back from the store
    fx.feed(f, {split_line(1, 250), claude_result("u-r1", "sess-1", at(1'200'000), "toolu_1", "ok")});
    fx.feed(g, {tool_line("u-c2", "msg_T2", 1'250'000, {read_tool("toolu_2")}, "sess-2")});
    Assistant unknown;
    unknown.uuid = "u-unknown";
    unknown.msg_id = "msg_U";
    unknown.ts = at(2'000'000);
    unknown.model = "claude-fable-7";
    unknown.usage = Usage{5, 7, 0, 0, 0, 0};
    fx.feed(f, {claude_assistant(unknown)});

    BOOST_TEST(aggregate_drift(fx.db()) == "");
    // Three slots (0, 10 and 33 minutes past the base time, which is on a quarter hour).
    BOOST_TEST(query_int(fx.db(), "SELECT count(DISTINCT slot) FROM usage_slots") == 3);
    BOOST_TEST(query_int(fx.db(), "SELECT min(slot) FROM usage_slots") == at_ms(0) / 1000 / 900);
    BOOST_TEST(query_int(fx.db(), "SELECT sum(events) FROM usage_slots") ==
               query_int(fx.db(), "SELECT count(*) FROM usage_events"));
    BOOST_TEST(query_int(fx.db(), "SELECT sum(unpriced_events) FROM usage_slots") == 1);
    const Row s1 = query(fx.db(), "SELECT t.cost_nusd, t.output_tokens, t.tool_calls, t.tool_errors FROM session_totals t "
                                  "JOIN sessions s ON s.id = t.session_id WHERE s.session_id = 'sess-1'")
                       .at(0);
    BOOST_TEST(s1.at(0) == std::to_string(static_cast<std::int64_t>(
                               query_double(fx.db(), "SELECT sum(cost_usd) FROM usage_events u JOIN sessions s ON "
                                                     "s.id = u.session_id WHERE s.session_id = 'sess-1'") * 1e9 + 0.5)));
    BOOST_TEST(s1.at(1) == std::to_string(250 + 7 + query_int(fx.db(), "SELECT sum(output_tokens) FROM usage_events "
                                                                      "WHERE dedup_key LIKE '%msg_T1%'")));
    BOOST_TEST(s1.at(2) == "1");
    BOOST_TEST(s1.at(3) == "0");
    BOOST_TEST(query_text(fx.db(), "SELECT t.tool_calls || '/' || t.tool_errors FROM session_totals t JOIN sessions s "
                                   "ON s.id = t.session_id WHERE s.session_id = 'sess-2'") == "1/1");
    // Re-reading everything (a rewritten file) changes no sum.
    const StoreDump before = dump_store(fx.db());
    FileRecord again = f;
    again.offset = again.line_no = 0;
    fx.restart();
    fx.feed(again, {split_line(0, 10), tool_line("u-c1", "msg_T1", 600'000, {read_tool("toolu_1")}), split_line(1, 250),
                    claude_result("u-r1", "sess-1", at(1'200'000), "toolu_1", "ok"), claude_assistant(unknown)});
    BOOST_TEST(compare_dumps(before, dump_store(fx.db())) == "");
}

BOOST_AUTO_TEST_CASE(synthetic_and_zero_usage_lines_are_not_billed) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    Assistant syn;
    syn.uuid = "u-syn";
    syn.msg_id = "msg_syn";
    syn.model = "<synthetic>";
    syn.usage = Usage{0, 0, 0, 0};
    Assistant zero = syn;
    zero.uuid = "u-zero";
    zero.msg_id = "msg_zero";
    zero.model = "claude-sonnet-4-5";
    const BatchResult r = fx.feed(f, {claude_assistant(syn), claude_assistant(zero)});
    BOOST_TEST(r.messages == 2);
    BOOST_TEST(r.usage_new == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 0);
    // The session's model is not "<synthetic>".
    BOOST_TEST(query_text(fx.db(), "SELECT coalesce(model, 'NULL') FROM sessions") == "claude-sonnet-4-5");
}

BOOST_AUTO_TEST_CASE(unknown_model_is_stored_unpriced) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    Assistant a;
    a.uuid = "u";
    a.model = "claude-fable-9";
    a.usage = Usage{100, 100, 0, 0};
    fx.feed(f, {claude_assistant(a)});
    BOOST_TEST(query_text(fx.db(), "SELECT cost_source FROM usage_events") == "unpriced");
    BOOST_TEST(query_double(fx.db(), "SELECT cost_usd FROM usage_events") == 0.0);
    BOOST_TEST(query_text(fx.db(), "SELECT model FROM usage_events") == "claude-fable-9");
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 100);
}

BOOST_AUTO_TEST_CASE(codex_usage_rows_are_exact_and_priced) {
    WriterFixture fx;
    FileRecord f = fx.codex_file("rollout-1.jsonl");
    fx.feed(f, {codex_meta(at(0), "cx-1"), codex_turn(at(1), "gpt-5-codex"),
                codex_tokens(at(2), {1000, 200, 300, 100})});
    fx.feed(f, {codex_tokens(at(3), {1000, 200, 300, 100}), codex_tokens(at(4), {2500, 1200, 500, 150})});
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 2);
    const auto rows = query(fx.db(),
                            "SELECT input_tokens, cache_read_tokens, output_tokens, reasoning_tokens, model, "
                            "cost_source, provider FROM usage_events ORDER BY ts");
    BOOST_TEST(rows[0] == (Row{"800", "200", "300", "100", "gpt-5-codex", "rate_card", "codex"}),
               tt::per_element());
    BOOST_TEST(rows[1] == (Row{"500", "1000", "200", "50", "gpt-5-codex", "rate_card", "codex"}),
               tt::per_element());
    BOOST_TEST(query_double(fx.db(), "SELECT sum(cost_usd) FROM usage_events") ==
                   ((800 + 500) * 1.25 + (200 + 1000) * 0.125 + (300 + 200) * 10.0) / 1e6,
               tt::tolerance(1e-12));
    BOOST_TEST(query_text(fx.db(), "SELECT slug FROM projects") == "/home/ana/src/api");
    BOOST_TEST(query_text(fx.db(), "SELECT display_name FROM projects") == "api");
    // Re-reading the whole file from the start (a rewrite) adds nothing.
    FileRecord again = f;
    again.offset = again.line_no = 0;
    again.parser_state.clear();
    fx.restart();
    const BatchResult r = fx.feed(
        again, {codex_meta(at(0), "cx-1"), codex_turn(at(1), "gpt-5-codex"),
                codex_tokens(at(2), {1000, 200, 300, 100}), codex_tokens(at(4), {2500, 1200, 500, 150})});
    BOOST_TEST(r.usage_new == 0);
    BOOST_TEST(r.usage_updated == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 2);
}

BOOST_AUTO_TEST_CASE(tool_latency_is_exact_when_the_result_lands_in_a_later_batch) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    BatchResult r = fx.feed(f, {tool_line("u-call", "msg_T", 1000, {read_tool("toolu_1")})});
    BOOST_TEST(r.tool_calls == 1);
    BOOST_TEST(query_text(fx.db(), "SELECT coalesce(result_ts, 'NULL') FROM message_tool_mart") == "NULL");
    r = fx.feed(f, {claude_result("u-res", "sess-1", at(3456), "toolu_1", std::string(321, 'x'))});
    BOOST_TEST(r.tool_results == 1);
    const Row row = query(fx.db(),
                          "SELECT tool_name, file_path, ts, result_ts, latency_ms, is_error, result_bytes, "
                          "byte_count, call_index, tool_use_id FROM message_tool_mart")
                        .at(0);
    BOOST_TEST(
        row == (Row{"Read", "/p/file.txt", at(1000), at(3456), "2456", "0", "321", "321", "0", "toolu_1"}),
        tt::per_element());
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM pending_tool_results") == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT result_seq FROM message_tool_mart") == 1);
    // The call's row points at the assistant line's message row.
    BOOST_TEST(
        query_text(fx.db(),
                   "SELECT m.line_key FROM message_tool_mart t JOIN messages m ON m.id = t.message_id") ==
        "u-call");
}

BOOST_AUTO_TEST_CASE(written_bytes_stay_and_errors_are_flagged) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f,
            {tool_line(
                "u-1", "msg_W", 0,
                {{"toolu_w", "Write", {{"file_path", "/p/new.txt"}, {"content", std::string(1000, 'y')}}}})});
    fx.feed(f, {claude_result("u-2", "sess-1", at(250), "toolu_w", "File created", true)});
    const Row row =
        query(fx.db(), "SELECT byte_count, result_bytes, is_error, latency_ms FROM message_tool_mart").at(0);
    BOOST_TEST(row == (Row{"1000", "12", "1", "250"}), tt::per_element());
}

BOOST_AUTO_TEST_CASE(result_before_call_is_paired_through_pending_results) {
    WriterFixture fx;
    FileRecord main = fx.claude_file("sess-1.jsonl");
    FileRecord other = fx.claude_file("agent-x.jsonl", "-home-ana-src-shop", "sess-1");
    // The result is read first (another file read earlier), then the process restarts.
    BatchResult r = fx.feed(other, {claude_result("u-res", "sess-1", at(5000), "toolu_late", "abc")});
    BOOST_TEST(r.results_pending == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM pending_tool_results") == 1);
    fx.restart();
    r = fx.feed(main, {tool_line("u-call", "msg_P", 1200, {read_tool("toolu_late")})});
    BOOST_TEST(r.tool_calls == 1);
    BOOST_TEST(r.tool_results == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM pending_tool_results") == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT latency_ms FROM message_tool_mart") == 3800);
    BOOST_TEST(query_int(fx.db(), "SELECT result_bytes FROM message_tool_mart") == 3);

    // Same batch, result line first: paired within the batch.
    r = fx.feed(main, {claude_result("u-res2", "sess-1", at(9000), "toolu_same", "z"),
                       tool_line("u-call2", "msg_Q", 8000, {read_tool("toolu_same")})});
    BOOST_TEST(r.tool_results == 1);
    BOOST_TEST(
        query_int(fx.db(), "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'toolu_same'") ==
        1000);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM pending_tool_results") == 0);

    // A result written before its call (clock skew): paired, but no negative latency.
    fx.feed(main, {claude_result("u-res3", "sess-1", at(100), "toolu_skew", "z"),
                   tool_line("u-call3", "msg_S", 200, {read_tool("toolu_skew")})});
    BOOST_TEST(query_text(fx.db(),
                          "SELECT coalesce(latency_ms, 'NULL') FROM message_tool_mart WHERE tool_use_id = "
                          "'toolu_skew'") == "NULL");
    BOOST_TEST(
        query_text(fx.db(), "SELECT result_ts FROM message_tool_mart WHERE tool_use_id = 'toolu_skew'") ==
        at(100));
}

BOOST_AUTO_TEST_CASE(duplicate_results_are_ignored) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f, {tool_line("u-call", "msg_D", 0, {read_tool("toolu_d")}),
                claude_result("u-r1", "sess-1", at(400), "toolu_d", "first")});
    const std::int64_t seq = query_int(fx.db(), "SELECT result_seq FROM message_tool_mart");
    // The same result again (replayed file) and a second result line for the same id.
    const BatchResult r = fx.feed(f, {claude_result("u-r1", "sess-1", at(400), "toolu_d", "first"),
                                      claude_result("u-r2", "sess-1", at(9000), "toolu_d", "second!", true)});
    BOOST_TEST(r.tool_results == 0);
    BOOST_TEST(r.results_pending == 0);
    const Row row =
        query(fx.db(), "SELECT latency_ms, result_bytes, is_error, result_seq FROM message_tool_mart").at(0);
    BOOST_TEST(row == (Row{"400", "5", "0", std::to_string(seq)}), tt::per_element());
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM pending_tool_results") == 0);
}

BOOST_AUTO_TEST_CASE(call_index_orders_the_calls_of_one_response) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    // Parallel calls of one response, one line each, the last two in a later batch and after a restart.
    fx.feed(f, {tool_line("u-1", "msg_C", 0, {read_tool("toolu_a")}),
                tool_line("u-2", "msg_C", 10, {read_tool("toolu_b")})});
    fx.restart();
    fx.feed(f, {tool_line("u-3", "msg_C", 20, {read_tool("toolu_c"), read_tool("toolu_d")})});
    // Another response starts again at 0.
    fx.feed(f, {tool_line("u-4", "msg_E", 30, {read_tool("toolu_e")})});
    // Re-reading lines already stored changes nothing.
    fx.feed(f, {tool_line("u-2", "msg_C", 10, {read_tool("toolu_b")})});
    const auto rows =
        query(fx.db(), "SELECT tool_use_id, call_index FROM message_tool_mart ORDER BY tool_use_id");
    const std::vector<Row> want = {
        {"toolu_a", "0"}, {"toolu_b", "1"}, {"toolu_c", "2"}, {"toolu_d", "3"}, {"toolu_e", "0"}};
    BOOST_TEST(flat(rows) == flat(want), tt::per_element());
}

BOOST_AUTO_TEST_CASE(projects_and_sessions_rows) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f, {claude_user("u-0", "sess-1", at(5000), "hi"), split_line(1, 10)});
    fx.feed(f, {claude_user("u-9", "sess-1", at(90'000), "later")});
    const Row p =
        query(fx.db(), "SELECT provider, slug, display_name, cwd, first_seen, last_seen FROM projects").at(0);
    BOOST_TEST(p == (Row{"claude", "-home-ana-src-shop", "shop", "/home/ana/src/shop", at(700), at(90'000)}),
               tt::per_element());
    const Row s =
        query(fx.db(),
              "SELECT s.provider, s.session_id, p.slug, s.started_at, s.last_at, s.cwd, s.git_branch, "
              "s.cli_version, s.model FROM sessions s JOIN projects p ON p.id = s.project_id")
            .at(0);
    BOOST_TEST(s == (Row{"claude", "sess-1", "-home-ana-src-shop", at(700), at(90'000), "/home/ana/src/shop",
                         "main", "2.1.3", "claude-opus-4-5-20251101"}),
               tt::per_element());
    // Every row of the session points at the same session and project.
    BOOST_TEST(query_int(fx.db(), "SELECT count(DISTINCT session_id) FROM messages") == 1);
    BOOST_TEST(query_int(fx.db(),
                         "SELECT count(*) FROM usage_events u JOIN sessions s ON s.id = u.session_id "
                         "AND s.project_id = u.project_id") == 1);
}

// The same lines read in a different file order, with restarts in between (a crash, or the watcher
// seeing files in another order than a backfill): projects and sessions rows must come out the same.
BOOST_AUTO_TEST_CASE(project_and_session_rows_do_not_depend_on_reading_order) {
    auto line = [](const std::string& uuid, std::int64_t ts, const std::string& cwd,
                   const std::string& version, const std::string& branch, const std::string& model) {
        Assistant a;
        a.uuid = uuid;
        a.msg_id = "msg-" + uuid;
        a.ts = at(ts);
        a.cwd = cwd;
        a.version = version;
        a.branch = branch;
        a.model = model;
        return claude_assistant(a);
    };
    // The session moves into a subfolder, switches branch, and its CLI updates itself mid-session; a
    // sub-agent (older model, earlier time) runs in between.
    const std::vector<std::string> main_lines = {
        line("m1", 1000, "/home/ana/src/shop", "2.1.2", "main", "claude-opus-4-5-20251101"),
        line("m2", 2000, "/home/ana/src/shop/web", "2.1.2", "main", "claude-opus-4-5-20251101"),
        line("m3", 9000, "/home/ana/src/shop/web", "2.1.3", "feature", "claude-sonnet-4-5-20250929"),
        // The newest line names no folder and no branch (as a telemetry record): they stay the latest named.
        line("m4", 9500, "", "2.1.3", "", "claude-sonnet-4-5-20250929")};
    const std::vector<std::string> sub_lines = {
        line("s1", 3000, "/home/ana/src/shop/web", "2.1.2", "main", "claude-haiku-4-5-20251001")};
    const std::string projects = "SELECT slug, display_name, cwd, first_seen, last_seen FROM projects";
    const std::string sessions =
        "SELECT session_id, started_at, last_at, cwd, git_branch, cli_version, model FROM sessions";

    std::vector<std::vector<std::string>> results;
    for (int order = 0; order < 4; ++order) {
        WriterFixture fx;
        FileRecord main = fx.claude_file("sess-1.jsonl");
        FileRecord sub = fx.claude_file("sess-1/subagents/agent-sub.jsonl", "-home-ana-src-shop", "sess-1");
        if (order == 0) {  // backfill order: the session file, then its sub-agents
            fx.feed(main, main_lines);
            fx.feed(sub, sub_lines);
        } else if (order == 1) {  // sub-agent first
            fx.feed(sub, sub_lines);
            fx.feed(main, main_lines);
        } else {  // line by line with a restart after each line (a crash between batches)
            for (std::size_t i = 0; i < main_lines.size(); ++i) {
                if (order == 3 && i == 0) fx.feed(sub, sub_lines);
                fx.feed(main, {main_lines[order == 2 ? i : main_lines.size() - 1 - i]});
                fx.restart();
            }
            if (order == 2) fx.feed(sub, sub_lines);
        }
        std::vector<std::string> got = flat(query(fx.db(), projects));
        for (const std::string& s : flat(query(fx.db(), sessions))) got.push_back(s);
        results.push_back(got);
    }
    // Latest line by time for the session's model, cwd, branch and version; the project's root folder.
    const std::vector<std::string> want = {
        "-home-ana-src-shop|shop|/home/ana/src/shop|" + at(1000) + "|" + at(9500),
        "sess-1|" + at(1000) + "|" + at(9500) +
            "|/home/ana/src/shop/web|feature|2.1.3|claude-sonnet-4-5-20250929"};
    for (std::size_t i = 0; i < results.size(); ++i) BOOST_TEST_CONTEXT("order " << i) {
            BOOST_TEST(results[i] == want, tt::per_element());
        }
}

BOOST_AUTO_TEST_CASE(sub_agent_lines_count_for_the_parent_session) {
    WriterFixture fx;
    FileRecord main = fx.claude_file("sess-1.jsonl");
    FileRecord sub = fx.claude_file("sess-1/subagents/agent-sub.jsonl", "-home-ana-src-shop", "sess-1");
    fx.feed(main, {split_line(0, 10)});
    Assistant a;
    a.uuid = "u-sub";
    a.session = "sub-own-session-id";
    a.msg_id = "msg_sub";
    a.sidechain = true;
    a.model = "claude-haiku-4-5-20251001";
    a.ts = at(60'000);
    a.usage = Usage{100, 50, 0, 0};
    fx.feed(sub, {claude_assistant(a)});
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM sessions") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT count(DISTINCT session_id) FROM usage_events") == 1);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events") == 2);
    const Row m =
        query(fx.db(), "SELECT is_sidechain, agent_id FROM messages WHERE line_key = 'u-sub'").at(0);
    BOOST_TEST(m == (Row{"1", "sub"}), tt::per_element());
    BOOST_TEST(query_text(fx.db(), "SELECT last_at FROM sessions") == at(60'000));
}

BOOST_AUTO_TEST_CASE(sequences_are_monotonic) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    std::int64_t last_update = 0, last_result = 0;
    for (int round = 0; round < 6; ++round) {
        if (round == 3) fx.restart();
        const std::string msg = "msg_" + std::to_string(round);
        fx.feed(f, {split_line(0, 10, msg, "r"),
                    tool_line("c" + std::to_string(round), msg, 5, {read_tool("t" + msg)})});
        fx.feed(f, {split_line(1, 20 + round, msg, "r"),
                    claude_result("res" + std::to_string(round), "sess-1", at(100), "t" + msg, "x")});
        const std::int64_t update = query_int(
            fx.db(), "SELECT update_seq FROM usage_events WHERE dedup_key = 'claude:" + msg + ":r'");
        const std::int64_t result =
            query_int(fx.db(), "SELECT result_seq FROM message_tool_mart WHERE tool_use_id = 't" + msg + "'");
        BOOST_TEST(update > last_update);
        BOOST_TEST(result > last_result);
        last_update = update, last_result = result;
    }
    BOOST_TEST(
        query_int(fx.db(), "SELECT count(DISTINCT update_seq) FROM usage_events WHERE update_seq > 0") == 6);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM usage_events WHERE update_seq > 0") == 6);
    BOOST_TEST(query_int(fx.db(), "SELECT count(DISTINCT result_seq) FROM message_tool_mart") == 6);
}

BOOST_AUTO_TEST_CASE(a_refused_batch_writes_nothing_and_retries_cleanly) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f, {split_line(0, 10), tool_line("u-c", "msg_R", 0, {read_tool("toolu_r")})});
    // Another connection holds the write lock: the batch fails with a transient error.
    Database blocker(fx.dir / "store.db", Database::Mode::ReadWrite, 0);
    Database busy(fx.dir / "store.db", Database::Mode::ReadWrite, 0);
    StoreWriter writer(busy, shipped_prices());
    blocker.exec("BEGIN IMMEDIATE");
    FileRecord attempt = f;
    {
        auto parser = claude_source().make_parser(attempt);
        IngestBatch batch;
        for (const std::string& l :
             {split_line(1, 500), claude_result("u-r", "sess-1", at(10), "toolu_r", "x")}) {
            ParsedLine p;
            LineIssue issue;
            BOOST_REQUIRE((parser->parse(l, ++attempt.line_no, p, issue) == LineOutcome::Record));
            batch.lines.push_back(std::move(p));
        }
        attempt.offset = 12345;
        batch.file = attempt;
        try {
            writer.commit(batch);
            BOOST_FAIL("commit succeeded under a held write lock");
        } catch (const StoreError& e) {
            BOOST_TEST(e.transient());
        }
        blocker.exec("ROLLBACK");
        BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 10);
        BOOST_TEST(query_text(fx.db(), "SELECT coalesce(result_ts, 'NULL') FROM message_tool_mart") ==
                   "NULL");
        BOOST_TEST(query_int(fx.db(), "SELECT offset FROM transcript_files WHERE id = " +
                                          std::to_string(f.id)) == f.offset);
        // The same batch again, through the same writer, once the lock is gone.
        const BatchResult r = writer.commit(batch);
        BOOST_TEST(r.usage_updated == 1);
        BOOST_TEST(r.tool_results == 1);
    }
    BOOST_TEST(query_int(fx.db(), "SELECT output_tokens FROM usage_events") == 500);
    BOOST_TEST(query_int(fx.db(), "SELECT latency_ms FROM message_tool_mart") == 10);
    BOOST_TEST(query_int(fx.db(), "SELECT offset FROM transcript_files WHERE id = " + std::to_string(f.id)) ==
               12345);
}

BOOST_AUTO_TEST_CASE(file_state_and_line_errors_commit_with_the_rows) {
    WriterFixture fx;
    FileRecord f = fx.claude_file("sess-1.jsonl");
    fx.feed(f, {split_line(0, 10), "{broken", "", split_line(1, 10)});
    const Row file = query(fx.db(), "SELECT offset, line_no, parser_state FROM transcript_files").at(0);
    BOOST_TEST(file.at(0) == std::to_string(f.offset));
    BOOST_TEST(file.at(1) == "4");
    BOOST_TEST(file.at(2).find("last_ts") != std::string::npos);
    const auto errors = query(fx.db(), "SELECT path, line_no, kind FROM ingest_errors");
    BOOST_REQUIRE(errors.size() == 2u);  // "{broken" and the empty line (the tailer skips empty lines itself)
    BOOST_TEST(errors[0] == (Row{f.path, "2", "malformed_json"}), tt::per_element());
    BOOST_TEST(errors[1] == (Row{f.path, "3", "malformed_json"}), tt::per_element());
    // ensure_file returns the stored state, not the prototype.
    FileRecord proto;
    proto.path = f.path;
    BOOST_TEST(fx.writer().ensure_file(proto).line_no == 4);
    BOOST_TEST(fx.writer().all_files().size() == 1u);
}

BOOST_AUTO_TEST_CASE(heartbeat_row) {
    WriterFixture fx;
    fx.writer().beat("running", "", R"({"files_seen":3})", 2000, at(0));
    fx.writer().beat("stopped", "shutdown", R"({"files_seen":4})", 2000, at(0));
    const Row r = query(fx.db(),
                        "SELECT count(*), state, reason, pid, interval_ms, counters, started_at "
                        "FROM watcher_heartbeat")
                      .at(0);
    BOOST_TEST(r == (Row{"1", "stopped", "shutdown", std::to_string(getpid()), "2000", R"({"files_seen":4})",
                         at(0)}),
               tt::per_element());
    BOOST_TEST(std::llabs(query_int(fx.db(), "SELECT beat_ms FROM watcher_heartbeat") - now_epoch_ms()) <
               60'000);
}

BOOST_AUTO_TEST_SUITE_END()
