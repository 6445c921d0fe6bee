// agents/gemini: GeminiLineParser over every record shape of the JSONL log (metadata, messages upserted by
// id, `$set` with a full `messages` checkpoint, `$rewindTo`) and of the legacy document, tokens (cached
// part of the input, thoughts billed as output, the tool-use prompt), tool calls stored without latency,
// sub-agent files, the project folder from the .project_root marker or projects.json, and every kind of
// bad line; then the same rules through the store (one row per message id, one usage event that grows).
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "GeminiRecords.hpp"
#include "WriterFixture.hpp"
#include "agents/gemini/GeminiLineParser.hpp"
#include "ingest/TranscriptTailer.hpp"

using namespace agentpulse;
using namespace agentpulse::test::gemini;
using agentpulse::test::TempDir;
using agentpulse::test::query_int;
using agentpulse::test::query_text;
namespace fs = std::filesystem;
namespace tt = boost::test_tools;

namespace {

struct Records {
    LineOutcome outcome;
    LineIssue issue;
    std::vector<ParsedLine> lines;
};

Records parse(GeminiLineParser& p, std::string_view text, std::int64_t line_no = 7) {
    Records r{};
    r.outcome = p.parse_records(text, line_no, r.lines, r.issue);
    return r;
}

Records parse(GeminiLineParser& p, const json::object& o) { return parse(p, line(o)); }

// A main session file's parser that has read the metadata line (none with an empty `session`).
std::unique_ptr<GeminiLineParser> session_parser(std::string_view session = "s-1", fs::path project_dir = {}) {
    FileContext c;
    c.project_slug = "shop";
    auto p = std::make_unique<GeminiLineParser>(std::move(c), GeminiLineParser::Layout::Lines, std::move(project_dir));
    if (!session.empty()) parse(*p, meta(session));
    return p;
}

GeminiLineParser subagent_parser() {
    FileContext c;
    c.project_slug = "shop";
    c.parent_session = "s-parent";
    c.agent_id = "s-child";
    return GeminiLineParser(std::move(c), GeminiLineParser::Layout::Lines);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(gemini_parser)

BOOST_AUTO_TEST_CASE(metadata_names_the_session_of_the_messages_after_it) {
    auto p_owner = session_parser("");
    GeminiLineParser& p = *p_owner;
    const Records m = parse(p, meta("s-1"));
    BOOST_TEST(m.outcome == LineOutcome::Ignored);
    BOOST_TEST(m.lines.empty());
    const Records u = parse(p, user("u-1", 1000));
    BOOST_TEST(u.outcome == LineOutcome::Record);
    BOOST_REQUIRE(u.lines.size() == 1u);
    const ParsedLine& l = u.lines[0];
    BOOST_TEST(l.line_no == 7);
    BOOST_TEST(l.ts == test::at_ms(1000));
    BOOST_TEST(l.session.session_id == "s-1");
    BOOST_TEST(l.session.project_slug == "shop");
    BOOST_TEST(l.message->line_key == "gemini:u-1");
    BOOST_TEST(l.message->kind == "user");
    BOOST_TEST(!l.usage);
}

BOOST_AUTO_TEST_CASE(tokens_subtract_the_cached_part_add_the_tool_prompt_and_bill_thoughts_as_output) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    const Tokens t{.input = 1000, .output = 50, .cached = 400, .thoughts = 30, .tool = 20};
    const Records r = parse(p, reply("g-1", 2000, &t));
    BOOST_REQUIRE(r.lines.size() == 1u);
    const ParsedLine& l = r.lines[0];
    BOOST_TEST(l.message->kind == "assistant");
    BOOST_TEST(l.message->model == "gemini-2.5-pro");
    BOOST_REQUIRE(l.usage);
    BOOST_TEST(l.usage->dedup_key == "gemini:g-1");
    BOOST_TEST(l.usage->grows);
    BOOST_TEST(l.usage->model == "gemini-2.5-pro");
    BOOST_TEST(l.usage->tokens.input == 620);  // 1000 - 400 cached + 20 tool-use prompt
    BOOST_TEST(l.usage->tokens.cache_read == 400);
    BOOST_TEST(l.usage->tokens.output == 80);  // 50 + 30 thoughts
    BOOST_TEST(l.usage->tokens.reasoning == 30);
    BOOST_TEST(l.usage->tokens.cache_create == 0);
    BOOST_TEST(l.message->tokens.empty());  // on the usage event only (see the parser)
}

BOOST_AUTO_TEST_CASE(a_reply_before_its_tokens_has_no_usage_and_the_later_copy_has_it) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    const Records first = parse(p, reply("g-1", 2000));
    BOOST_REQUIRE(first.lines.size() == 1u);
    BOOST_TEST(!first.lines[0].usage);
    const Tokens t{.input = 100, .output = 10};
    const Records again = parse(p, reply("g-1", 2000, &t));
    BOOST_REQUIRE(again.lines.size() == 1u);
    BOOST_TEST(again.lines[0].message->line_key == "gemini:g-1");
    BOOST_REQUIRE(again.lines[0].usage);
    BOOST_TEST(again.lines[0].usage->tokens.input == 100);
}

