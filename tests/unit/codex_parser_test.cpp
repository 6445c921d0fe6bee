// agents/codex/CodexLineParser: cumulative totals turned into per-turn deltas (cached input and reasoning
// counted once), the model in force, function calls and outputs, and the state saved with the offset.
#include <boost/test/unit_test.hpp>
#include <vector>

#include "ParseLine.hpp"
#include "Transcripts.hpp"
#include "agents/codex/CodexLineParser.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;

namespace {

FileContext ctx() {
    FileContext c;
    return c;
}

std::vector<Parsed> parse_all(CodexLineParser& p, const std::vector<std::string>& ls) {
    std::vector<Parsed> out;
    for (std::size_t i = 0; i < ls.size(); ++i)
        out.push_back(parse(p, ls[i], static_cast<std::int64_t>(i + 1)));
    return out;
}

// A session: meta, model, three turns with cumulative totals, one repeated total, a model switch.
std::vector<std::string> session_lines() {
    return {
        codex_meta(at(0), "cx-1", "/home/ana/src/api"),
        codex_turn(at(1), "gpt-5-codex"),
        codex_tokens(at(2), {1000, 200, 300, 100}),
        codex_tokens(at(3), {2500, 1200, 500, 150}),
        codex_tokens(at(4), {2500, 1200, 500, 150}),  // repeated: nothing new
        codex_turn(at(5), "gpt-5"),
        codex_tokens(at(6), {4000, 2000, 900, 150}),
    };
}

// A sub-agent spawned at 60 s by cx-parent: its own session_meta, the parent's (copied), then the parent's
// history re-stamped within milliseconds, then, seconds later, the sub-agent's own work. Its totals go on
// from the parent's last one (4000/900), as Codex counts a thread that inherits its parent's context.
std::vector<std::string> subagent_lines() {
    return {
        codex_meta(at(60'000), "cx-child", "/home/ana/src/api", codex_spawned_by("cx-parent")),
        codex_meta(at(60'000), "cx-parent"),
        codex_turn(at(60'000), "gpt-5-codex"),
        codex_message(at(60'001), "user", "the parent's first prompt"),
        codex_call(at(60'001), "call-parent-1", "shell", {{"command", boost::json::array{"ls"}}}),
        codex_output(at(60'002), "call-parent-1", "Exit code: 0\nOutput:\n"),
        codex_tokens(at(60'002), {1000, 200, 300, 100}, CodexUsage{1000, 200, 300, 100}),
        codex_tokens(at(60'003), {4000, 2000, 900, 150}, CodexUsage{3000, 1800, 600, 50}),
        codex_message(at(65'000), "user", "the task the parent gave"),
        codex_call(at(66'000), "call-child-1", "shell", {{"command", boost::json::array{"pwd"}}}),
        codex_output(at(66'400), "call-child-1", "Exit code: 0\nOutput:\n"),
        codex_tokens(at(67'000), {5500, 3000, 1000, 150}, CodexUsage{1500, 1000, 100, 0}),
    };
}

// Restarting after any line (state saved, restored in a new parser) gives what one pass gives.
void check_restarts(const std::vector<std::string>& ls) {
    CodexLineParser whole(ctx());
    const auto expected = parse_all(whole, ls);
    for (std::size_t cut = 0; cut <= ls.size(); ++cut) {
        BOOST_TEST_CONTEXT("restart after line " << cut) {
            CodexLineParser first(ctx());
            std::vector<Parsed> got;
            for (std::size_t i = 0; i < cut; ++i) got.push_back(parse(first, ls[i]));
            CodexLineParser second(ctx());
            second.load_state(first.save_state());
            BOOST_TEST(second.save_state() == first.save_state());
            for (std::size_t i = cut; i < ls.size(); ++i) got.push_back(parse(second, ls[i]));
            for (std::size_t i = 0; i < ls.size(); ++i) {
                BOOST_TEST((got[i].outcome == expected[i].outcome));
                BOOST_TEST(got[i].line.usage.has_value() == expected[i].line.usage.has_value());
                BOOST_TEST(got[i].line.message.has_value() == expected[i].line.message.has_value());
                if (got[i].line.message && expected[i].line.message) {
                    BOOST_TEST(got[i].line.message->line_key == expected[i].line.message->line_key);
                    BOOST_TEST(got[i].line.message->agent_id == expected[i].line.message->agent_id);
                }
                if (got[i].line.usage && expected[i].line.usage) {
                    BOOST_TEST((got[i].line.usage->tokens == expected[i].line.usage->tokens));
                    BOOST_TEST(got[i].line.usage->model == expected[i].line.usage->model);
                    BOOST_TEST(got[i].line.usage->dedup_key == expected[i].line.usage->dedup_key);
                    BOOST_TEST(got[i].line.session.session_id == expected[i].line.session.session_id);
                    BOOST_TEST(got[i].line.session.cwd == expected[i].line.session.cwd);
                }
            }
        }
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(codex_parser)

BOOST_AUTO_TEST_CASE(cumulative_totals_become_per_turn_deltas) {
    CodexLineParser p(ctx());
    const auto r = parse_all(p, session_lines());
    BOOST_TEST((r[0].outcome == LineOutcome::Ignored));  // session_meta
    BOOST_TEST((r[1].outcome == LineOutcome::Ignored));  // turn_context
    BOOST_REQUIRE(r[2].line.usage);
    BOOST_REQUIRE(r[3].line.usage);
    BOOST_REQUIRE(r[6].line.usage);

    // Turn 1: the first total is the first turn. Input excludes the cached part.
    const TokenCounts t1 = r[2].line.usage->tokens;
    BOOST_TEST(t1.input == 800);
    BOOST_TEST(t1.cache_read == 200);
    BOOST_TEST(t1.output == 300);  // reasoning is inside output: not added
    BOOST_TEST(t1.reasoning == 100);
    BOOST_TEST(t1.cache_create == 0);

    // Turn 2: the difference of the totals.
    const TokenCounts t2 = r[3].line.usage->tokens;
    BOOST_TEST(t2.input == 500);  // 1500 new prompt tokens, 1000 of them cached
    BOOST_TEST(t2.cache_read == 1000);
    BOOST_TEST(t2.output == 200);
    BOOST_TEST(t2.reasoning == 50);

    // The repeated total is counted once.
    BOOST_TEST((r[4].outcome == LineOutcome::Ignored));
    BOOST_TEST(!r[4].line.usage.has_value());

    // Over the session, the deltas add up to the last total, cached input once.
    const TokenCounts t3 = r[6].line.usage->tokens;
    BOOST_TEST(t1.input + t2.input + t3.input + t1.cache_read + t2.cache_read + t3.cache_read == 4000);
    BOOST_TEST(t1.cache_read + t2.cache_read + t3.cache_read == 2000);
    BOOST_TEST(t1.output + t2.output + t3.output == 900);
    BOOST_TEST(t1.reasoning + t2.reasoning + t3.reasoning == 150);

    // Keys: one per turn, stable, not growing records.
    BOOST_TEST(r[2].line.usage->dedup_key == "codex:cx-1:1300");
    BOOST_TEST(r[3].line.usage->dedup_key == "codex:cx-1:3000");
    BOOST_TEST(!r[2].line.usage->grows);
    BOOST_TEST(r[2].line.session.session_id == "cx-1");
    BOOST_TEST(r[2].line.session.project_slug == "/home/ana/src/api");
    BOOST_TEST(r[2].line.session.project_name == "api");
    BOOST_TEST(r[2].line.session.cli_version == "0.58.0");
    BOOST_TEST(r[2].line.session.git_branch == "main");
    BOOST_TEST(r[2].line.ts == at_ms(2));
}

BOOST_AUTO_TEST_CASE(model_changes_mid_session) {
    CodexLineParser p(ctx());
    const auto r = parse_all(p, session_lines());
    BOOST_TEST(r[2].line.usage->model == "gpt-5-codex");
    BOOST_TEST(r[3].line.usage->model == "gpt-5-codex");
    BOOST_TEST(r[6].line.usage->model == "gpt-5");
}

BOOST_AUTO_TEST_CASE(state_round_trip_resumes_exactly) {
    check_restarts(session_lines());
    check_restarts(subagent_lines());  // including a restart inside the parent's copied history
    // A corrupt saved state starts over rather than crashing.
    CodexLineParser p(ctx());
    p.load_state("{\"totals\":[1,2]");
    BOOST_TEST((parse(p, codex_tokens(at(9), {1, 0, 1, 0})).issue == LineIssue::MissingField));
}

BOOST_AUTO_TEST_CASE(subagent_counts_only_its_own_turns_in_its_parents_session) {
    CodexLineParser p(ctx());
    const auto r = parse_all(p, subagent_lines());
    // The copied history (lines 2 to 8) yields nothing: not the parent's meta, items or token counts.
    for (std::size_t i = 1; i < 8; ++i) {
        BOOST_TEST_CONTEXT("line " << i + 1) {
            BOOST_TEST((r[i].outcome == LineOutcome::Ignored));
            BOOST_TEST(!r[i].line.usage);
            BOOST_TEST(r[i].line.tool_calls.empty());
        }
    }
    // Its own work: stored in the parent's session, as a side chain named after the sub-agent's thread.
    BOOST_REQUIRE(r[8].line.message);
    BOOST_TEST(r[8].line.session.session_id == "cx-parent");
    BOOST_TEST(r[8].line.message->is_sidechain);
    BOOST_TEST(r[8].line.message->agent_id == "cx-child");
    BOOST_TEST(r[8].line.message->line_key.starts_with("codex:cx-child:"));
    BOOST_REQUIRE(r[9].line.tool_calls.size() == 1u);
    BOOST_TEST(r[9].line.tool_calls[0].tool_use_id == "call-child-1");
    // Usage: what its turn added to the parent's last total, keyed on its own thread.
    BOOST_REQUIRE(r[11].line.usage);
    const TokenCounts t = r[11].line.usage->tokens;
    BOOST_TEST(t.input == 500);       // 1500 more input, 1000 of it cached
    BOOST_TEST(t.cache_read == 1000);
    BOOST_TEST(t.output == 100);
    BOOST_TEST(r[11].line.usage->dedup_key == "codex:cx-child:6500");
    BOOST_TEST(r[11].line.session.session_id == "cx-parent");
}

BOOST_AUTO_TEST_CASE(fork_is_its_own_session_and_skips_the_copy) {
    CodexLineParser p(ctx());
    const auto r = parse_all(
        p, {codex_meta(at(0), "cx-fork", "/home/ana/src/api", {{"forked_from_id", "cx-parent"}}),
            codex_meta(at(0), "cx-parent"),
            codex_turn(at(0), "gpt-5"),
            codex_tokens(at(1), {4000, 2000, 900, 150}, CodexUsage{3000, 1800, 600, 50}),
            codex_message(at(1), "assistant", "copied"),
            // The fork's own first turn, its totals starting afresh: its last turn is what it added.
            codex_tokens(at(9000), {1200, 1000, 50, 0}, CodexUsage{1200, 1000, 50, 0}),
            // Inside the same second as the copy, but after the copy ended: never suppressed again.
            codex_tokens(at(9100), {1300, 1000, 60, 0}, CodexUsage{100, 0, 10, 0})});
    BOOST_TEST(!r[3].line.usage);
    BOOST_TEST(!r[4].line.message);
    BOOST_REQUIRE(r[5].line.usage);
    BOOST_TEST(r[5].line.session.session_id == "cx-fork");
    BOOST_TEST(r[5].line.usage->tokens.input == 200);
    BOOST_TEST(r[5].line.usage->tokens.cache_read == 1000);
    BOOST_TEST(r[5].line.usage->tokens.output == 50);
    BOOST_REQUIRE(r[6].line.usage);
    BOOST_TEST(r[6].line.usage->tokens.input == 100);
    BOOST_TEST(r[6].line.usage->tokens.output == 10);
}

BOOST_AUTO_TEST_CASE(a_rollout_that_is_not_a_fork_loses_nothing_at_its_start) {
    CodexLineParser p(ctx());
    const auto r = parse_all(p, {codex_meta(at(0), "cx-3"), codex_turn(at(0), "gpt-5"),
                                 codex_message(at(1), "user", "first prompt"),
                                 codex_tokens(at(2), {100, 0, 10, 0}, CodexUsage{100, 0, 10, 0})});
    BOOST_TEST(r[2].line.message.has_value());
    BOOST_REQUIRE(r[3].line.usage);
    BOOST_TEST(r[3].line.usage->tokens.input == 100);
    BOOST_TEST(r[3].line.session.session_id == "cx-3");
    BOOST_TEST(!r[2].line.message->is_sidechain);
}

BOOST_AUTO_TEST_CASE(last_token_usage_when_totals_are_unusable) {
    CodexLineParser p(ctx());
    parse(p, codex_meta(at(0), "cx-2"));
    parse(p, codex_turn(at(0), "gpt-5"));
    // The first event of a resumed rollout: its total covers the earlier file; the last turn is what is new.
    Parsed r = parse(p, codex_tokens(at(1), {50'000, 40'000, 2000, 0}, CodexUsage{6000, 5000, 300, 0}));
    BOOST_TEST(r.line.usage->tokens.input == 1000);
    BOOST_TEST(r.line.usage->tokens.cache_read == 5000);
    BOOST_TEST(r.line.usage->tokens.output == 300);
    r = parse(p, codex_tokens(at(2), {57'000, 46'000, 2400, 0}, CodexUsage{7000, 6000, 400, 0}));
    BOOST_TEST(r.line.usage->tokens.input == 1000);  // from the totals: 7000 new, 6000 cached
    BOOST_TEST(r.line.usage->tokens.output == 400);
    // Totals that go backwards (a reset): the last turn's own usage.
    r = parse(p, codex_tokens(at(3), {100, 0, 10, 0}, CodexUsage{100, 0, 10, 0}));
    BOOST_TEST(r.line.usage->tokens.input == 100);
    BOOST_TEST(r.line.usage->tokens.output == 10);
    // No usage info at all (a rate-limit-only event).
    r = parse(p, codex_line(at(4), "event_msg", {{"type", "token_count"}, {"info", nullptr}}));
    BOOST_TEST((r.outcome == LineOutcome::Ignored));
    BOOST_TEST((r.issue == LineIssue::None));
}

BOOST_AUTO_TEST_CASE(function_calls_and_outputs) {
    CodexLineParser p(ctx());
    parse(p, codex_meta(at(0), "cx-3"));
    parse(p, codex_turn(at(0), "gpt-5-codex"));
    Parsed r =
        parse(p, codex_call(at(100), "call_1", "shell", {{"command", json::array{"ls"}}, {"workdir", "/w"}}));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_REQUIRE(r.line.tool_calls.size() == 1u);
    BOOST_TEST(r.line.tool_calls[0].tool_use_id == "call_1");
    BOOST_TEST(r.line.tool_calls[0].tool_name == "shell");
    BOOST_TEST(*r.line.tool_calls[0].file_path == "/w");
    BOOST_TEST(r.line.message->kind == "function_call");
    BOOST_TEST(r.line.message->model == "gpt-5-codex");
    BOOST_TEST(r.line.message->line_key.starts_with("codex:cx-3:"));

    // JSON output with an exit code.
    r = parse(p, codex_output(at(900), "call_1", R"({"output":"abc","metadata":{"exit_code":1}})"));
    BOOST_REQUIRE(r.line.tool_results.size() == 1u);
    BOOST_TEST(r.line.tool_results[0].tool_use_id == "call_1");
    BOOST_TEST(r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.tool_results[0].result_bytes == 3);
    BOOST_TEST(r.line.message->kind == "tool_result");
    // Text output with an exit code line.
    const std::string text = "Exit code: 0\nWall time: 1s\nok";
    r = parse(p, codex_output(at(901), "call_2", text));
    BOOST_TEST(!r.line.tool_results[0].is_error);
    BOOST_TEST(r.line.tool_results[0].result_bytes == static_cast<std::int64_t>(text.size()));
    r = parse(p, codex_output(at(902), "call_3", "Exit code: 127\nnot found"));
    BOOST_TEST(r.line.tool_results[0].is_error);
    r = parse(p, codex_output(at(903), "call_4", "plain text"));
    BOOST_TEST(!r.line.tool_results[0].is_error);

    // apply_patch as a custom tool call: the patch size and the file it touches.
    const std::string patch = "*** Begin Patch\n*** Update File: src/main.rs\n@@\n-a\n+b\n*** End Patch";
    r = parse(p, codex_line(at(950), "response_item",
                            {{"type", "custom_tool_call"},
                             {"name", "apply_patch"},
                             {"call_id", "call_p"},
                             {"input", patch}}));
    BOOST_REQUIRE(r.line.tool_calls.size() == 1u);
    BOOST_TEST(*r.line.tool_calls[0].file_path == "src/main.rs");
    BOOST_TEST(*r.line.tool_calls[0].byte_count == static_cast<std::int64_t>(patch.size()));
    r = parse(
        p, codex_line(at(951), "response_item",
                      {{"type", "custom_tool_call_output"}, {"call_id", "call_p"}, {"output", "Success"}}));
    BOOST_TEST(r.line.tool_results.at(0).tool_use_id == "call_p");

    // Messages are recorded; identical text at another time is another message.
    const Parsed m1 = parse(p, codex_message(at(1000), "assistant", "done"));
    const Parsed m2 = parse(p, codex_message(at(1001), "assistant", "done"));
    BOOST_TEST(m1.line.message->role == "assistant");
    BOOST_TEST(m1.line.message->line_key != m2.line.message->line_key);
}

BOOST_AUTO_TEST_CASE(bad_lines) {
    CodexLineParser p(ctx());
    // Before session_meta a line cannot be attributed.
    Parsed r = parse(p, codex_tokens(at(1), {10, 0, 5, 0}));
    BOOST_TEST((r.outcome == LineOutcome::Rejected));
    BOOST_TEST((r.issue == LineIssue::MissingField));
    r = parse(p, codex_meta(at(0), ""));  // a meta line without an id
    BOOST_TEST((r.issue == LineIssue::MissingField));
    parse(p, codex_meta(at(0), "cx-4"));
    for (const char* bad : {"{", "[]", "{\"timestamp\":1,\"type\":\"response_item\"", "nonsense"}) {
        r = parse(p, bad);
        BOOST_TEST((r.outcome == LineOutcome::Rejected), bad);
        BOOST_TEST((r.issue == LineIssue::Malformed), bad);
    }
    // Unknown types and payload types: ignored, no issue.
    for (const std::string& line :
         {codex_line(at(2), "compacted", {{"message", "x"}}),
          codex_line(at(2), "event_msg", {{"type", "agent_reasoning"}, {"text", "hm"}}),
          codex_line(at(2), "response_item", {{"type", "reasoning"}, {"summary", json::array{}}}),
          codex_line(at(2), "hologram", {})}) {
        r = parse(p, line);
        BOOST_TEST((r.outcome == LineOutcome::Ignored), line);
        BOOST_TEST((r.issue == LineIssue::None), line);
    }
    // Absurd totals: reported, not billed.
    r = parse(p, codex_tokens(at(3), {1'000'000'000'000, 0, 5, 0}));
    BOOST_TEST((r.issue == LineIssue::AbsurdTokens));
    BOOST_TEST(!r.line.usage.has_value());
    // A sane total afterwards is still billed (from its last-turn usage, the totals went backwards).
    r = parse(p, codex_tokens(at(4), {100, 0, 5, 0}, CodexUsage{100, 0, 5, 0}));
    BOOST_REQUIRE(r.line.usage.has_value());
    BOOST_TEST(r.line.usage->tokens.input == 100);
}

BOOST_AUTO_TEST_SUITE_END()
