// agents/qwen/QwenLineParser: user, assistant and tool_result records; usage from usageMetadata (cached
// part of the prompt, thoughts inside or beside the candidates), one key per record, function calls and
// responses paired by id, forked copies kept with their parent session, and every kind of bad line.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "ParseLine.hpp"
#include "agents/qwen/QwenLineParser.hpp"

using namespace agentpulse;
using agentpulse::test::Parsed;
namespace json = boost::json;

namespace {

QwenLineParser parser() {
    FileContext c;
    c.project_slug = "-home-ana-src-shop";
    return QwenLineParser(std::move(c));
}

// Line 7 of its file, so that a test sees the line number carried through.
Parsed parse(QwenLineParser& p, const std::string& text) { return test::parse(p, text, 7); }

Parsed parse_one(const json::object& record) {
    QwenLineParser p = parser();
    return parse(p, json::serialize(record));
}

// A record as Qwen Code writes it (the fields every record carries).
json::object record(std::string_view type, std::string_view uuid) {
    return {{"uuid", uuid},
            {"parentUuid", "p-0"},
            {"sessionId", "s-1"},
            {"timestamp", "2026-11-25T12:00:01.250Z"},
            {"type", type},
            {"cwd", "/home/ana/src/shop"},
            {"version", "0.2.1"},
            {"gitBranch", "main"}};
}

json::object assistant(std::string_view uuid, json::object usage, json::array parts = {}) {
    json::object r = record("assistant", uuid);
    r["model"] = "qwen3-coder-plus";
    r["message"] = {{"role", "model"}, {"parts", std::move(parts)}};
    r["usageMetadata"] = std::move(usage);
    return r;
}

json::object usage(std::int64_t prompt, std::int64_t cached, std::int64_t candidates, std::int64_t thoughts,
                   std::int64_t total) {
    return {{"promptTokenCount", prompt},
            {"cachedContentTokenCount", cached},
            {"candidatesTokenCount", candidates},
            {"thoughtsTokenCount", thoughts},
            {"totalTokenCount", total}};
}

json::object call(std::string_view id, std::string_view name, json::object args) {
    return {{"functionCall", {{"id", id}, {"name", name}, {"args", std::move(args)}}}};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(qwen_parser)

BOOST_AUTO_TEST_CASE(assistant_record_gives_message_and_usage) {
    const Parsed r = parse_one(assistant("u-1", usage(12'000, 9'000, 300, 0, 12'300)));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::None);
    const ParsedLine& l = r.line;
    BOOST_TEST(l.line_no == 7);
    BOOST_TEST(l.ts == *parse_iso8601("2026-11-25T12:00:01.250Z"));
    BOOST_TEST(l.session.project_slug == "-home-ana-src-shop");
    BOOST_TEST(l.session.project_name == "shop");
    BOOST_TEST(l.session.session_id == "s-1");
    BOOST_TEST(l.session.git_branch == "main");
    BOOST_TEST(l.session.cli_version == "0.2.1");
    BOOST_REQUIRE(l.message);
    BOOST_TEST(l.message->line_key == "qwen:u-1");
    BOOST_TEST(l.message->parent_key == "qwen:p-0");
    BOOST_TEST(l.message->kind == "assistant");
    BOOST_TEST(l.message->role == "assistant");
    BOOST_TEST(l.message->model == "qwen3-coder-plus");
    BOOST_REQUIRE(l.usage);
    BOOST_TEST(l.usage->dedup_key == "qwen:u-1");
    BOOST_TEST(!l.usage->grows);
    BOOST_TEST(l.usage->model == "qwen3-coder-plus");
    // The prompt count includes the cached part: 3,000 fresh input, 9,000 read from the cache.
    BOOST_TEST(l.usage->tokens.input == 3'000);
    BOOST_TEST(l.usage->tokens.cache_read == 9'000);
    BOOST_TEST(l.usage->tokens.output == 300);
    BOOST_TEST(l.usage->tokens.cache_create == 0);
    BOOST_TEST(l.usage->tokens.reasoning == 0);
}

BOOST_AUTO_TEST_CASE(thoughts_inside_or_beside_the_candidates) {
    // OpenAI-compatible backends: completion tokens (the candidates) include the reasoning; the total is
    // prompt + candidates.
    Parsed r = parse_one(assistant("u-1", usage(1'000, 0, 500, 200, 1'500)));
    BOOST_REQUIRE(r.line.usage);
    BOOST_TEST(r.line.usage->tokens.output == 500);
    BOOST_TEST(r.line.usage->tokens.reasoning == 200);
    // Gemini's API counts thoughts beside the candidates; the total covers both, and both are output.
    r = parse_one(assistant("u-2", usage(1'000, 0, 500, 200, 1'700)));
    BOOST_REQUIRE(r.line.usage);
    BOOST_TEST(r.line.usage->tokens.output == 700);
    BOOST_TEST(r.line.usage->tokens.reasoning == 200);
    // Tool-use prompt tokens are input too.
    json::object u = usage(1'000, 400, 50, 0, 1'150);
    u["toolUsePromptTokenCount"] = 100;
    r = parse_one(assistant("u-3", u));
    BOOST_REQUIRE(r.line.usage);
    BOOST_TEST(r.line.usage->tokens.input == 700);
    BOOST_TEST(r.line.usage->tokens.cache_read == 400);
}

BOOST_AUTO_TEST_CASE(records_without_usage_are_not_billed) {
    json::object a = assistant("u-1", {});
    a.erase("usageMetadata");
    Parsed r = parse_one(a);
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(!r.line.usage);
    r = parse_one(assistant("u-2", usage(0, 0, 0, 0, 0)));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(!r.line.usage);
    // usageMetadata that is not an object: the line is kept, the problem reported, nothing billed.
    a = assistant("u-3", {});
    a["usageMetadata"] = "lots";
    r = parse_one(a);
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::MissingField);
    BOOST_TEST(!r.line.usage);
}

BOOST_AUTO_TEST_CASE(absurd_counts_are_not_billed_but_the_record_is_kept) {
    Parsed r = parse_one(assistant("u-1", usage(1'000'000'000'000, 0, 5, 0, 0)));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::AbsurdTokens);
    BOOST_TEST(!r.line.usage);
    r = parse_one(assistant("u-2", usage(-5, 0, 10, 0, 0)));
    BOOST_TEST(r.issue == LineIssue::AbsurdTokens);
    BOOST_TEST(!r.line.usage);
    json::object u = usage(100, 0, 10, 0, 110);
    u["candidatesTokenCount"] = "ten";
    r = parse_one(assistant("u-3", u));
    BOOST_TEST(r.issue == LineIssue::MissingField);
    BOOST_REQUIRE(r.line.usage);  // what is readable is still counted
    BOOST_TEST(r.line.usage->tokens.input == 100);
    BOOST_TEST(r.line.usage->tokens.output == 0);
}

BOOST_AUTO_TEST_CASE(function_calls_with_paths_and_written_bytes) {
    json::array parts{{{"text", "I will edit it."}},
                      call("call_1", "write_file", {{"file_path", "/src/a.ts"}, {"content", "12345"}}),
                      call("call_2", "edit", {{"file_path", "/src/b.ts"}, {"old_string", "x"}, {"new_string", "abc"}}),
                      call("call_3", "read_file", {{"absolute_path", "/src/c.ts"}}),
                      call("call_4", "run_shell_command", {{"command", "ls"}}),
                      call("", "no_id", {}),
                      {{"thought", true}, {"text", "thinking"}}};
    const Parsed r = parse_one(assistant("u-1", usage(10, 0, 5, 0, 15), parts));
    BOOST_REQUIRE(r.line.tool_calls.size() == 4u);
    const auto& c = r.line.tool_calls;
    BOOST_TEST(c[0].tool_use_id == "call_1");
    BOOST_TEST(c[0].tool_name == "write_file");
    BOOST_TEST(*c[0].file_path == "/src/a.ts");
    BOOST_TEST(*c[0].byte_count == 5);
    BOOST_TEST(*c[1].file_path == "/src/b.ts");
    BOOST_TEST(*c[1].byte_count == 3);
    BOOST_TEST(*c[2].file_path == "/src/c.ts");
    BOOST_TEST(!c[2].byte_count);
    BOOST_TEST(c[3].tool_name == "run_shell_command");
    BOOST_TEST(!c[3].file_path);
}

BOOST_AUTO_TEST_CASE(tool_results_pair_by_id_with_errors_and_sizes) {
    json::object ok = record("tool_result", "u-2");
    ok["message"] = {{"role", "user"},
                     {"parts", json::array{{{"functionResponse",
                                             {{"id", "call_1"}, {"name", "write_file"}, {"response", {{"output", "done!"}}}}}}}}};
    ok["toolCallResult"] = {{"callId", "call_1"}, {"status", "success"}};
    Parsed r = parse_one(ok);
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.line.message->kind == "tool_result");
    BOOST_TEST(r.line.message->role == "user");
    BOOST_REQUIRE(r.line.tool_results.size() == 1u);
    BOOST_TEST(r.line.tool_results[0].tool_use_id == "call_1");
    BOOST_TEST(!r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.tool_results[0].result_bytes == 5);

    json::object failed = record("tool_result", "u-3");
    failed["message"] = {{"role", "user"},
                         {"parts", json::array{{{"functionResponse",
                                                 {{"id", "call_2"}, {"response", {{"error", "no such file"}}}}}}}}};
    failed["toolCallResult"] = {{"callId", "call_2"}, {"status", "error"}, {"error", {{"message", "no such file"}}}};
    r = parse_one(failed);
    BOOST_REQUIRE(r.line.tool_results.size() == 1u);
    BOOST_TEST(r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.tool_results[0].result_bytes == 12);

    // No functionResponse part: the result is toolCallResult's.
    json::object bare = record("tool_result", "u-4");
    bare["toolCallResult"] = {{"callId", "call_3"}, {"status", "cancelled"}};
    r = parse_one(bare);
    BOOST_REQUIRE(r.line.tool_results.size() == 1u);
    BOOST_TEST(r.line.tool_results[0].tool_use_id == "call_3");
    BOOST_TEST(!r.line.tool_results[0].is_error);
}

BOOST_AUTO_TEST_CASE(forked_copies_stay_with_the_parent_session) {
    // /branch copies the parent's records verbatim (same uuid) with the new sessionId and forkedFrom.
    json::object copy = assistant("u-1", usage(1'000, 0, 10, 0, 1'010));
    copy["sessionId"] = "s-fork";
    copy["forkedFrom"] = {{"sessionId", "s-1"}, {"messageUuid", "u-1"}};
    const Parsed original = parse_one(assistant("u-1", usage(1'000, 0, 10, 0, 1'010)));
    const Parsed copied = parse_one(copy);
    BOOST_TEST(copied.line.session.session_id == "s-1");
    BOOST_TEST(copied.line.message->line_key == original.line.message->line_key);
    BOOST_REQUIRE(copied.line.usage);
    BOOST_TEST(copied.line.usage->dedup_key == original.line.usage->dedup_key);
    // What the fork adds afterwards is the fork's own.
    json::object own = assistant("u-9", usage(1'000, 0, 10, 0, 1'010));
    own["sessionId"] = "s-fork";
    BOOST_TEST(parse_one(own).line.session.session_id == "s-fork");
}

BOOST_AUTO_TEST_CASE(sidechain_records_keep_their_agent) {
    json::object a = assistant("u-1", usage(10, 0, 5, 0, 15));
    a["isSidechain"] = true;
    a["agentId"] = "explore-7f3c";
    const Parsed r = parse_one(a);
    BOOST_TEST(r.line.message->is_sidechain);
    BOOST_TEST(r.line.message->agent_id == "explore-7f3c");
    BOOST_TEST(r.line.session.session_id == "s-1");
}

BOOST_AUTO_TEST_CASE(system_and_unknown_records_are_ignored_silently) {
    json::object telemetry = record("system", "u-5");
    telemetry["subtype"] = "ui_telemetry";
    telemetry["systemPayload"] = {{"uiEvent", {{"event.name", "qwen-code.api_response"}, {"input_token_count", 1000}}}};
    for (const json::object& o : {telemetry, record("summary", "u-6"), json::object{{"type", 5}}}) {
        const Parsed r = parse_one(o);
        BOOST_TEST(r.outcome == LineOutcome::Ignored);
        BOOST_TEST(r.issue == LineIssue::None);
    }
}

BOOST_AUTO_TEST_CASE(malformed_and_incomplete_records) {
    QwenLineParser p = parser();
    for (const char* bad : {"{", "[1,2]", "\"text\"", "{\"type\":\"assistant\""}) {
        const Parsed r = parse(p, bad);
        BOOST_TEST(r.outcome == LineOutcome::Rejected);
        BOOST_TEST(r.issue == LineIssue::Malformed);
    }
    json::object no_session = record("user", "u-1");
    no_session.erase("sessionId");
    Parsed r = parse_one(no_session);
    BOOST_TEST(r.outcome == LineOutcome::Rejected);
    BOOST_TEST(r.issue == LineIssue::MissingField);
    // A record without a uuid still gets a stable key of its own.
    json::object no_uuid = record("user", "");
    const std::string text = json::serialize(no_uuid);
    QwenLineParser p1 = parser(), p2 = parser();
    const Parsed a = parse(p1, text), b = parse(p2, text);
    BOOST_TEST(a.outcome == LineOutcome::Record);
    BOOST_TEST(a.line.message->line_key.starts_with("qwen:line:"));
    BOOST_TEST(a.line.message->line_key == b.line.message->line_key);
}

BOOST_AUTO_TEST_CASE(missing_timestamps_take_the_previous_one_across_a_restart) {
    QwenLineParser p = parser();
    json::object first = record("user", "u-1");
    json::object second = record("user", "u-2");
    second.erase("timestamp");
    // The very first record has no earlier time to take: rejected.
    Parsed r = parse(p, json::serialize(second));
    BOOST_TEST(r.outcome == LineOutcome::Rejected);
    BOOST_TEST(r.issue == LineIssue::NoTimestamp);
    BOOST_TEST(parse(p, json::serialize(first)).outcome == LineOutcome::Record);
    // Saved with the offset and restored: the next record without a time takes the same one.
    QwenLineParser restored = parser();
    restored.load_state(p.save_state());
    r = parse(restored, json::serialize(second));
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::NoTimestamp);
    BOOST_TEST(r.line.ts == *parse_iso8601("2026-11-25T12:00:01.250Z"));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_repaired_and_reported) {
    json::object a = record("user", "u-1");
    a["cwd"] = "/home/ana/caf\xe9";
    std::string text = json::serialize(a);
    QwenLineParser p = parser();
    const Parsed r = parse(p, text);
    BOOST_TEST(r.outcome == LineOutcome::Record);
    BOOST_TEST(r.issue == LineIssue::InvalidUtf8);
    BOOST_TEST(r.line.session.cwd == "/home/ana/caf\xef\xbf\xbd");
}

BOOST_AUTO_TEST_SUITE_END()