BOOST_AUTO_TEST_CASE(tool_calls_carry_their_result_and_no_latency) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    json::array calls{call("c-1", "read_file", {{"file_path", "/src/a.ts"}}, "success", 3000, "12345"),
                      call("c-2", "write_file", {{"file_path", "/src/b.ts"}, {"content", "abcd"}}, "error", 4000),
                      call("c-3", "run_shell_command", {{"command", "ls"}, {"dir_path", "/src"}}, "cancelled", 5000),
                      call("c-4", "read_file", {{"absolute_path", "/src/old.ts"}}, "executing", 6000),
                      call("", "glob", {}, "success", 6000)};
    const Records r = parse(p, reply("g-1", 2000, nullptr, std::move(calls)));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_REQUIRE(r.lines.size() == 5u);  // the message, then one record per call with an id
    const ParsedLine& c1 = r.lines[1];
    BOOST_TEST(c1.ts == test::at_ms(3000));  // the call's own (completion) time
    BOOST_TEST(c1.message->line_key == "gemini:g-1");
    BOOST_TEST(c1.session.session_id == "s-1");
    BOOST_REQUIRE(c1.tool_calls.size() == 1u);
    BOOST_TEST(c1.tool_calls[0].tool_use_id == "c-1");
    BOOST_TEST(c1.tool_calls[0].tool_name == "read_file");
    BOOST_TEST(*c1.tool_calls[0].file_path == "/src/a.ts");
    BOOST_TEST(!c1.tool_calls[0].byte_count);
    BOOST_REQUIRE(c1.tool_results.size() == 1u);
    BOOST_TEST(c1.tool_results[0].tool_use_id == "c-1");
    BOOST_TEST(!c1.tool_results[0].is_error);
    BOOST_TEST(c1.tool_results[0].result_bytes == 5);
    BOOST_TEST(!c1.tool_results[0].latency_measured);
    const ParsedLine& c2 = r.lines[2];
    BOOST_TEST(*c2.tool_calls[0].byte_count == 4);
    BOOST_TEST(c2.tool_results[0].is_error);  // error
    const ParsedLine& c3 = r.lines[3];
    BOOST_TEST(*c3.tool_calls[0].file_path == "/src");  // dir_path
    BOOST_TEST(c3.tool_results[0].is_error);            // cancelled
    const ParsedLine& c4 = r.lines[4];
    BOOST_TEST(*c4.tool_calls[0].file_path == "/src/old.ts");  // absolute_path, before v0.14
    BOOST_TEST(c4.tool_results.empty());                       // not finished: no result yet
}

