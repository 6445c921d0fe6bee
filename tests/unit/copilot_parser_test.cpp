// agents/copilot/CopilotLineParser: session.start/resume context, prompts and answers without their text,
// output tokens per assistant message (model in force from model_change, tool completions, the message
// itself or its sub-agent), tool executions start/complete, sub-agent events under their parent session,
// and the shutdown rollup turned into per-model usage beyond what the messages counted: resume legs with
// cumulative counters, a compaction reset (announced or seen as a drop), a leg lost to a crash; every kind
// of bad line; a restart through save_state/load_state after any line; the store's rows; and the real
// recording under ../shared/samples (when present) against totals computed here from the format's rules.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <array>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "ParseLine.hpp"
#include "Transcripts.hpp"
#include "WriterFixture.hpp"
#include "agents/AgentRegistry.hpp"
#include "agents/copilot/CopilotLineParser.hpp"

using namespace agentpulse;
using agentpulse::test::Parsed;
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

CopilotLineParser parser() {
    return CopilotLineParser(FileContext{}, "path-session");
}

// One event as the CLI writes it.
std::string ev(std::string_view type, json::object data, std::string_view id, std::int64_t ms) {
    return json::serialize(json::object{{"type", type},
                                        {"data", std::move(data)},
                                        {"id", id},
                                        {"timestamp", test::at(ms)},
                                        {"parentId", nullptr}});
}

std::string start(std::int64_t ms = 0) {
    return ev("session.start",
              {{"sessionId", "s-1"},
               {"version", 1},
               {"producer", "copilot-agent"},
               {"copilotVersion", "1.0.80"},
               {"context", {{"cwd", "/home/ana/src/shop"}, {"branch", "main"}}}},
              "e-start", ms);
}

std::string model_change(std::string_view model, std::string_view id, std::int64_t ms) {
    return ev("session.model_change", {{"previousModel", "x"}, {"newModel", model}}, id, ms);
}

std::string message(std::string_view msg_id, std::int64_t output, std::string_view id, std::int64_t ms,
                    json::object extra = {}) {
    json::object d{{"messageId", msg_id},
                   {"content", "the answer text"},
                   {"toolRequests", json::array{}},
                   {"reasoningText", "private thoughts"},
                   {"outputTokens", output}};
    for (auto& [k, v] : extra) d[k] = v;
    return ev("assistant.message", std::move(d), id, ms);
}

std::string tool_start(std::string_view call, std::string_view tool, json::object args, std::string_view id,
                       std::int64_t ms, json::object extra = {}) {
    json::object d{{"toolCallId", call}, {"toolName", tool}, {"arguments", std::move(args)}};
    for (auto& [k, v] : extra) d[k] = v;
    return ev("tool.execution_start", std::move(d), id, ms);
}

std::string tool_done(std::string_view call, bool ok, std::string_view id, std::int64_t ms,
                      json::object extra = {}) {
    json::object d{{"toolCallId", call}, {"success", ok}, {"result", {{"content", "twelve bytes"}}}};
    for (auto& [k, v] : extra) d[k] = v;
    return ev("tool.execution_complete", std::move(d), id, ms);
}

json::object metric(std::int64_t in, std::int64_t out, std::int64_t cache_read, std::int64_t cache_write) {
    return {{"requests", {{"count", 3}, {"cost", 3}}},
            {"usage",
             {{"inputTokens", in},
              {"outputTokens", out},
              {"cacheReadTokens", cache_read},
              {"cacheWriteTokens", cache_write},
              {"reasoningTokens", 0}}}};
}

std::string shutdown(json::object metrics, std::string_view id, std::int64_t ms) {
    return ev("session.shutdown",
              {{"shutdownType", "routine"},
               {"modelMetrics", std::move(metrics)},
               {"totalApiDurationMs", 1},
               {"codeChanges", {{"linesAdded", 0}, {"linesRemoved", 0}, {"filesModified", json::array{}}}}},
              id, ms);
}

std::string resume(std::string_view id, std::int64_t ms) {
    return ev("session.resume", {{"resumeTime", test::at(ms)}, {"eventCount", 10}}, id, ms);
}

constexpr const char* kSonnet = "claude-sonnet-4.6";
constexpr const char* kGpt = "gpt-5.1";
constexpr const char* kHaiku = "claude-haiku-4.5";

