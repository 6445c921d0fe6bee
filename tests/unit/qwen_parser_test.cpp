// agents/qwen/QwenLineParser: user, assistant and tool_result records; usage from usageMetadata (cached
// part of the prompt, thoughts inside or beside the candidates), one key per record, function calls and
// responses paired by id, forked copies kept with their parent session, and every kind of bad line.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "ParseLine.hpp"
#include "WriterFixture.hpp"
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

json::object at(json::object r, std::string_view ts) {
    r["timestamp"] = ts;
    return r;
}

// A tool_result record answering call `id`.
json::object result(std::string_view uuid, std::string_view id, std::string_view name, std::string_view ts) {
    json::object r = at(record("tool_result", uuid), ts);
    r["message"] = {{"role", "user"},
                    {"parts", json::array{{{"functionResponse", {{"id", id}, {"name", name}, {"response", {{"output", "ok"}}}}}}}}};
    r["toolCallResult"] = {{"callId", id}, {"status", "success"}};
    return r;
}

// A ui_telemetry copy of a qwen-code.tool_call event: no call id, the function's name and arguments.
json::object tool_telemetry(std::string_view uuid, std::string_view name, json::object args, json::value duration,
                            std::string_view ts = "2026-11-25T12:00:03.000Z") {
    json::object r = at(record("system", uuid), ts);
    r["subtype"] = "ui_telemetry";
    r["systemPayload"] = {{"uiEvent",
                           {{"event.name", "qwen-code.tool_call"},
                            {"event.timestamp", ts},
                            {"function_name", name},
                            {"function_args", std::move(args)},
                            {"duration_ms", std::move(duration)},
                            {"status", "success"},
                            {"success", true},
                            {"prompt_id", "s-1########1"},
                            {"tool_type", "native"}}}};
    return r;
}

json::object read_args(std::string_view path) { return {{"absolute_path", path}}; }

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

// ui_telemetry qwen-code.tool_call records carry the call's duration_ms but no call id: paired with the one
// recent call of the same agent, function and arguments; the result then takes it as its latency.
BOOST_AUTO_TEST_CASE(tool_call_telemetry_before_the_result_gives_the_latency) {
    QwenLineParser p = parser();
    parse(p, json::serialize(assistant("u-1", usage(10, 0, 5, 0, 15),
                                       {call("c-1", "read_file", read_args("/a")), call("c-2", "read_file", read_args("/b"))})));
    Parsed t = parse(p, json::serialize(tool_telemetry("u-2", "read_file", read_args("/b"), 840)));
    BOOST_TEST(t.outcome == LineOutcome::Ignored);  // remembered, nothing to store yet
    BOOST_TEST(t.issue == LineIssue::None);
    // Across a restart: the duration waits in the saved state.
    QwenLineParser q = parser();
    q.load_state(p.save_state());
    Parsed r1 = parse(q, json::serialize(result("u-3", "c-1", "read_file", "2026-11-25T12:00:04.000Z")));
    Parsed r2 = parse(q, json::serialize(result("u-4", "c-2", "read_file", "2026-11-25T12:00:04.000Z")));
    BOOST_REQUIRE(r1.line.tool_results.size() == 1u);
    BOOST_REQUIRE(r2.line.tool_results.size() == 1u);
    BOOST_TEST(!r1.line.tool_results[0].latency_ms);  // no telemetry for it: timestamps, as before
    BOOST_TEST(*r2.line.tool_results[0].latency_ms == 840);
    BOOST_TEST(r2.line.tool_latencies.empty());
}

