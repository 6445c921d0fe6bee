// Regression tests for what the fuzz targets (fuzz/, docs/RELIABILITY.md "Fuzzing") found: one case per
// finding, each with the smallest input that showed it.
#include <stdlib.h>
#include <boost/test/unit_test.hpp>

#include <limits>
#include <string>
#include <vector>

#include "Transcripts.hpp"
#include "app/Config.hpp"
#include "agents/claude/ClaudeLineParser.hpp"
#include "agents/codex/CodexLineParser.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

constexpr std::int64_t kBig = std::numeric_limits<std::int64_t>::max();

FileContext codex_ctx() {
    FileContext c;
    return c;
}

std::string codex_totals(const std::string& ts, const std::string& total_usage) {
    return R"({"timestamp":")" + ts + R"(","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":)" +
           total_usage + "}}}";
}

struct Result {
    LineOutcome outcome;
    LineIssue issue;
    ParsedLine line;
};

Result parse(LineParser& p, const std::string& text) {
    Result r{};
    r.outcome = p.parse(text, 1, r.line, r.issue);
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_regressions)

// transcript_fuzz, UBSan: signed overflow in CodexLineParser. A total without total_tokens was summed from
// input + output near INT64_MAX; a negative total kept as the baseline made the next delta overflow.
BOOST_AUTO_TEST_CASE(codex_absurd_cumulative_totals_are_rejected_without_overflow) {
    CodexLineParser p(codex_ctx());
    parse(p, codex_meta(at(0), "cx-fuzz"));
    parse(p, codex_turn(at(0), "gpt-5-codex"));
    const std::string big = std::to_string(kBig);
    Result r = parse(p, codex_totals(at(1), R"({"input_tokens":)" + big + R"(,"output_tokens":)" + big + "}"));
    BOOST_TEST(!r.line.usage);
    BOOST_TEST((r.issue == LineIssue::AbsurdTokens));
    r = parse(p, codex_totals(at(2), R"({"input_tokens":-)" + big + R"(,"output_tokens":0,"total_tokens":-)" + big + "}"));
    BOOST_TEST(!r.line.usage);
    BOOST_TEST((r.issue == LineIssue::AbsurdTokens));
    r = parse(p, codex_totals(at(3), R"({"input_tokens":)" + big + R"(,"output_tokens":1,"total_tokens":)" + big + "}"));
    BOOST_TEST(!r.line.usage);
    // The corrupt totals did not become the baseline: the first sane total counts whole.
    r = parse(p, codex_tokens(at(4), {1000, 200, 300, 100}));
    BOOST_REQUIRE(r.line.usage);
    BOOST_TEST(r.line.usage->tokens.input == 800);
    BOOST_TEST(r.line.usage->tokens.cache_read == 200);
    BOOST_TEST(r.line.usage->tokens.output == 300);
    // A corrupt total saved in the parser state (an older build wrote whatever it read) is not restored.
    CodexLineParser q(codex_ctx());
    q.load_state(R"({"session_id":"cx-fuzz","last_ts":1,"totals":[-9223372036854775807,0,0,0,-9223372036854775807]})");
    r = parse(q, codex_tokens(at(5), {1000, 200, 300, 100}));
    BOOST_REQUIRE(r.line.usage);
    BOOST_TEST(r.line.usage->tokens.input == 800);
}

// transcript_fuzz, UBSan: signed overflow in ClaudeLineParser summing the cache_creation breakdown.
BOOST_AUTO_TEST_CASE(claude_cache_creation_breakdown_near_int64_max_is_absurd) {
    FileContext ctx;
    ctx.project_slug = "-home-ana-src-shop";
    ClaudeLineParser p(ctx);
    Assistant a;
    a.uuid = "u-fuzz";
    a.usage = Usage{10, 5, 0, 0, kBig, 1};
    Result r = parse(p, claude_assistant(a));
    BOOST_TEST((r.outcome == LineOutcome::Record));
    BOOST_TEST(!r.line.usage);
    BOOST_TEST((r.issue == LineIssue::AbsurdTokens));
}

// config_fuzz: `--budget inf` (and AGENTPULSE_BUDGET=inf) was accepted as a budget.
BOOST_AUTO_TEST_CASE(budget_must_be_finite) {
    for (const char* v : {"inf", "infinity", "nan", "-inf"}) {
        const std::vector<const char*> argv{"agentpulse", "serve", "--budget", v};
        const CliOutcome out = parse_cli(static_cast<int>(argv.size()), argv.data());
        BOOST_TEST(!out.config, v);
        BOOST_TEST(out.exit_code == 2, v);
    }
}

// config_fuzz, timeout: a bad value or option holding a Boost placeholder made the error message loop for
// ever (Boost.Program_options 1.81 substitutes until no placeholder is left).
BOOST_AUTO_TEST_CASE(bad_values_holding_placeholders_get_an_error_not_a_hang) {
    const std::vector<std::vector<const char*>> cases{
        {"agentpulse", "serve", "--port", "%value%"},
        {"agentpulse", "serve", "--max-connections", "5%value%x"},
        {"agentpulse", "serve", "--%canonical_option%"},
        {"agentpulse", "serve", "--budget", "%option%%value%%prefix%"},
    };
    for (const auto& argv : cases) {
        const CliOutcome out = parse_cli(static_cast<int>(argv.size()), argv.data());
        BOOST_TEST(!out.config, argv.back());
        BOOST_TEST(out.exit_code == 2, argv.back());
        BOOST_TEST(out.message.size() < 2000, argv.back());
    }
}

// config_fuzz: `--store ""` (or an empty AGENTPULSE_STORE) gave an empty store path, which SQLite opens as a
// temporary database deleted on exit.
BOOST_AUTO_TEST_CASE(empty_paths_mean_the_defaults) {
    const std::vector<const char*> argv{"agentpulse", "status", "--store", "", "--claude-projects", "",
                                        "--codex-sessions", ""};
    const CliOutcome out = parse_cli(static_cast<int>(argv.size()), argv.data());
    BOOST_REQUIRE(out.config);
    BOOST_TEST(out.config->store == default_store_path());
    BOOST_REQUIRE(out.config->roots.size() == agent_sources().size());
    for (const AgentRoot& r : out.config->roots) BOOST_TEST(r.path == r.source->default_root(), r.source->name());
}

BOOST_AUTO_TEST_SUITE_END()