// A session with every shape and pitfall, in order. The expected usage is written beside each rollup.
std::vector<std::string> session_lines() {
    return {
        start(0),
        model_change(kSonnet, "e-mc1", 100),
        ev("user.message", {{"content", "secret prompt"}, {"attachments", json::array{}}}, "e-u1", 1000),
        ev("hook.start", {{"hookType", "preToolUse"}}, "e-h1", 1100),  // ignored
        message("m1", 100, "e-a1", 2000),
        tool_start("c1", "view", {{"path", "/home/ana/src/shop/a.cc"}}, "e-ts1", 2010),
        tool_done("c1", true, "e-tc1", 2260, {{"model", kSonnet}}),
        message("m2", 50, "e-a2", 3000),
        // Leg 1 ends cleanly: sonnet 10000 in (6000 read, 1000 written), 200 out; messages counted 150.
        shutdown({{kSonnet, metric(10000, 200, 6000, 1000)}}, "e-sd1", 4000),
        // Leg 2: counters carry on from leg 1; a second model.
        resume("e-r2", 10000),
        ev("user.message", {{"content", "more"}}, "e-u2", 10100),
        message("m3", 70, "e-a3", 11000),
        model_change(kGpt, "e-mc2", 11500),
        message("m4", 30, "e-a4", 12000),
        // Sub-agent: its own model, its events under the parent session.
        ev("subagent.started", {{"toolCallId", "task-1"}, {"agentName", "explore"}, {"model", kHaiku}},
           "e-sa", 12100),
        tool_start("task-1", "task", {{"prompt", "look around"}}, "e-ts2", 12050),
        message("m-sub", 12, "e-a5", 12200, {{"parentToolCallId", "task-1"}}),
        tool_start("c-sub", "create", {{"path", "/home/ana/src/shop/new.txt"}, {"file_text", "hello"}},
                   "e-ts3", 12300, {{"parentToolCallId", "task-1"}}),
        tool_done("c-sub", false, "e-tc3", 12400,
                  {{"parentToolCallId", "task-1"}, {"model", kHaiku}, {"error", {{"message", "denied"}}}}),
        tool_done("task-1", true, "e-tc2", 12900, {{"model", kGpt}}),
        shutdown({{kSonnet, metric(15000, 270, 9000, 1500)},
                  {kGpt, metric(2000, 40, 500, 0)},
                  {kHaiku, metric(400, 12, 0, 0)}},
                 "e-sd2", 13000),
        // Leg 3: a compaction resets the counters; only messages after it are inside the next rollup.
        resume("e-r3", 20000),
        message("m5", 20, "e-a6", 21000),
        ev("session.compaction_start", {}, "e-cs", 21100),
        ev("session.compaction_complete", {{"success", true}}, "e-cc", 21200),
        message("m6", 25, "e-a7", 22000),
        shutdown({{kGpt, metric(800, 35, 100, 0)}}, "e-sd3", 23000),
        // Leg 4 crashes: no shutdown. Its message stays counted; nothing else of it is known.
        resume("e-r4", 30000),
        message("m7", 40, "e-a8", 31000),
        // Leg 5 carries on from the last rollup written (leg 3's).
        resume("e-r5", 40000),
        message("m8", 15, "e-a9", 41000),
        shutdown({{kGpt, metric(1000, 60, 150, 0)}}, "e-sd5", 42000),
        // Leg 6: counters below the last ones without a compaction event: counted from zero.
        resume("e-r6", 50000),
        message("m9", 5, "e-a10", 51000),
        shutdown({{kGpt, metric(300, 5, 0, 0)}}, "e-sd6", 52000),
    };
}

// What one parsed line said (every record of it), as text, to compare whole runs.
std::string describe(const test::ParsedRecords& p) {
    std::ostringstream o;
    o << static_cast<int>(p.outcome) << '/' << static_cast<int>(p.issue);
    for (const ParsedLine& l : p.lines) {
        o << " [ts=" << l.ts << " line=" << l.line_no << " s=" << l.session.session_id << '|'
          << l.session.project_slug << '|' << l.session.cli_version << '|' << l.session.git_branch;
        if (l.message)
            o << " m=" << l.message->line_key << '|' << l.message->kind << '|' << l.message->model << '|'
              << l.message->is_sidechain << '|' << l.message->agent_id;
        if (const std::optional<UsageRecord>& u = l.usage)
            o << " u=" << u->dedup_key << '|' << u->model << '|' << u->tokens.input << '|' << u->tokens.output
              << '|' << u->tokens.cache_read << '|' << u->tokens.cache_create;
        for (const ToolCallRecord& c : l.tool_calls)
            o << " c=" << c.tool_use_id << '|' << c.tool_name << '|' << c.file_path.value_or("-") << '|'
              << c.byte_count.value_or(-1);
        for (const ToolResultRecord& r : l.tool_results)
            o << " r=" << r.tool_use_id << '|' << r.is_error << '|' << r.result_bytes;
        o << ']';
    }
    return o.str();
}
std::string describe(const Parsed& p) { return describe(test::ParsedRecords{p.outcome, p.issue, {p.line}}); }

std::vector<test::ParsedRecords> parse_all(const std::vector<std::string>& lines) {
    CopilotLineParser p = parser();
    std::vector<test::ParsedRecords> out;
    for (std::size_t i = 0; i < lines.size(); ++i)
        out.push_back(test::parse_records(p, lines[i], static_cast<std::int64_t>(i + 1)));
    return out;
}