BOOST_AUTO_TEST_CASE(tool_call_telemetry_after_the_result_sets_the_stored_latency) {
    QwenLineParser p = parser();
    parse(p, json::serialize(assistant("u-1", usage(10, 0, 5, 0, 15), {call("c-1", "read_file", read_args("/a"))})));
    const Parsed r = parse(p, json::serialize(result("u-2", "c-1", "read_file", "2026-11-25T12:00:04.000Z")));
    BOOST_TEST(!r.line.tool_results.at(0).latency_ms);
    QwenLineParser q = parser();
    q.load_state(p.save_state());
    const Parsed t = parse(q, json::serialize(tool_telemetry("u-3", "read_file", read_args("/a"), 1'200)));
    BOOST_TEST(t.outcome == LineOutcome::Record);
    BOOST_TEST(!t.line.message);
    BOOST_TEST(t.line.session.session_id == "s-1");
    BOOST_REQUIRE(t.line.tool_latencies.size() == 1u);
    BOOST_TEST(t.line.tool_latencies[0].tool_use_id == "c-1");
    BOOST_TEST(t.line.tool_latencies[0].latency_ms == 1'200);
    // Paired once: the same event again names no call.
    BOOST_TEST(parse(q, json::serialize(tool_telemetry("u-4", "read_file", read_args("/a"), 1'200))).outcome ==
               LineOutcome::Ignored);
}

BOOST_AUTO_TEST_CASE(tool_call_telemetry_is_never_guessed) {
    QwenLineParser p = parser();
    // The same function with the same arguments twice: either call could be meant.
    parse(p, json::serialize(assistant("u-1", usage(10, 0, 5, 0, 15),
                                       {call("c-1", "read_file", read_args("/a")), call("c-2", "read_file", read_args("/a"))})));
    for (const char* uuid : {"u-2", "u-3"})
        BOOST_TEST(parse(p, json::serialize(tool_telemetry(uuid, "read_file", read_args("/a"), 300))).outcome ==
                   LineOutcome::Ignored);
    for (const char* id : {"c-1", "c-2"})
        BOOST_TEST(!parse(p, json::serialize(result("u-4", id, "read_file", "2026-11-25T12:00:04.000Z")))
                        .line.tool_results.at(0)
                        .latency_ms);
    // Another agent's call (a sub-agent's record carries its agentId), other arguments, another function, a
    // bad duration, other events: none pairs.
    json::object sub = assistant("u-5", usage(10, 0, 5, 0, 15), {call("c-3", "read_file", read_args("/b"))});
    sub["agentId"] = "explore-7f3c";
    sub["isSidechain"] = true;
    parse(p, json::serialize(sub));
    parse(p, json::serialize(assistant("u-6", usage(10, 0, 5, 0, 15), {call("c-4", "glob", {{"pattern", "*.ts"}})})));
    json::object api = tool_telemetry("u-7", "glob", {{"pattern", "*.ts"}}, 10);
    api["systemPayload"].as_object()["uiEvent"].as_object()["event.name"] = "qwen-code.api_response";
    for (const json::object& t :
         {tool_telemetry("u-8", "read_file", read_args("/b"), 10), tool_telemetry("u-9", "read_file", read_args("/c"), 10),
          tool_telemetry("u-10", "read_many_files", read_args("/b"), 10), tool_telemetry("u-11", "glob", {{"pattern", "*.ts"}}, -5),
          tool_telemetry("u-12", "glob", {{"pattern", "*.ts"}}, "10"), api}) {
        const Parsed r = parse(p, json::serialize(t));
        BOOST_TEST(r.outcome == LineOutcome::Ignored);
        BOOST_TEST(r.issue == LineIssue::None);
    }
    BOOST_TEST(!parse(p, json::serialize(result("u-13", "c-3", "read_file", "2026-11-25T12:00:04.000Z")))
                    .line.tool_results.at(0)
                    .latency_ms);
    BOOST_TEST(!parse(p, json::serialize(result("u-14", "c-4", "glob", "2026-11-25T12:00:04.000Z")))
                    .line.tool_results.at(0)
                    .latency_ms);
    // The sub-agent's own telemetry record (with its agentId) is its call's.
    QwenLineParser q = parser();
    parse(q, json::serialize(sub));
    json::object t = tool_telemetry("u-15", "read_file", read_args("/b"), 77);
    t["agentId"] = "explore-7f3c";
    parse(q, json::serialize(t));
    BOOST_TEST(*parse(q, json::serialize(result("u-16", "c-3", "read_file", "2026-11-25T12:00:04.000Z")))
                    .line.tool_results.at(0)
                    .latency_ms == 77);
}

BOOST_AUTO_TEST_CASE(the_call_window_is_bounded_and_old_states_load) {
    QwenLineParser p = parser();
    for (std::size_t i = 0; i < QwenLineParser::kCallWindow + 10; ++i)
        parse(p, json::serialize(assistant("u-" + std::to_string(i), usage(10, 0, 5, 0, 15),
                                           {call("c-" + std::to_string(i), "read_file", read_args("/f" + std::to_string(i)))})));
    // The oldest calls are forgotten: their telemetry pairs with nothing.
    parse(p, json::serialize(tool_telemetry("t-1", "read_file", read_args("/f0"), 5)));
    parse(p, json::serialize(tool_telemetry("t-2", "read_file", read_args("/f70"), 6)));
    QwenLineParser q = parser();
    q.load_state(p.save_state());
    BOOST_TEST(!parse(q, json::serialize(result("r-1", "c-0", "read_file", "2026-11-25T12:00:04.000Z"))).line.tool_results.at(0).latency_ms);
    BOOST_TEST(*parse(q, json::serialize(result("r-2", "c-70", "read_file", "2026-11-25T12:00:04.000Z"))).line.tool_results.at(0).latency_ms == 6);
    // A state saved before calls were remembered (the clock alone) still loads; a broken one is empty.
    QwenLineParser old = parser();
    old.load_state("{\"last_ts\":1764072001250}");
    json::object no_time = record("user", "u-x");
    no_time.erase("timestamp");
    BOOST_TEST(parse(old, json::serialize(no_time)).outcome == LineOutcome::Record);
    old.load_state("{\"calls\":[[1,2],\"x\",[\"c\",\"\",\"zz\",true,null]]}");
    BOOST_TEST(old.save_state().find("\"c\"") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

// The same through the store, fed batch by batch (each batch a new parser from the saved state, as after a
// restart): a latency from telemetry before or after the result, timestamps when it cannot be paired.
BOOST_AUTO_TEST_SUITE(qwen_store)

namespace {

FileRecord qwen_file(test::WriterFixture& fx) {
    FileRecord f;
    f.path = (fx.dir / ".qwen/projects/-home-ana-src-shop/chats/s-1.jsonl").string();
    f.provider = "qwen";
    f.kind = "session";
    f.project_slug = "-home-ana-src-shop";
    return fx.writer().ensure_file(f);
}

std::vector<std::string> session_lines() {
    json::object a = assistant("u-1", usage(10, 0, 5, 0, 15),
                               {call("c-1", "read_file", read_args("/a")), call("c-2", "read_file", read_args("/b")),
                                call("c-3", "edit", {{"file_path", "/c"}}), call("c-4", "edit", {{"file_path", "/c"}})});
    return {json::serialize(at(record("user", "u-0"), "2026-11-25T12:00:00.000Z")),
            json::serialize(at(a, "2026-11-25T12:00:01.000Z")),
            json::serialize(tool_telemetry("u-2", "read_file", read_args("/a"), 700)),  // before its result
            json::serialize(tool_telemetry("u-3", "edit", {{"file_path", "/c"}}, 50)),   // c-3 or c-4: neither
            json::serialize(tool_telemetry("u-4", "edit", {{"file_path", "/c"}}, 60)),
            json::serialize(result("u-5", "c-1", "read_file", "2026-11-25T12:00:05.000Z")),
            json::serialize(result("u-6", "c-2", "read_file", "2026-11-25T12:00:05.000Z")),
            json::serialize(result("u-7", "c-3", "edit", "2026-11-25T12:00:06.000Z")),
            json::serialize(result("u-8", "c-4", "edit", "2026-11-25T12:00:06.500Z")),
            json::serialize(tool_telemetry("u-9", "read_file", read_args("/b"), 900, "2026-11-25T12:00:07.000Z"))};  // after
}

std::string latencies(Database& db) {
    return test::query_text(db, "SELECT group_concat(tool_use_id || '=' || coalesce(latency_ms, 'null'), ',') FROM "
                                "(SELECT tool_use_id, latency_ms FROM message_tool_mart ORDER BY tool_use_id)");
}

}  // namespace

BOOST_AUTO_TEST_CASE(latencies_from_telemetry_whatever_the_order_and_restarts) {
    const std::string expected = "c-1=700,c-2=900,c-3=5000,c-4=5500";
    test::WriterFixture whole;
    FileRecord f = qwen_file(whole);
    whole.feed(f, session_lines());
    BOOST_TEST(latencies(whole.db()) == expected);
    BOOST_TEST(test::query_int(whole.db(), "SELECT count(*) FROM messages") == 6);
    // One line per batch, the store reopened between batches: the same rows.
    test::WriterFixture piecewise;
    FileRecord g = qwen_file(piecewise);
    for (const std::string& l : session_lines()) {
        piecewise.feed(g, {l});
        piecewise.restart();
    }
    BOOST_TEST(latencies(piecewise.db()) == expected);
    BOOST_TEST(test::query_int(piecewise.db(), "SELECT count(*) FROM messages") == 6);
    BOOST_TEST(test::query_int(piecewise.db(), "SELECT count(*) FROM message_tool_mart WHERE result_ts IS NULL") == 0);
}

BOOST_AUTO_TEST_SUITE_END()