BOOST_AUTO_TEST_CASE(a_set_messages_checkpoint_yields_every_message_it_holds) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    const Tokens t{.input = 100, .output = 10};
    json::array messages{user("u-1", 1000), reply("g-1", 2000, &t), json::object{{"id", "i-1"}, {"type", "info"}},
                         reply("g-2", 3000, &t, json::array{call("c-1", "glob", {}, "success", 3500)})};
    const Records r = parse(p, set_messages(std::move(messages)));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::None);
    BOOST_REQUIRE(r.lines.size() == 4u);  // u-1, g-1, g-2 and its call; the info notice is not a message
    BOOST_TEST(r.lines[0].message->line_key == "gemini:u-1");
    BOOST_TEST(r.lines[1].usage->dedup_key == "gemini:g-1");
    BOOST_TEST(r.lines[2].usage->dedup_key == "gemini:g-2");
    BOOST_TEST(r.lines[3].tool_calls[0].tool_use_id == "c-1");
    for (const ParsedLine& l : r.lines) BOOST_TEST(l.line_no == 7);
    // The single-record entry point gives the first of them.
    ParsedLine first;
    LineIssue issue = LineIssue::None;
    BOOST_TEST(p.parse(line(set_messages(json::array{user("u-9", 9000), user("u-10", 9001)})), 8, first, issue) ==
               LineOutcome::Record);
    BOOST_TEST(first.message->line_key == "gemini:u-9");
}

BOOST_AUTO_TEST_CASE(set_without_messages_and_rewind_yield_nothing) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    const Records s = parse(p, json::object{{"$set", {{"lastUpdated", test::at(5000)}, {"summary", "x"}}}});
    BOOST_TEST(s.outcome == LineOutcome::Ignored);
    BOOST_TEST(s.lines.empty());
    const Records r = parse(p, rewind_to("g-1"));
    BOOST_TEST(r.outcome == LineOutcome::Ignored);
    BOOST_TEST(r.issue == LineIssue::None);
    // A resumed session may name its id again in a $set: later records follow it.
    parse(p, json::object{{"$set", {{"sessionId", "s-2"}}}});
    BOOST_TEST(parse(p, user("u-5", 6000)).lines[0].session.session_id == "s-2");
}

BOOST_AUTO_TEST_CASE(notices_are_not_messages) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    for (const char* type : {"info", "error", "warning"}) {
        json::object o = user("n-1", 1000);
        o["type"] = type;
        const Records r = parse(p, o);
        BOOST_TEST(r.outcome == LineOutcome::Ignored);
        BOOST_TEST(r.issue == LineIssue::None);
    }
}

BOOST_AUTO_TEST_CASE(subagent_records_belong_to_the_parent_session) {
    GeminiLineParser p = subagent_parser();
    parse(p, meta("s-child", "subagent"));
    const Tokens t{.input = 10, .output = 1};
    const Records r = parse(p, reply("g-9", 1000, &t));
    BOOST_REQUIRE(r.lines.size() == 1u);
    BOOST_TEST(r.lines[0].session.session_id == "s-parent");
    BOOST_TEST(r.lines[0].message->is_sidechain);
    BOOST_TEST(r.lines[0].message->agent_id == "s-child");
    // Even a sub-agent file whose metadata line is gone is placed by its path.
    GeminiLineParser q = subagent_parser();
    BOOST_TEST(parse(q, user("u-1", 1000)).lines[0].session.session_id == "s-parent");
}

BOOST_AUTO_TEST_CASE(the_project_folder_comes_from_the_marker_else_projects_json_else_the_folder_name) {
    TempDir dir;
    const fs::path tmp = dir / ".gemini/tmp";
    test::write_file(tmp / "shop/.project_root", "/home/ana/src/shop\n");
    auto marked_owner = session_parser("s-1", tmp / "shop");
    GeminiLineParser& marked = *marked_owner;
    const Records a = parse(marked, user("u-1", 1000));
    BOOST_TEST(a.lines[0].session.cwd == "/home/ana/src/shop");
    BOOST_TEST(a.lines[0].session.project_name == "shop");
    BOOST_TEST(a.lines[0].session.project_slug == "shop");

    test::write_file(dir / ".gemini/projects.json", R"({"projects": {"/home/ana/src/My Api": "my-api"}})");
    fs::create_directories(tmp / "my-api");
    auto listed_owner = session_parser("s-2", tmp / "my-api");
    GeminiLineParser& listed = *listed_owner;
    BOOST_TEST(parse(listed, user("u-2", 1000)).lines[0].session.cwd == "/home/ana/src/My Api");

    fs::create_directories(tmp / "9f86d08188");
    auto unnamed_owner = session_parser("s-3", tmp / "9f86d08188");
    GeminiLineParser& unnamed = *unnamed_owner;
    const Records c = parse(unnamed, user("u-3", 1000));
    BOOST_TEST(c.lines[0].session.cwd == "");
    BOOST_TEST(c.lines[0].session.project_name == "shop");  // the folder name (the context's slug)

    // Looked up once: the state keeps it, so a marker written later does not move the file's project.
    const std::string state = unnamed.save_state();
    test::write_file(tmp / "9f86d08188/.project_root", "/elsewhere");
    FileContext ctx;
    ctx.project_slug = "shop";
    GeminiLineParser resumed(ctx, GeminiLineParser::Layout::Lines, tmp / "9f86d08188");
    resumed.load_state(state);
    BOOST_TEST(parse(resumed, user("u-4", 2000)).lines[0].session.cwd == "");
}