// Usage per model over a run: {input, output, cache_read, cache_write}.
std::map<std::string, std::array<std::int64_t, 4>> usage_by_model(const std::vector<test::ParsedRecords>& run) {
    std::map<std::string, std::array<std::int64_t, 4>> m;
    for (const test::ParsedRecords& p : run)
        for (const ParsedLine& l : p.lines) {
            if (!l.usage) continue;
            auto& t = m[l.usage->model];
            t[0] += l.usage->tokens.input, t[1] += l.usage->tokens.output, t[2] += l.usage->tokens.cache_read,
                t[3] += l.usage->tokens.cache_create;
        }
    return m;
}

const UsageRecord* usage_for(const test::ParsedRecords& p, std::string_view model) {
    for (const ParsedLine& l : p.lines)
        if (l.usage && l.usage->model == model) return &*l.usage;
    return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(copilot_parser)

BOOST_AUTO_TEST_CASE(session_start_names_session_project_branch_and_version) {
    CopilotLineParser p = parser();
    const Parsed s = test::parse(p, start());
    BOOST_TEST((s.outcome == LineOutcome::Ignored));
    BOOST_TEST((s.issue == LineIssue::None));
    const Parsed u = test::parse(p, ev("user.message", {{"content", "secret prompt"}}, "e-u1", 1000), 2);
    BOOST_REQUIRE((u.outcome == LineOutcome::Record));
    BOOST_TEST(u.line.line_no == 2);
    BOOST_TEST(u.line.ts == test::at_ms(1000));
    BOOST_TEST(u.line.session.session_id == "s-1");
    BOOST_TEST(u.line.session.cwd == "/home/ana/src/shop");
    BOOST_TEST(u.line.session.project_slug == "/home/ana/src/shop");
    BOOST_TEST(u.line.session.project_name == "shop");
    BOOST_TEST(u.line.session.git_branch == "main");
    BOOST_TEST(u.line.session.cli_version == "1.0.80");
    BOOST_REQUIRE(u.line.message);
    BOOST_TEST(u.line.message->kind == "user");
    BOOST_TEST(u.line.message->line_key == "copilot:e-u1");
    BOOST_TEST(!u.line.usage);
    // The prompt's text is stored nowhere.
    BOOST_TEST(describe(u).find("secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_session_start_the_path_names_the_session) {
    CopilotLineParser p = parser();
    const Parsed u = test::parse(p, ev("user.message", {{"content", "hi"}}, "e-u1", 1000));
    BOOST_REQUIRE((u.outcome == LineOutcome::Record));
    BOOST_TEST(u.line.session.session_id == "path-session");
    BOOST_TEST(u.line.session.project_slug == "(unknown)");
    CopilotLineParser nameless(FileContext{}, "");
    const Parsed r = test::parse(nameless, ev("user.message", {{"content", "hi"}}, "e-u1", 1000));
    BOOST_TEST((r.outcome == LineOutcome::Rejected));
    BOOST_TEST((r.issue == LineIssue::MissingField));
}

BOOST_AUTO_TEST_CASE(assistant_message_gives_output_tokens_under_the_model_in_force) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, model_change(kSonnet, "e-mc1", 10));
    const Parsed a = test::parse(p, message("m1", 178, "e-a1", 2000));
    BOOST_REQUIRE((a.outcome == LineOutcome::Record));
    BOOST_REQUIRE(a.line.message);
    BOOST_TEST(a.line.message->kind == "assistant");
    BOOST_TEST(a.line.message->model == kSonnet);
    BOOST_TEST(a.line.message->api_message_id == "m1");
    BOOST_TEST(a.line.message->tokens.output == 178);
    BOOST_REQUIRE(a.line.usage);
    BOOST_TEST(a.line.usage->dedup_key == "copilot:msg:m1");
    BOOST_TEST(a.line.usage->model == kSonnet);
    BOOST_TEST(a.line.usage->tokens.output == 178);
    BOOST_TEST(a.line.usage->tokens.input == 0);
    BOOST_TEST(!a.line.usage->grows);
    BOOST_TEST(describe(a).find("answer") == std::string::npos);
    BOOST_TEST(describe(a).find("thoughts") == std::string::npos);
    // The tool calls a message requests are recorded when they start, not here.
    BOOST_TEST(a.line.tool_calls.empty());
    // A tool completion names the model in force; the message's own model wins over both.
    test::parse(p, tool_done("c1", true, "e-tc1", 2100, {{"model", kGpt}}));
    BOOST_TEST(test::parse(p, message("m2", 5, "e-a2", 2200)).line.usage->model == kGpt);
    BOOST_TEST(test::parse(p, message("m3", 5, "e-a3", 2300, {{"model", kHaiku}})).line.usage->model ==
               kHaiku);
    // session.start's selectedModel (newer CLIs) sets it too.
    CopilotLineParser q = parser();
    test::parse(q, ev("session.start", {{"sessionId", "s-2"}, {"selectedModel", kGpt}}, "e-s", 0));
    BOOST_TEST(test::parse(q, message("m9", 5, "e-a9", 100)).line.usage->model == kGpt);
}

BOOST_AUTO_TEST_CASE(messages_without_output_tokens_are_kept_unbilled) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    const Parsed zero = test::parse(p, message("m1", 0, "e-a1", 10));
    BOOST_TEST((zero.outcome == LineOutcome::Record));
    BOOST_TEST(!zero.line.usage);
    json::value v = json::parse(message("m2", 0, "e-a2", 20));
    v.as_object()["data"].as_object().erase("outputTokens");
    const Parsed none = test::parse(p, json::serialize(v));
    BOOST_TEST((none.outcome == LineOutcome::Record));
    BOOST_TEST(!none.line.usage);
    BOOST_TEST((none.issue == LineIssue::None));
}

