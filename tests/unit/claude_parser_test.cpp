// agents/claude/ClaudeLineParser: messages, one usage key per API response, cache-write breakdown, tool calls and
// results with paths and byte counts, sub-agent attribution, and every kind of bad line.
#include <boost/test/unit_test.hpp>
#include <set>

#include "ParseLine.hpp"
#include "Transcripts.hpp"
#include "agents/claude/ClaudeLineParser.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;

namespace {

FileContext project_ctx() {
    FileContext c;
    c.project_slug = "-home-ana-src-shop";
    return c;
}

Parsed parse_one(std::string_view text) {
    ClaudeLineParser p(project_ctx());
    return parse(p, text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(claude_parser)

BOOST_AUTO_TEST_CASE(assistant_line_gives_message_and_usage) {
    Assistant a;
    a.uuid = "u-1";
    a.msg_id = "msg_01";
    a.request_id = "req_01";
    a.usage = Usage{12, 340, 5000, 3000, 1000, 2000, "standard"};
    a.parent_uuid = "u-0";
    a.ts = "2026-11-25T12:00:01.250Z";
    const Parsed r = parse_one(claude_assistant(a));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::None);
    const ParsedLine& l = r.line;
    BOOST_TEST(l.line_no == 1);
    BOOST_TEST(l.ts == *parse_iso8601("2026-11-25T12:00:01.250Z"));
    BOOST_TEST(l.session.project_slug == "-home-ana-src-shop");
    BOOST_TEST(l.session.project_name == "shop");
    BOOST_TEST(l.session.cwd == "/home/ana/src/shop");
    BOOST_TEST(l.session.session_id == "sess-1");
    BOOST_TEST(l.session.git_branch == "main");
    BOOST_TEST(l.session.cli_version == "2.1.3");
    BOOST_REQUIRE(l.message);
    BOOST_TEST(l.message->line_key == "u-1");
    BOOST_TEST(l.message->parent_key == "u-0");
    BOOST_TEST(l.message->kind == "assistant");
    BOOST_TEST(l.message->role == "assistant");
    BOOST_TEST(l.message->model == "claude-sonnet-4-5-20250929");
    BOOST_TEST(l.message->api_message_id == "msg_01");
    BOOST_TEST(l.message->request_id == "req_01");
    BOOST_REQUIRE(l.usage);
    BOOST_TEST(l.usage->dedup_key == "claude:msg_01:req_01");
    BOOST_TEST(l.usage->model == "claude-sonnet-4-5-20250929");
    BOOST_TEST(l.usage->grows);
    BOOST_TEST(l.usage->service_tier == "standard");
    BOOST_TEST(l.usage->tokens.input == 12);
    BOOST_TEST(l.usage->tokens.output == 340);
    BOOST_TEST(l.usage->tokens.cache_read == 5000);
    BOOST_TEST(l.usage->tokens.cache_create == 3000);
    BOOST_TEST(l.usage->tokens.cache_create_1h == 2000);
    BOOST_TEST(l.usage->tokens.cache_create_5m() == 1000);
    BOOST_TEST(l.tool_calls.empty());
    BOOST_TEST(l.tool_results.empty());
}

BOOST_AUTO_TEST_CASE(cache_write_breakdown_variants) {
    Assistant a;
    a.uuid = "u";
    // Older lines: no breakdown; all writes count as 5-minute writes.
    a.usage = Usage{1, 1, 0, 700};
    BOOST_TEST(parse_one(claude_assistant(a)).line.usage->tokens.cache_create == 700);
    BOOST_TEST(parse_one(claude_assistant(a)).line.usage->tokens.cache_create_1h == 0);
    // A breakdown larger than the total (inconsistent writer): never less than the parts.
    a.usage = Usage{1, 1, 0, 100, 300, 200};
    const TokenCounts t = parse_one(claude_assistant(a)).line.usage->tokens;
    BOOST_TEST(t.cache_create == 500);
    BOOST_TEST(t.cache_create_1h == 200);
}

BOOST_AUTO_TEST_CASE(lines_of_one_response_share_a_key) {
    ClaudeLineParser p(project_ctx());
    Assistant a;
    a.msg_id = "msg_split";
    a.request_id = "req_split";
    std::set<std::string> keys;
    for (int i = 0; i < 4; ++i) {
        a.uuid = "u-" + std::to_string(i);
        a.ts = at(i * 500);
        a.usage = Usage{3, i == 3 ? 299 : 10, 100, 0};
        const Parsed r = parse(p, claude_assistant(a), i + 1);
        BOOST_REQUIRE(r.line.usage);
        keys.insert(r.line.usage->dedup_key);
        BOOST_TEST(r.line.message->line_key == a.uuid);  // each line is its own message row
    }
    BOOST_TEST(keys.size() == 1u);
    // A gateway that omits requestId: still one key per message.id.
    a.request_id.clear();
    a.uuid = "u-x";
    BOOST_TEST(parse(p, claude_assistant(a)).line.usage->dedup_key == "claude:msg_split:");
    // No message.id at all: the line is its own response.
    a.msg_id.clear();
    BOOST_TEST(parse(p, claude_assistant(a)).line.usage->dedup_key == "claude:line:u-x");
}

BOOST_AUTO_TEST_CASE(synthetic_and_zero_usage_lines_are_not_billed) {
    Assistant a;
    a.uuid = "u-syn";
    a.model = "<synthetic>";
    a.usage = Usage{0, 0, 0, 0};
    Parsed r = parse_one(claude_assistant(a));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.line.message.has_value());
    BOOST_TEST(!r.line.usage.has_value());
    a.usage = Usage{10, 10, 0, 0};  // synthetic with counts: still not a billable response
    BOOST_TEST(!parse_one(claude_assistant(a)).line.usage.has_value());
    a.model = "claude-sonnet-4-5";
    a.usage = Usage{0, 0, 0, 0};
    BOOST_TEST(!parse_one(claude_assistant(a)).line.usage.has_value());
    a.usage.reset();  // no usage object at all
    r = parse_one(claude_assistant(a));
    BOOST_TEST(!r.line.usage.has_value());
    BOOST_TEST(r.issue == LineIssue::None);
}

BOOST_AUTO_TEST_CASE(fast_tier_is_read_from_service_tier_or_speed) {
    Assistant a;
    a.uuid = "u";
    a.usage = Usage{1, 1, 0, 0, {}, {}, "priority"};
    BOOST_TEST(parse_one(claude_assistant(a)).line.usage->service_tier == "priority");
    json::value v = json::parse(claude_assistant(a));
    v.at("message").at("usage").as_object()["service_tier"] = "standard";
    v.at("message").at("usage").as_object()["speed"] = "fast";
    BOOST_TEST(parse_one(json::serialize(v)).line.usage->service_tier == "priority");
}

BOOST_AUTO_TEST_CASE(tool_calls_with_paths_and_written_bytes) {
    Assistant a;
    a.uuid = "u-tools";
    a.tools = {
        {"toolu_w", "Write", {{"file_path", "/p/a.txt"}, {"content", "h\xC3\xA9llo"}}},  // 6 bytes of UTF-8
        {"toolu_e", "Edit", {{"file_path", "/p/b.txt"}, {"old_string", "x"}, {"new_string", "abc"}}},
        {"toolu_m",
         "MultiEdit",
         {{"file_path", "/p/c.txt"},
          {"edits", json::array{json::object{{"new_string", "12"}}, json::object{{"new_string", "345"}}}}}},
        {"toolu_n", "NotebookEdit", {{"notebook_path", "/p/n.ipynb"}, {"new_source", "print(1)"}}},
        {"toolu_r", "Read", {{"file_path", "/p/d.txt"}}},
        {"toolu_g", "Grep", {{"pattern", "x"}, {"path", "/p"}}},
        {"toolu_b", "Bash", {{"command", "ls"}}},
    };
    const Parsed r = parse_one(claude_assistant(a));
    BOOST_REQUIRE(r.line.tool_calls.size() == 7u);
    const auto& c = r.line.tool_calls;
    BOOST_TEST(c[0].tool_use_id == "toolu_w");
    BOOST_TEST(c[0].tool_name == "Write");
    BOOST_TEST(*c[0].file_path == "/p/a.txt");
    BOOST_TEST(*c[0].byte_count == 6);
    BOOST_TEST(*c[1].byte_count == 3);
    BOOST_TEST(*c[2].byte_count == 5);
    BOOST_TEST(*c[3].file_path == "/p/n.ipynb");
    BOOST_TEST(*c[3].byte_count == 8);
    BOOST_TEST(*c[4].file_path == "/p/d.txt");
    BOOST_TEST(!c[4].byte_count.has_value());  // read-type tools get the result's size later
    BOOST_TEST(*c[5].file_path == "/p");
    BOOST_TEST(!c[6].file_path.has_value());
    BOOST_TEST(!c[6].byte_count.has_value());
}

BOOST_AUTO_TEST_CASE(tool_results_with_sizes_and_errors) {
    ClaudeLineParser p(project_ctx());
    Parsed r = parse(p, claude_result("u-r1", "sess-1", at(1000), "toolu_1", "12345"));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_REQUIRE(r.line.tool_results.size() == 1u);
    BOOST_TEST(r.line.tool_results[0].tool_use_id == "toolu_1");
    BOOST_TEST(r.line.tool_results[0].result_bytes == 5);
    BOOST_TEST(!r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.message->kind == "tool_result");
    BOOST_TEST(r.line.message->role == "user");
    r = parse(p, claude_result("u-r2", "sess-1", at(2000), "toolu_2", "no such file", true, true));
    BOOST_TEST(r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.tool_results[0].result_bytes == 12);
    // A plain user prompt is a message with no results.
    r = parse(p, claude_user("u-p", "sess-1", at(3000), "hello"));
    BOOST_TEST(r.line.message->kind == "user");
    BOOST_TEST(r.line.tool_results.empty());
    BOOST_TEST(!r.line.usage.has_value());
}

BOOST_AUTO_TEST_CASE(unknown_line_types_are_ignored_silently) {
    for (const char* line :
         {R"({"type":"summary","summary":"x","leafUuid":"u"})",
          R"({"type":"file-history-snapshot","snapshot":{}})", R"({"type":"progress","data":{}})",
          R"({"type":"queue-operation"})", R"({"type":"hologram","x":[1,2]})", R"({"no_type":true})",
          R"({"type":"system","content":"compacted","timestamp":"2026-11-25T12:00:00Z"})"}) {
        const Parsed r = parse_one(line);
        BOOST_TEST((r.outcome == LineOutcome::Ignored), line);
        BOOST_TEST((r.issue == LineIssue::None), line);
    }
}

BOOST_AUTO_TEST_CASE(malformed_lines_are_rejected) {
    for (const char* line : {"{\"type\":\"assistant\"", "not json", "[1,2,3]", "42", "\"text\"",
                             "{} trailing", "{\"type\":\"user\",}"}) {
        const Parsed r = parse_one(line);
        BOOST_TEST((r.outcome == LineOutcome::Rejected), line);
        BOOST_TEST((r.issue == LineIssue::Malformed), line);
    }
}

BOOST_AUTO_TEST_CASE(missing_and_wrongly_typed_fields) {
    Assistant a;
    a.uuid = "u";
    json::value good = json::parse(claude_assistant(a));

    // message not an object: nothing usable.
    json::value v = good;
    v.as_object()["message"] = "oops";
    Parsed r = parse_one(json::serialize(v));
    BOOST_TEST((r.outcome == LineOutcome::Rejected));
    BOOST_TEST((r.issue == LineIssue::MissingField));

    // no sessionId: cannot be attributed.
    v = good;
    v.as_object().erase("sessionId");
    r = parse_one(json::serialize(v));
    BOOST_TEST((r.outcome == LineOutcome::Rejected));
    BOOST_TEST((r.issue == LineIssue::MissingField));

    // sessionId of the wrong type is as good as missing.
    v = good;
    v.as_object()["sessionId"] = 17;
    BOOST_TEST((parse_one(json::serialize(v)).issue == LineIssue::MissingField));

    // A token count of the wrong type: the line is kept, the problem reported.
    v = good;
    v.at("message").at("usage").as_object()["output_tokens"] = "5";
    r = parse_one(json::serialize(v));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST((r.issue == LineIssue::MissingField));
    BOOST_TEST(r.line.message.has_value());

    // usage of the wrong type: reported, nothing billed.
    v = good;
    v.at("message").as_object()["usage"] = json::array{1, 2};
    r = parse_one(json::serialize(v));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST((r.issue == LineIssue::MissingField));
    BOOST_TEST(!r.line.usage.has_value());

    // content of the wrong type: the message and usage stay.
    v = good;
    v.at("message").as_object()["content"] = 5;
    r = parse_one(json::serialize(v));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST(r.line.usage.has_value());

    // Integral doubles are integers; fractional ones are not.
    v = good;
    v.at("message").at("usage").as_object()["input_tokens"] = 12.0;
    r = parse_one(json::serialize(v));
    BOOST_TEST(r.line.usage->tokens.input == 12);
    BOOST_TEST((r.issue == LineIssue::None));
}

BOOST_AUTO_TEST_CASE(absurd_token_counts_are_not_billed_but_the_line_is_kept) {
    Assistant a;
    a.uuid = "u";
    a.tools = {{"toolu_keep", "Read", {{"file_path", "/x"}}}};
    for (const Usage& u :
         {Usage{1, 1'000'000'000'000, 0, 0}, Usage{-5, 10, 0, 0}, Usage{1, 1, 0, 60'000'000}}) {
        a.usage = u;
        const Parsed r = parse_one(claude_assistant(a));
        BOOST_TEST((r.outcome == LineOutcome::Record));
        BOOST_TEST((r.issue == LineIssue::AbsurdTokens));
        BOOST_TEST(!r.line.usage.has_value());
        BOOST_REQUIRE(r.line.message.has_value());
        BOOST_TEST(r.line.message->tokens.empty());
        BOOST_TEST(r.line.tool_calls.size() == 1u);  // the good part of the line survives
    }
    // A huge integer that does not fit int64 reads as absent, not as a wrapped negative number.
    json::value v = json::parse(claude_assistant(a));
    v.at("message").at("usage").as_object()["output_tokens"] = 18'446'744'073'709'551'615ull;
    const Parsed r = parse_one(json::serialize(v));
    BOOST_TEST(r.line.message->tokens.output == 0);
}

BOOST_AUTO_TEST_CASE(timestamps_missing_or_bad) {
    ClaudeLineParser p(project_ctx());
    Assistant a;
    a.uuid = "u1";
    a.ts = "yesterday";
    // No earlier line to borrow a time from: rejected.
    Parsed r = parse(p, claude_assistant(a));
    BOOST_TEST((r.outcome == LineOutcome::Rejected));
    BOOST_TEST((r.issue == LineIssue::NoTimestamp));
    a.ts = "2026-11-25T13:00:00.500+01:00";  // offsets normalise to UTC
    r = parse(p, claude_assistant(a), 2);
    BOOST_TEST(format_iso8601(r.line.ts) == "2026-11-25T12:00:00.500Z");
    // Later lines without a time take the last good one and say so.
    a.uuid = "u3";
    a.ts = "";
    r = parse(p, claude_assistant(a), 3);
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST((r.issue == LineIssue::NoTimestamp));
    BOOST_TEST(format_iso8601(r.line.ts) == "2026-11-25T12:00:00.500Z");

    // The last good time survives a save/load (a restart between the two lines).
    ClaudeLineParser q(project_ctx());
    q.load_state(p.save_state());
    r = parse(q, claude_assistant(a), 4);
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST(format_iso8601(r.line.ts) == "2026-11-25T12:00:00.500Z");
    ClaudeLineParser fresh(project_ctx());
    BOOST_TEST(fresh.save_state().empty());
    fresh.load_state("{broken");
    BOOST_TEST((parse(fresh, claude_assistant(a)).outcome == LineOutcome::Rejected));
}

BOOST_AUTO_TEST_CASE(sub_agent_lines_belong_to_the_parent_session) {
    FileContext ctx = project_ctx();
    ctx.parent_session = "parent-sess";
    ctx.agent_id = "a1b2";
    ClaudeLineParser p(ctx);
    Assistant a;
    a.uuid = "u-sub";
    a.session = "its-own-id";
    a.sidechain = true;
    const Parsed r = parse(p, claude_assistant(a));
    BOOST_TEST(r.line.session.session_id == "parent-sess");
    BOOST_TEST(r.line.message->is_sidechain);
    BOOST_TEST(r.line.message->agent_id == "a1b2");
    BOOST_TEST(r.line.usage.has_value());
    // The line's own agentId wins over the file name.
    json::value v = json::parse(claude_assistant(a));
    v.as_object()["agentId"] = "from-line";
    BOOST_TEST(parse(p, json::serialize(v)).line.message->agent_id == "from-line");
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_repaired_and_reported) {
    Assistant a;
    a.uuid = "u-utf";
    a.cwd = "/home/ana/src/CAFE";
    a.tools = {{"toolu_u", "Read", {{"file_path", "/p/FILE"}}}};
    std::string text = claude_assistant(a);
    text.replace(text.find("CAFE"), 4, "caf\xE9");     // Latin-1 byte: invalid UTF-8
    text.replace(text.find("FILE"), 4, "f\xC3\x28x");  // broken two-byte sequence
    const Parsed r = parse_one(text);
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST((r.issue == LineIssue::InvalidUtf8));
    BOOST_TEST(r.line.session.cwd == "/home/ana/src/caf\xEF\xBF\xBD");
    BOOST_TEST(r.line.session.project_name == "caf\xEF\xBF\xBD");
    BOOST_TEST(*r.line.tool_calls.at(0).file_path == "/p/f\xEF\xBF\xBD(x");
    BOOST_TEST(r.line.usage.has_value());
}

BOOST_AUTO_TEST_CASE(line_without_uuid_gets_a_stable_key) {
    Assistant a;
    a.uuid = "";
    json::value v = json::parse(claude_assistant(a));
    v.as_object().erase("uuid");
    const std::string text = json::serialize(v);
    const Parsed r1 = parse_one(text), r2 = parse_one(text);
    BOOST_TEST(r1.line.message->line_key.starts_with("claude:line:"));
    BOOST_TEST(r1.line.message->line_key == r2.line.message->line_key);
    v.as_object()["timestamp"] = at(1);
    BOOST_TEST(parse_one(json::serialize(v)).line.message->line_key != r1.line.message->line_key);
}

BOOST_AUTO_TEST_SUITE_END()