BOOST_AUTO_TEST_CASE(state_keeps_the_session_and_clock_across_a_restart) {
    auto p_owner = session_parser("s-1");
    GeminiLineParser& p = *p_owner;
    parse(p, user("u-1", 1000));
    const std::string state = p.save_state();
    FileContext ctx;
    ctx.project_slug = "shop";
    GeminiLineParser q(ctx, GeminiLineParser::Layout::Lines);
    q.load_state(state);
    json::object no_time = user("u-2", 0);
    no_time.erase("timestamp");
    const Records r = parse(q, no_time);
    BOOST_REQUIRE(r.lines.size() == 1u);
    BOOST_TEST(r.lines[0].session.session_id == "s-1");
    BOOST_TEST(r.lines[0].ts == test::at_ms(1000));  // the last good time before it
    BOOST_TEST(r.issue == LineIssue::NoTimestamp);
    q.load_state("not json");
    BOOST_TEST(q.save_state() == "");
}

BOOST_AUTO_TEST_CASE(bad_lines) {
    auto p_owner = session_parser();
    GeminiLineParser& p = *p_owner;
    BOOST_TEST(parse(p, "{\"id\": \"u-1\", \"type\": \"us").outcome == LineOutcome::Rejected);  // truncated
    BOOST_TEST(parse(p, "{\"id\": \"u-1\", \"type\": \"us").issue == LineIssue::Malformed);
    BOOST_TEST(parse(p, "[1,2]").issue == LineIssue::Malformed);
    BOOST_TEST(parse(p, "").issue == LineIssue::Malformed);
    // A message before any metadata line in a session file: no session to put it in.
    auto fresh_owner = session_parser("");
    GeminiLineParser& fresh = *fresh_owner;
    const Records orphan = parse(fresh, user("u-1", 1000));
    BOOST_TEST(orphan.outcome == LineOutcome::Rejected);
    BOOST_TEST(orphan.issue == LineIssue::MissingField);
    // No time, and none before it.
    json::object untimed = user("u-1", 0);
    untimed["timestamp"] = "yesterday";
    auto q_owner = session_parser();
    GeminiLineParser& q = *q_owner;
    BOOST_TEST(parse(q, untimed).issue == LineIssue::NoTimestamp);
    BOOST_TEST(parse(q, untimed).outcome == LineOutcome::Rejected);
    // Tokens of the wrong type: the message is kept, the usage is not.
    json::object odd = reply("g-1", 1000);
    odd["tokens"] = "many";
    const Records o = parse(p, odd);
    BOOST_TEST(o.outcome == LineOutcome::Record);
    BOOST_TEST(o.issue == LineIssue::MissingField);
    BOOST_TEST(!o.lines[0].usage);
    const Tokens fraction{.input = 10};
    json::object half = reply("g-2", 1000, &fraction);
    half["tokens"].as_object()["output"] = 1.5;
    BOOST_TEST(parse(p, half).issue == LineIssue::MissingField);
    // Absurd counts are refused.
    const Tokens absurd{.input = 10, .output = 90'000'000'000};
    const Records big = parse(p, reply("g-3", 1000, &absurd));
    BOOST_TEST(big.issue == LineIssue::AbsurdTokens);
    BOOST_TEST(!big.lines[0].usage);
    const Tokens negative{.input = -5, .output = 1};
    BOOST_TEST(parse(p, reply("g-4", 1000, &negative)).issue == LineIssue::AbsurdTokens);
    // A message record whose id is not a string, and a checkpoint entry without one.
    BOOST_TEST(parse(p, json::object{{"id", 5}, {"type", "user"}, {"timestamp", test::at(0)}}).issue ==
               LineIssue::MissingField);
    const Records cp = parse(p, set_messages(json::array{json::object{{"type", "user"}}, user("u-7", 1000)}));
    BOOST_TEST(cp.outcome == LineOutcome::Record);
    BOOST_TEST(cp.issue == LineIssue::MissingField);
    BOOST_TEST(cp.lines.size() == 1u);
    // Unknown shapes are not errors.
    BOOST_TEST(parse(p, json::object{{"something", "else"}}).outcome == LineOutcome::Ignored);
    // Invalid UTF-8 in an id is repaired.
    const Records bad_utf8 = parse(p, std::string("{\"id\":\"u-\xff\",\"type\":\"user\",\"timestamp\":\"") +
                                          test::at(0) + "\"}");
    BOOST_TEST(bad_utf8.issue == LineIssue::InvalidUtf8);
    BOOST_TEST(bad_utf8.outcome == LineOutcome::Record);
}

BOOST_AUTO_TEST_CASE(the_legacy_document_yields_only_what_is_new_or_changed_on_each_read) {
    FileContext c;
    c.project_slug = "shop";
    GeminiLineParser p(c, GeminiLineParser::Layout::Document);
    const Tokens t{.input = 100, .output = 10};
    json::array v1{user("u-1", 1000), reply("g-1", 2000)};
    Records r = parse(p, document("s-1", v1), 1);
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_REQUIRE(r.lines.size() == 2u);
    BOOST_TEST(r.lines[0].session.session_id == "s-1");
    BOOST_TEST(r.lines[1].line_no == 2);  // the message's position in the document
    // Rewritten with the reply's tokens and a new prompt: the two changed messages only.
    json::array v2{user("u-1", 1000), reply("g-1", 2000, &t), user("u-2", 3000)};
    r = parse(p, document("s-1", v2), 1);
    BOOST_REQUIRE(r.lines.size() == 2u);
    BOOST_TEST(r.lines[0].usage->dedup_key == "gemini:g-1");
    BOOST_TEST(r.lines[1].message->line_key == "gemini:u-2");
    // The same text again (only its mtime changed): nothing; a restart from the saved state: nothing.
    BOOST_TEST(parse(p, document("s-1", v2), 1).outcome == LineOutcome::Ignored);
    GeminiLineParser q(c, GeminiLineParser::Layout::Document);
    q.load_state(p.save_state());
    BOOST_TEST(parse(q, document("s-1", v2), 1).lines.empty());
    // Not a conversation record.
    BOOST_TEST(parse(q, "{\"sessionId\":\"s-1\"}", 1).issue == LineIssue::MissingField);
    BOOST_TEST(parse(q, "{\"sessionId\":\"s-1\",\"messages\":[", 1).issue == LineIssue::Malformed);
}

BOOST_AUTO_TEST_SUITE_END()

// The same rules through the store: what a session stores, however many times its messages are restated.
BOOST_AUTO_TEST_SUITE(gemini_store)

namespace {

struct GeminiFixture : test::WriterFixture {
    FileRecord file(const std::string& name, const std::string& kind = "session", const std::string& parent = {}) {
        FileRecord f;
        f.path = (dir / ".gemini/tmp/shop/chats" / name).string();
        f.provider = "gemini";
        f.kind = kind;
        f.project_slug = "shop";
        f.parent_session = parent;
        return writer().ensure_file(f);
    }
    std::int64_t count(const std::string& sql) { return query_int(db(), sql); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(a_reply_restated_many_times_is_one_message_and_one_growing_usage_event) {
    GeminiFixture fx;
    FileRecord f = fx.file("session-2026-11-25T12-00-s1.jsonl");
    const Tokens t{.input = 1000, .output = 50, .cached = 400, .thoughts = 30};
    json::array calls{call("c-1", "read_file", {{"file_path", "/src/a.ts"}}, "success", 3000)};
    fx.feed(f, {line(meta("s-1")), line(user("u-1", 1000)), line(reply("g-1", 2000)), line(reply("g-1", 2000, &t)),
                line(reply("g-1", 2000, &t, calls)), line(json::object{{"$set", {{"lastUpdated", test::at(3000)}}}})});
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 2);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 1);
    BOOST_TEST(fx.count("SELECT input_tokens FROM usage_events") == 600);
    BOOST_TEST(fx.count("SELECT cache_read_tokens FROM usage_events") == 400);
    BOOST_TEST(fx.count("SELECT output_tokens FROM usage_events") == 80);
    BOOST_TEST(query_text(fx.db(), "SELECT cost_source FROM usage_events") == "rate_card");
    BOOST_TEST(query_text(fx.db(), "SELECT dedup_key FROM usage_events") == "gemini:g-1");
    // The call: stored once, with its result, without a latency.
    BOOST_TEST(fx.count("SELECT count(*) FROM message_tool_mart") == 1);
    BOOST_TEST(query_text(fx.db(), "SELECT latency_ms FROM message_tool_mart") == "NULL");
    BOOST_TEST(query_text(fx.db(), "SELECT result_ts IS NOT NULL FROM message_tool_mart") == "1");
    BOOST_TEST(query_text(fx.db(), "SELECT file_path FROM message_tool_mart") == "/src/a.ts");
    BOOST_TEST(fx.count("SELECT count(*) FROM message_tool_mart t JOIN messages m ON m.id = t.message_id "
                        "WHERE m.line_key = 'gemini:g-1'") == 1);
    // Restated again later (a checkpoint, a rewind, the same copy): nothing new.
    const BatchResult again = fx.feed(f, {line(set_messages(json::array{user("u-1", 1000), reply("g-1", 2000, &t, calls)})),
                                          line(rewind_to("g-1")), line(reply("g-1", 2000, &t, calls))});
    BOOST_TEST(again.rows() == 0);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 1);
}

BOOST_AUTO_TEST_CASE(a_checkpoint_counts_the_messages_only_it_holds_and_rewound_usage_stays) {
    GeminiFixture fx;
    FileRecord f = fx.file("session-a.jsonl");
    const Tokens t{.input = 100, .output = 10};
    fx.feed(f, {line(meta("s-1")), line(user("u-1", 1000)), line(reply("g-1", 2000, &t)),
                // Rewound to g-1: it and what follows leave the conversation, not the bill.
                line(rewind_to("g-1")), line(reply("g-2", 3000, &t)),
                // A checkpoint (after compression) holding a reply never appended on its own line.
                line(set_messages(json::array{user("u-1", 1000), reply("g-2", 3000, &t), reply("g-3", 4000, &t)}))});
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 3);
    BOOST_TEST(fx.count("SELECT sum(input_tokens) FROM usage_events") == 300);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 4);
}