BOOST_AUTO_TEST_CASE(tool_start_and_complete_pair_by_id_with_paths_sizes_and_failures) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    const Parsed s =
        test::parse(p, tool_start("c1", "view", {{"path", "/home/ana/src/shop/a.cc"}}, "e-ts1", 2010));
    BOOST_REQUIRE((s.outcome == LineOutcome::Record));
    BOOST_TEST(s.line.ts == test::at_ms(2010));  // the call is placed at its start
    BOOST_REQUIRE(s.line.tool_calls.size() == 1u);
    BOOST_TEST(s.line.tool_calls[0].tool_use_id == "c1");
    BOOST_TEST(s.line.tool_calls[0].tool_name == "view");
    BOOST_TEST(*s.line.tool_calls[0].file_path == "/home/ana/src/shop/a.cc");
    BOOST_TEST(!s.line.tool_calls[0].byte_count);
    BOOST_TEST(s.line.message->kind == "tool_call");
    const Parsed c = test::parse(p, tool_done("c1", true, "e-tc1", 2260));
    BOOST_TEST(c.line.ts == test::at_ms(2260));  // and its result at its completion: 250 ms apart
    BOOST_REQUIRE(c.line.tool_results.size() == 1u);
    BOOST_TEST(c.line.tool_results[0].tool_use_id == "c1");
    BOOST_TEST(!c.line.tool_results[0].is_error);
    BOOST_TEST(c.line.tool_results[0].result_bytes == 12);
    BOOST_TEST(c.line.message->kind == "tool_result");
    // success=false is an error; the error message's size when there is no result.
    const Parsed f = test::parse(
        p, ev("tool.execution_complete",
              {{"toolCallId", "c2"}, {"success", false}, {"error", {{"message", "denied"}}}}, "e-tc2", 2300));
    BOOST_TEST(f.line.tool_results[0].is_error);
    BOOST_TEST(f.line.tool_results[0].result_bytes == 6);
    // Arguments as JSON text (some versions); the text a tool writes.
    const Parsed w = test::parse(
        p, ev("tool.execution_start",
              {{"toolCallId", "c3"},
               {"toolName", "edit"},
               {"arguments",
                json::serialize(json::object{{"path", "/p/b.cc"}, {"old_str", "a"}, {"new_str", "abcd"}})}},
              "e-ts3", 2400));
    BOOST_TEST(*w.line.tool_calls[0].file_path == "/p/b.cc");
    BOOST_TEST(*w.line.tool_calls[0].byte_count == 4);
}

BOOST_AUTO_TEST_CASE(sub_agent_events_stay_in_the_parent_session_marked_as_such) {
    const std::vector<test::ParsedRecords> run = parse_all(session_lines());
    std::vector<const ParsedLine*> sub;
    for (const test::ParsedRecords& p : run)
        for (const ParsedLine& l : p.lines)
            if (l.message && l.message->is_sidechain) sub.push_back(&l);
    BOOST_REQUIRE(sub.size() == 3u);  // its message, its tool's start and completion
    for (const ParsedLine* l : sub) {
        BOOST_TEST(l->session.session_id == "s-1");
        BOOST_TEST(l->message->agent_id == "task-1");
    }
    BOOST_TEST(sub[0]->usage->model == kHaiku);  // the model subagent.started named
    BOOST_TEST(sub[1]->tool_calls[0].tool_name == "create");
    BOOST_TEST(*sub[1]->tool_calls[0].byte_count == 5);
    BOOST_TEST(sub[2]->tool_results[0].is_error);
    // The sub-agent's completion did not change the main agent's model: m4 was gpt, and the task's own
    // completion (main agent) names gpt again.
    // Newer CLIs mark sub-agent events with agentId at the top level.
    CopilotLineParser p = parser();
    test::parse(p, start());
    json::value v = json::parse(message("m1", 3, "e-a1", 10));
    v.as_object()["agentId"] = "agent-7";
    const Parsed a = test::parse(p, json::serialize(v));
    BOOST_TEST(a.line.message->is_sidechain);
    BOOST_TEST(a.line.message->agent_id == "agent-7");
}

BOOST_AUTO_TEST_CASE(sub_agent_completions_do_not_change_the_main_model) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, model_change(kSonnet, "e-mc", 1));
    test::parse(p, tool_done("c-sub", true, "e-tc", 2, {{"parentToolCallId", "task-1"}, {"model", kHaiku}}));
    BOOST_TEST(test::parse(p, message("m1", 3, "e-a1", 10)).line.usage->model == kSonnet);
}