BOOST_AUTO_TEST_CASE(a_legacy_session_resumed_into_jsonl_is_counted_once) {
    GeminiFixture fx;
    const Tokens t{.input = 100, .output = 10};
    json::array messages{user("u-1", 1000), reply("g-1", 2000, &t), reply("g-1", 2000, &t)};  // a duplicate id
    FileRecord legacy = fx.file("session-old.json");
    fx.feed(legacy, {document("s-1", messages)});
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 1);
    // v0.39+ re-emits the whole record into <old name>.jsonl, then goes on.
    FileRecord resumed = fx.file("session-old.json.jsonl");
    fx.feed(resumed, {line(meta("s-1")), line(user("u-1", 1000)), line(reply("g-1", 2000, &t)),
                      line(user("u-2", 5000)), line(reply("g-2", 6000, &t))});
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(fx.count("SELECT count(*) FROM messages") == 4);
    BOOST_TEST(fx.count("SELECT count(*) FROM sessions") == 1);
}

BOOST_AUTO_TEST_CASE(a_subagent_file_is_stored_with_its_parent_session) {
    GeminiFixture fx;
    FileRecord main = fx.file("session-a.jsonl");
    const Tokens t{.input = 100, .output = 10};
    fx.feed(main, {line(meta("s-1")), line(user("u-1", 1000)), line(reply("g-1", 2000, &t))});
    FileRecord sub = fx.file("s-1/s-child.jsonl", "subagent", "s-1");
    fx.feed(sub, {line(meta("s-child", "subagent")), line(user("u-9", 2500)), line(reply("g-9", 3000, &t))});
    BOOST_TEST(fx.count("SELECT count(*) FROM sessions") == 1);
    BOOST_TEST(fx.count("SELECT count(*) FROM usage_events") == 2);
    BOOST_TEST(query_text(fx.db(), "SELECT agent_id FROM messages WHERE line_key = 'gemini:g-9'") == "s-child");
    BOOST_TEST(fx.count("SELECT is_sidechain FROM messages WHERE line_key = 'gemini:g-9'") == 1);
}

// The tailer's guarantee for this parser: a session read in two calls, the first ending anywhere (a partial
// line, a line in the middle of a checkpoint's records), stores exactly what one read stores.
BOOST_AUTO_TEST_CASE(a_session_read_in_two_parts_stores_what_one_read_stores) {
    const Tokens t{.input = 1000, .output = 50, .cached = 400, .thoughts = 30, .tool = 20};
    json::array calls{call("c-1", "read_file", {{"file_path", "/src/a.ts"}}, "success", 3000),
                      call("c-2", "replace", {{"file_path", "/src/a.ts"}, {"new_string", "x"}}, "error", 3500)};
    std::string text;
    for (const json::object& o :
         {meta("s-1"), user("u-1", 1000), reply("g-1", 2000), reply("g-1", 2000, &t), reply("g-1", 2000, &t, calls),
          json::object{{"$set", {{"lastUpdated", test::at(4000)}}}}, user("u-2", 5000), reply("g-2", 6000, &t),
          rewind_to("u-2"), set_messages(json::array{user("u-1", 1000), reply("g-1", 2000, &t, calls),
                                                     reply("g-3", 7000, &t)})})
        text += line(o) + "\n";
    const auto rows = [](GeminiFixture& fx) {
        std::vector<std::string> out;
        for (const char* sql : {"SELECT line_key, ts, kind, model, line_no FROM messages ORDER BY 1",
                                "SELECT dedup_key, ts, input_tokens, output_tokens, cache_read_tokens, cost_usd "
                                "FROM usage_events ORDER BY 1",
                                "SELECT tool_use_id, ts, call_index, result_ts, latency_ms, is_error, result_bytes "
                                "FROM message_tool_mart ORDER BY 1"})
            for (const std::string& r : test::flat(test::query(fx.db(), sql))) out.push_back(r);
        return out;
    };
    GeminiFixture whole;
    FileRecord wf = whole.file("session-a.jsonl");
    test::write_file(wf.path, text);
    IngestStats stats;
    BOOST_REQUIRE(TranscriptTailer(whole.writer(), stats).ingest(wf) == TailStatus::Progressed);
    const std::vector<std::string> expected = rows(whole);
    BOOST_TEST(whole.count("SELECT count(*) FROM usage_events") == 3);
    for (std::size_t split = 0; split <= text.size(); split += 23) {
        GeminiFixture fx;
        FileRecord f = fx.file("session-a.jsonl");
        test::write_file(f.path, text.substr(0, split));
        TranscriptTailer(fx.writer(), stats).ingest(f);
        fx.restart();  // the second read is a new process: the parser state comes from the store
        f = *fx.writer().find_file(f.path);
        test::write_file(f.path, text.substr(split), true);
        TranscriptTailer(fx.writer(), stats).ingest(f);
        BOOST_TEST_CONTEXT("split at byte " << split) BOOST_TEST(rows(fx) == expected, tt::per_element());
    }
}

BOOST_AUTO_TEST_SUITE_END()