BOOST_AUTO_TEST_CASE(shutdown_rollups_give_what_the_messages_did_not_count) {
    const std::vector<std::string> lines = session_lines();
    const std::vector<test::ParsedRecords> run = parse_all(lines);
    auto at_id = [&](std::string_view id) -> const test::ParsedRecords& {
        for (std::size_t i = 0; i < lines.size(); ++i)
            if (lines[i].find("\"id\":\"" + std::string(id) + "\"") != std::string::npos) return run[i];
        BOOST_FAIL("no such event");
        return run[0];
    };
    auto check = [&](std::string_view event, std::string_view model, std::int64_t in, std::int64_t out,
                     std::int64_t read, std::int64_t write) {
        BOOST_TEST_CONTEXT(event << " " << model) {
            const UsageRecord* u = usage_for(at_id(event), model);
            BOOST_REQUIRE(u);
            BOOST_TEST(u->dedup_key ==
                       "copilot:s-1:shutdown:" + std::string(event) + ":" + std::string(model));
            BOOST_TEST(u->tokens.input == in);  // fresh input: inputTokens less cache reads and writes
            BOOST_TEST(u->tokens.output == out);
            BOOST_TEST(u->tokens.cache_read == read);
            BOOST_TEST(u->tokens.cache_create == write);
        }
    };
    // Leg 1: 10000 in of which 6000 read and 1000 written; 200 out of which the messages counted 150.
    check("e-sd1", kSonnet, 3000, 50, 6000, 1000);
    // Leg 2: deltas of the cumulative counters; the messages counted all of sonnet's output.
    check("e-sd2", kSonnet, 1500, 0, 3000, 500);
    check("e-sd2", kGpt, 1500, 10, 500, 0);
    check("e-sd2", kHaiku, 400, 0, 0, 0);  // the sub-agent's model, its message counted its output
    // Leg 3: compaction reset, counted from zero; only m6 (after the compaction) is inside the rollup.
    check("e-sd3", kGpt, 700, 10, 100, 0);
    // Leg 5: from leg 3's counters (leg 4 crashed); m7's output is in no rollup, only m8's.
    check("e-sd5", kGpt, 150, 10, 50, 0);
    // Leg 6: a drop without compaction event: from zero.
    check("e-sd6", kGpt, 300, 0, 0, 0);
    BOOST_TEST((at_id("e-sd6").outcome == LineOutcome::Record));
    // A rollup of three models is three records of one line: its number, time and session, no message.
    const test::ParsedRecords& sd2 = at_id("e-sd2");
    BOOST_REQUIRE(sd2.lines.size() == 3u);
    for (const ParsedLine& l : sd2.lines) {
        BOOST_TEST(l.line_no == sd2.lines[0].line_no);
        BOOST_TEST(l.ts == sd2.lines[0].ts);
        BOOST_TEST(l.session.session_id == "s-1");
        BOOST_TEST(l.session.project_slug == sd2.lines[0].session.project_slug);
        BOOST_TEST(!l.message);
        BOOST_TEST(l.tool_calls.empty());
        BOOST_TEST(l.usage.has_value());
    }
    // parse() gives the first of them only.
    CopilotLineParser one = parser();
    Parsed first{};
    for (std::size_t i = 0; i < lines.size(); ++i) {
        first = test::parse(one, lines[i], static_cast<std::int64_t>(i + 1));
        if (lines[i].find("\"id\":\"e-sd2\"") != std::string::npos) break;
    }
    BOOST_TEST(describe(first) == describe(test::ParsedRecords{sd2.outcome, sd2.issue, {sd2.lines[0]}}));
    // Totals per model: sonnet's equal its last cumulative rollup exactly (no compaction, no crash).
    const auto totals = usage_by_model(run);
    const std::array<std::int64_t, 4> sonnet{15000 - 9000 - 1500, 270, 9000, 1500};
    BOOST_TEST(totals.at(kSonnet) == sonnet, boost::test_tools::per_element());
    // gpt: messages 30+20+25+40+15+5, residuals 10+10+10+0.
    BOOST_TEST(totals.at(kGpt)[1] == 135 + 30);
    BOOST_TEST(totals.at(kGpt)[0] == 1500 + 700 + 150 + 300);
    BOOST_TEST(totals.at(kHaiku)[1] == 12);
}

// After a compaction the counters start again from zero: even when the new ones have grown past the old
// ones (no drop to see), the compaction event says so.
BOOST_AUTO_TEST_CASE(a_compaction_resets_even_when_the_counters_grew_past_the_old_ones) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, model_change(kGpt, "e-mc", 5));
    test::parse(p, shutdown({{kGpt, metric(1000, 10, 100, 0)}}, "e-sd1", 10));
    test::parse(p, resume("e-r", 20));
    test::parse(p, message("m1", 4, "e-a1", 25));  // before the compaction: not in the next rollup
    test::parse(p, ev("session.compaction_complete", {{"success", true}}, "e-cc", 30));
    test::parse(p, message("m2", 6, "e-a2", 35));
    const Parsed s = test::parse(p, shutdown({{kGpt, metric(3000, 20, 500, 0)}}, "e-sd2", 40));
    BOOST_REQUIRE(s.line.usage);
    BOOST_TEST(s.line.usage->tokens.input == 2500);
    BOOST_TEST(s.line.usage->tokens.cache_read == 500);
    BOOST_TEST(s.line.usage->tokens.output == 14);
}

// A compaction in a leg that then crashed: the resumed CLI carries on from the last rollup it wrote
// (before the compaction), so that rollup is the base again, not zero.
BOOST_AUTO_TEST_CASE(a_crash_after_a_compaction_resumes_from_the_last_rollup_written) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, model_change(kGpt, "e-mc", 5));
    test::parse(p, shutdown({{kGpt, metric(1000, 10, 100, 0)}}, "e-sd1", 10));
    test::parse(p, resume("e-r1", 20));
    test::parse(p, message("m1", 4, "e-a1", 25));
    test::parse(p, ev("session.compaction_complete", {{"success", true}}, "e-cc", 30));
    test::parse(p, message("m2", 6, "e-a2", 35));
    // crash: no shutdown
    test::parse(p, resume("e-r2", 40));
    test::parse(p, message("m3", 5, "e-a3", 45));
    const Parsed s = test::parse(p, shutdown({{kGpt, metric(1300, 15, 150, 0)}}, "e-sd2", 50));
    BOOST_REQUIRE(s.line.usage);
    BOOST_TEST(s.line.usage->tokens.input == 250);
    BOOST_TEST(s.line.usage->tokens.cache_read == 50);
    BOOST_TEST(s.line.usage->tokens.output == 0);
}

BOOST_AUTO_TEST_CASE(a_failed_compaction_does_not_reset) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, shutdown({{kGpt, metric(1000, 10, 0, 0)}}, "e-sd1", 10));
    test::parse(p, resume("e-r", 20));
    test::parse(p, ev("session.compaction_complete", {{"success", false}}, "e-cc", 30));
    const Parsed s = test::parse(p, shutdown({{kGpt, metric(1500, 10, 0, 0)}}, "e-sd2", 40));
    BOOST_REQUIRE(s.line.usage);
    BOOST_TEST(s.line.usage->tokens.input == 500);
}

BOOST_AUTO_TEST_CASE(a_rollup_with_nothing_new_gives_no_usage) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    test::parse(p, shutdown({{kGpt, metric(1000, 10, 0, 0)}}, "e-sd1", 10));
    const Parsed s = test::parse(p, shutdown({{kGpt, metric(1000, 10, 0, 0)}}, "e-sd2", 20));
    BOOST_TEST((s.outcome == LineOutcome::Ignored));
    BOOST_TEST(!s.line.usage);
}

BOOST_AUTO_TEST_CASE(restart_after_any_line_gives_exactly_the_clean_run) {
    const std::vector<std::string> lines = session_lines();
    std::vector<std::string> clean;
    for (const test::ParsedRecords& p : parse_all(lines)) clean.push_back(describe(p));
    for (std::size_t cut = 0; cut <= lines.size(); ++cut) {
        BOOST_TEST_CONTEXT("restart after line " << cut) {
            std::vector<std::string> got;
            std::string state;
            {
                CopilotLineParser a = parser();
                for (std::size_t i = 0; i < cut; ++i)
                    got.push_back(describe(test::parse_records(a, lines[i], static_cast<std::int64_t>(i + 1))));
                state = a.save_state();
            }
            CopilotLineParser b = parser();
            b.load_state(state);
            for (std::size_t i = cut; i < lines.size(); ++i)
                got.push_back(describe(test::parse_records(b, lines[i], static_cast<std::int64_t>(i + 1))));
            BOOST_TEST(got == clean, boost::test_tools::per_element());
        }
    }
    // A corrupt or foreign state is a fresh start, not a crash.
    CopilotLineParser c = parser();
    c.load_state("{\"base\":{\"x\":[1,2]},\"leg_output\":{\"y\":-5},\"sub_models\":[],\"clock\":7}");
    c.load_state("not json");
    BOOST_TEST((test::parse(c, start()).outcome == LineOutcome::Ignored));
}

BOOST_AUTO_TEST_CASE(unknown_and_ephemeral_events_are_ignored_silently) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    for (const char* type :
         {"assistant.turn_start", "assistant.turn_end", "hook.start", "hook.end", "session.info",
          "session.warning", "session.error", "session.mode_changed", "session.task_complete",
          "assistant.reasoning", "permission.requested", "some.future_event"}) {
        const Parsed r = test::parse(p, ev(type, {{"x", 1}}, "e-x", 10));
        BOOST_TEST((r.outcome == LineOutcome::Ignored), type);
        BOOST_TEST((r.issue == LineIssue::None), type);
    }
    json::value v = json::parse(message("m1", 10, "e-a1", 20));
    v.as_object()["ephemeral"] = true;
    BOOST_TEST((test::parse(p, json::serialize(v)).outcome == LineOutcome::Ignored));
}

BOOST_AUTO_TEST_CASE(malformed_truncated_and_incomplete_lines) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    const std::string whole = message("m1", 10, "e-a1", 20);
    for (const std::string& bad : {std::string("not json"), std::string("[]"),
                                   whole.substr(0, whole.size() / 2), std::string("\"text\"")}) {
        const Parsed r = test::parse(p, bad);
        BOOST_TEST((r.outcome == LineOutcome::Rejected));
        BOOST_TEST((r.issue == LineIssue::Malformed));
    }
    // A tool event without its id cannot be paired.
    const Parsed noid = test::parse(p, ev("tool.execution_start", {{"toolName", "view"}}, "e-t", 30));
    BOOST_TEST((noid.outcome == LineOutcome::Rejected));
    BOOST_TEST((noid.issue == LineIssue::MissingField));
    // Output tokens of the wrong type: the message is kept, not billed.
    json::value v = json::parse(message("m2", 0, "e-a2", 40));
    v.as_object()["data"].as_object()["outputTokens"] = "12";
    const Parsed wrong = test::parse(p, json::serialize(v));
    BOOST_TEST((wrong.outcome == LineOutcome::Record));
    BOOST_TEST((wrong.issue == LineIssue::MissingField));
    BOOST_TEST(!wrong.line.usage);
    // Absurd counts: not billed.
    const Parsed absurd = test::parse(p, message("m3", 900'000'000'000, "e-a3", 50));
    BOOST_TEST((absurd.issue == LineIssue::AbsurdTokens));
    BOOST_TEST(!absurd.line.usage);
    const Parsed neg = test::parse(p, shutdown({{kGpt, metric(-5, 1, 0, 0)}}, "e-sd", 60));
    BOOST_TEST((neg.issue == LineIssue::AbsurdTokens));
    BOOST_TEST(!neg.line.usage);
    const Parsed no_metrics =
        test::parse(p, ev("session.shutdown", {{"shutdownType", "error"}}, "e-sd2", 70));
    BOOST_TEST((no_metrics.outcome == LineOutcome::Ignored));
    BOOST_TEST((no_metrics.issue == LineIssue::MissingField));
    // No timestamp on the first record: it cannot be placed; later it takes the previous line's time.
    CopilotLineParser q = parser();
    json::value t = json::parse(message("m4", 10, "e-a4", 0));
    t.as_object().erase("timestamp");
    const Parsed first = test::parse(q, json::serialize(t));
    BOOST_TEST((first.outcome == LineOutcome::Rejected));
    BOOST_TEST((first.issue == LineIssue::NoTimestamp));
    test::parse(q, ev("user.message", {}, "e-u", 5000));
    const Parsed later = test::parse(q, json::serialize(t));
    BOOST_TEST((later.outcome == LineOutcome::Record));
    BOOST_TEST((later.issue == LineIssue::NoTimestamp));
    BOOST_TEST(later.line.ts == test::at_ms(5000));
}

BOOST_AUTO_TEST_CASE(invalid_utf8_is_repaired_and_reported) {
    CopilotLineParser p = parser();
    test::parse(p, start());
    const Parsed r = test::parse(p, tool_start("c1",
                                               "vi\xff"
                                               "ew",
                                               {{"path", "/p/a"}}, "e-t", 10));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST((r.issue == LineIssue::InvalidUtf8));
    BOOST_TEST(r.line.tool_calls[0].tool_name ==
               "vi\xEF\xBF\xBD"
               "ew");
}

// Through the store, a batch per line (state saved and restored between every two): several models in
// one rollup are rows of their own, tool latency is exact, and a second read adds nothing.
BOOST_AUTO_TEST_CASE(store_rows_with_a_restart_between_every_line) {
    test::WriterFixture w;
    FileRecord f;
    f.path = (w.dir / "copilot/session-state/s-1/events.jsonl").string();
    f.provider = "copilot";
    f.kind = "session";
    f = w.writer().ensure_file(f);
    for (const std::string& l : session_lines()) w.feed(f, {l});
    Database& db = w.db();
    BOOST_TEST(test::query_int(db, "SELECT count(*) FROM usage_events WHERE provider = 'copilot'") ==
               10 + 7);  // ten messages, seven rollup rows
    BOOST_TEST(test::query_int(db, "SELECT sum(output_tokens) FROM usage_events WHERE model = 'gpt-5.1'") ==
               165);
    BOOST_TEST(
        test::query_int(db, "SELECT sum(input_tokens) FROM usage_events WHERE model = 'claude-sonnet-4.6'") ==
        4500);
    BOOST_TEST(test::query_int(db, "SELECT count(*) FROM message_tool_mart") == 3);
    BOOST_TEST(test::query_int(db, "SELECT latency_ms FROM message_tool_mart WHERE tool_use_id = 'c1'") ==
               250);
    BOOST_TEST(test::query_int(db, "SELECT is_error FROM message_tool_mart WHERE tool_use_id = 'c-sub'") ==
               1);
    BOOST_TEST(test::query_int(
                   db, "SELECT count(*) FROM messages WHERE is_sidechain = 1 AND agent_id = 'task-1'") == 3);
    BOOST_TEST(test::query_int(db, "SELECT count(DISTINCT session_id) FROM messages") == 1);
    // Read again from the start (a replaced file): nothing new.
    FileRecord again = f;
    again.offset = 0, again.line_no = 0, again.parser_state.clear();
    const BatchResult r = w.feed(again, session_lines());
    BOOST_TEST(r.usage_new == 0);
    BOOST_TEST(r.tool_calls == 0);
}

// The real recording (Copilot CLI 1.0.10, no shutdown in it) against totals computed here from the
// format's rules, without the parser: every started call, the calls that completed (pairs), the
// failures, the output tokens of each distinct message, and the sum of exact latencies.
BOOST_AUTO_TEST_CASE(real_sample_totals_match_an_independent_count) {
    const fs::path dir = fs::path(AGENTPULSE_SOURCE_DIR) / "../shared/samples/copilot/session-state";
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        BOOST_TEST_MESSAGE("no ../shared/samples: the real-sample check is skipped");
        return;
    }
    for (const auto& entry : fs::directory_iterator(dir)) {
        const fs::path path = entry.path() / "events.jsonl";
        if (!fs::exists(path)) continue;
        BOOST_TEST_CONTEXT(path.string()) {
            std::vector<std::string> lines;
            {
                std::ifstream in(path);
                for (std::string l; std::getline(in, l);)
                    if (!l.empty()) lines.push_back(l);
            }
            // Independent count.
            std::map<std::string, EpochMs> started, completed;
            std::set<std::string> failed;
            std::map<std::string, std::int64_t> output_by_message;
            for (const std::string& l : lines) {
                const json::value v = json::parse(l);
                const json::object& o = v.as_object();
                const std::string type(o.at("type").as_string());
                const json::object& d = o.at("data").as_object();
                const EpochMs ts = *parse_iso8601(std::string(o.at("timestamp").as_string()));
                if (type == "tool.execution_start")
                    started.emplace(std::string(d.at("toolCallId").as_string()), ts);
                if (type == "tool.execution_complete") {
                    const std::string id(d.at("toolCallId").as_string());
                    completed.emplace(id, ts);
                    if (!d.at("success").as_bool()) failed.insert(id);
                }
                // A message is billed once for its output tokens (none: nothing to bill).
                if (type == "assistant.message" && d.contains("outputTokens") &&
                    d.at("outputTokens").to_number<std::int64_t>() > 0)
                    output_by_message.emplace(std::string(d.at("messageId").as_string()),
                                              d.at("outputTokens").to_number<std::int64_t>());
            }
            std::int64_t pairs = 0, latency = 0, output = 0;
            for (const auto& [id, t0] : started)
                if (auto it = completed.find(id); it != completed.end()) ++pairs, latency += it->second - t0;
            for (const auto& [id, n] : output_by_message) output += n;

            test::WriterFixture w;
            FileRecord f;
            f.path = path.string();
            f.provider = "copilot";
            f.kind = "session";
            f = w.writer().ensure_file(f);
            // In chunks, as a live tail would read it.
            for (std::size_t i = 0; i < lines.size(); i += 37)
                w.feed(f, std::vector<std::string>(lines.begin() + i,
                                                   lines.begin() + std::min(lines.size(), i + 37)));
            Database& db = w.db();
            BOOST_TEST(test::query_int(db, "SELECT count(*) FROM message_tool_mart") ==
                       static_cast<std::int64_t>(started.size()));
            BOOST_TEST(
                test::query_int(db, "SELECT count(*) FROM message_tool_mart WHERE latency_ms IS NOT NULL") ==
                pairs);
            BOOST_TEST(test::query_int(db, "SELECT coalesce(sum(latency_ms), 0) FROM message_tool_mart") ==
                       latency);
            BOOST_TEST(test::query_int(db, "SELECT coalesce(sum(is_error), 0) FROM message_tool_mart") ==
                       static_cast<std::int64_t>(failed.size()));
            BOOST_TEST(test::query_int(db, "SELECT coalesce(sum(output_tokens), 0) FROM usage_events") ==
                       output);
            BOOST_TEST(test::query_int(db, "SELECT count(*) FROM usage_events") ==
                       static_cast<std::int64_t>(output_by_message.size()));
            BOOST_TEST(test::query_int(db, "SELECT count(DISTINCT session_id) FROM usage_events") == 1);
            BOOST_TEST(test::query_int(db, "SELECT count(*) FROM usage_events WHERE model = ''") == 0);
        }
    }
}

BOOST_AUTO_TEST_SUITE_END()
