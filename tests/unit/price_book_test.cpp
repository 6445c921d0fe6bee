// core/PriceBook: the Anthropic cache rules (5m/1h writes, reads), long context, fast tier, OpenAI cached
// input, unknown models, glob matching, clear errors for bad price files, and the shipped price card.
#include <boost/test/unit_test.hpp>

#include "TempDir.hpp"
#include "agents/AgentRegistry.hpp"
#include "app/Startup.hpp"
#include "core/PriceBook.hpp"

using namespace agentpulse;
namespace tt = boost::test_tools;

namespace {

const char* kCard = R"({
  "models": [
    {"family": "sonnet", "provider": "claude", "match": ["*claude-sonnet-4-5*"],
     "input": 3, "output": 15, "cache_write_5m": 3.75, "cache_write_1h": 6, "cache_read": 0.3,
     "long_context": {"threshold_tokens": 200000, "input": 6, "output": 22.5, "cache_write_5m": 7.5,
                      "cache_write_1h": 12, "cache_read": 0.6}},
    {"family": "opus", "provider": "claude", "match": ["*claude-opus-4-5*"],
     "input": 5, "output": 25, "fast": {"multiplier": 6}},
    {"family": "first", "match": ["shared-*"], "input": 1, "output": 1},
    {"family": "second", "match": ["shared-model", "other"], "input": 2, "output": 2},
    {"family": "gpt", "provider": "codex", "match": ["gpt-5", "gpt-5-codex"], "input": 1.25, "cached_input": 0.125,
     "output": 10},
  ],
})";

TokenCounts tokens(std::int64_t in, std::int64_t out, std::int64_t read = 0, std::int64_t create = 0,
                   std::int64_t create_1h = 0) {
    TokenCounts t;
    t.input = in, t.output = out, t.cache_read = read, t.cache_create = create, t.cache_create_1h = create_1h;
    return t;
}

std::string error_of(std::string_view text) {
    try {
        PriceBook::parse(text, "card.json", agent_price_families());
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "(no error)";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(price_book)

BOOST_AUTO_TEST_CASE(one_hour_cache_writes_cost_more_than_five_minute_ones) {
    const PriceBook book = PriceBook::parse(kCard);
    const std::string m = "claude-sonnet-4-5-20250929";
    // 10,000 cache-write tokens, all 5-minute, all 1-hour, then mixed 6,000 / 4,000.
    BOOST_TEST(book.cost("claude", m, tokens(0, 0, 0, 10'000, 0)).usd == 10'000 * 3.75 / 1e6,
               tt::tolerance(1e-12));
    BOOST_TEST(book.cost("claude", m, tokens(0, 0, 0, 10'000, 10'000)).usd == 10'000 * 6.0 / 1e6,
               tt::tolerance(1e-12));
    const Cost mixed = book.cost("claude", m, tokens(1000, 500, 20'000, 10'000, 4000));
    BOOST_TEST(mixed.usd == (1000 * 3 + 500 * 15 + 20'000 * 0.3 + 6000 * 3.75 + 4000 * 6.0) / 1e6,
               tt::tolerance(1e-12));
    BOOST_TEST(mixed.source == "rate_card");
    BOOST_TEST(mixed.family == "sonnet");
    BOOST_TEST(mixed.priced());
}

BOOST_AUTO_TEST_CASE(cache_rates_default_to_the_anthropic_rule) {
    // Only input and output given: writes 1.25x (5m) and 2x (1h) input, reads 0.1x input.
    const PriceBook book = PriceBook::parse(kCard);
    const ModelPrice* opus = book.find("claude", "claude-opus-4-5-20251101");
    BOOST_REQUIRE(opus);
    BOOST_TEST(opus->rates.cache_write_5m == 6.25, tt::tolerance(1e-12));
    BOOST_TEST(opus->rates.cache_write_1h == 10.0, tt::tolerance(1e-12));
    BOOST_TEST(opus->rates.cache_read == 0.5, tt::tolerance(1e-12));
    BOOST_TEST(book.cost("claude", "claude-opus-4-5-20251101", tokens(0, 0, 1'000'000)).usd == 0.5,
               tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(long_context_applies_above_the_threshold_of_the_whole_prompt) {
    const PriceBook book = PriceBook::parse(kCard);
    const std::string m = "claude-sonnet-4-5";
    // Exactly at the threshold: standard rates.
    const Cost at = book.cost("claude", m, tokens(100'000, 1000, 60'000, 40'000));
    BOOST_TEST(at.source == "rate_card");
    BOOST_TEST(at.usd == (100'000 * 3 + 1000 * 15 + 60'000 * 0.3 + 40'000 * 3.75) / 1e6,
               tt::tolerance(1e-12));
    // One token more, counted from cache reads: every part at the long-context rates.
    const Cost over = book.cost("claude", m, tokens(100'000, 1000, 60'001, 40'000, 10'000));
    BOOST_TEST(over.source == "rate_card_long_context");
    BOOST_TEST(over.usd == (100'000 * 6 + 1000 * 22.5 + 60'001 * 0.6 + 30'000 * 7.5 + 10'000 * 12.0) / 1e6,
               tt::tolerance(1e-12));
    // A model without a long-context rule never switches.
    BOOST_TEST(book.cost("claude", "claude-opus-4-5", tokens(900'000, 0)).source == "rate_card");
}

// Vendors that bill by prompt length in several steps (Alibaba Cloud's Qwen models: 0-32K, 32K-128K,
// 128K-256K, 256K-1M): the highest tier whose threshold the whole prompt is over.
BOOST_AUTO_TEST_CASE(tiers_apply_by_the_whole_prompt_each_above_its_threshold) {
    const PriceBook book = PriceBook::parse(R"({"models":[{"family":"tiered","provider":"qwen","match":["tiered-*"],
        "billing":"openai","input":1,"cached_input":0.2,"output":5,
        "tiers":[{"threshold_tokens":32000,"input":2,"cached_input":0.4,"output":10},
                 {"threshold_tokens":128000,"input":3,"output":15},
                 {"threshold_tokens":256000,"input":6,"cached_input":1.2,"output":60}]}]})");
    const std::string m = "tiered-coder";
    auto usd = [&](std::int64_t input, std::int64_t cached) { return book.cost("qwen", m, tokens(input, 1'000, cached)); };
    // At a threshold: the tier below. Cache reads count toward the prompt.
    BOOST_TEST(usd(22'000, 10'000).source == "rate_card");
    BOOST_TEST(usd(22'000, 10'000).usd == (22'000 * 1 + 1'000 * 5 + 10'000 * 0.2) / 1e6, tt::tolerance(1e-12));
    BOOST_TEST(usd(22'000, 10'001).source == "rate_card_long_context");
    BOOST_TEST(usd(22'000, 10'001).usd == (22'000 * 2 + 1'000 * 10 + 10'001 * 0.4) / 1e6, tt::tolerance(1e-12));
    // A tier without cached_input bills the cached part at its own input rate (OpenAI billing).
    BOOST_TEST(usd(100'000, 28'001).usd == (100'000 * 3 + 1'000 * 15 + 28'001 * 3.0) / 1e6, tt::tolerance(1e-12));
    BOOST_TEST(usd(256'000, 0).usd == (256'000 * 3 + 1'000 * 15) / 1e6, tt::tolerance(1e-12));
    BOOST_TEST(usd(900'000, 100'000).usd == (900'000 * 6 + 1'000 * 60 + 100'000 * 1.2) / 1e6, tt::tolerance(1e-12));
    const ModelPrice* mp = book.find("qwen", m);
    BOOST_REQUIRE(mp);
    BOOST_TEST(mp->tiers.size() == 3u);
    BOOST_TEST(!mp->long_context);
    // Input alone: a longer prompt never costs less per token here (the tiers only go up).
    double last = 0;
    for (std::int64_t p = 1'000; p <= 1'000'000; p += 7'919) {
        const double per_token = book.cost("qwen", m, tokens(p, 0)).usd / static_cast<double>(p);
        BOOST_TEST(per_token >= last * (1 - 1e-9));
        last = per_token;
    }
}

BOOST_AUTO_TEST_CASE(fast_tier_multiplies_where_the_card_has_a_rule) {
    const PriceBook book = PriceBook::parse(kCard);
    const TokenCounts t = tokens(1000, 2000, 3000, 400, 100);
    const Cost normal = book.cost("claude", "claude-opus-4-5-20251101", t);
    const Cost fast = book.cost("claude", "claude-opus-4-5-20251101", t, true);
    BOOST_TEST(fast.source == "rate_card_fast");
    BOOST_TEST(fast.usd == normal.usd * 6, tt::tolerance(1e-12));
    BOOST_TEST(normal.usd == (1000 * 5 + 2000 * 25 + 3000 * 0.5 + 300 * 6.25 + 100 * 10.0) / 1e6,
               tt::tolerance(1e-12));
    // No fast rule for the family: the tier changes nothing.
    const Cost sonnet = book.cost("claude", "claude-sonnet-4-5", t, true);
    BOOST_TEST(sonnet.source == "rate_card");
    BOOST_TEST(sonnet.usd == book.cost("claude", "claude-sonnet-4-5", t).usd);
}

BOOST_AUTO_TEST_CASE(unknown_model_is_unpriced_never_guessed) {
    const PriceBook book = PriceBook::parse(kCard);
    for (const char* model : {"claude-mythical-9", "", "gpt-6", "sonnet"}) {
        const Cost c = book.cost("claude", model, tokens(1000, 1000, 1000, 1000));
        BOOST_TEST(c.source == "unpriced", model);
        BOOST_TEST(c.usd == 0.0, model);
        BOOST_TEST(c.family.empty(), model);
        BOOST_TEST(!c.priced(), model);
    }
    // A family restricted to one provider does not price the other's responses.
    BOOST_TEST(book.cost("codex", "claude-sonnet-4-5", tokens(1, 1)).source == "unpriced");
    BOOST_TEST(book.cost("claude", "gpt-5", tokens(1, 1)).source == "unpriced");
    // A family without a provider prices both.
    BOOST_TEST(book.cost("codex", "shared-x", tokens(1, 1)).family == "first");
}

BOOST_AUTO_TEST_CASE(usage_naming_no_model_is_estimated_only_where_the_card_says_so) {
    const std::string card = std::string(kCard).substr(0, std::string(kCard).rfind('}')) +
                             R"("unknown_model_estimates": {"codex": "gpt-5"}})";
    const PriceBook book = PriceBook::parse(card);
    const Cost est = book.cost("codex", "", tokens(1'000'000, 100'000));
    BOOST_TEST(est.source == std::string(kEstimateModelUnknown));
    BOOST_TEST(est.family == "gpt");
    BOOST_TEST(est.usd == 1.25 + 1.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(est.priced());
    // Only for the family named, and only when no model is named: a named unknown model stays unpriced.
    BOOST_TEST(book.cost("claude", "", tokens(1, 1)).source == "unpriced");
    BOOST_TEST(book.cost("codex", "gpt-9", tokens(1, 1)).source == "unpriced");
    BOOST_TEST(*book.unknown_model_estimate("codex") == "gpt-5");
    BOOST_TEST(book.unknown_model_estimate("claude") == nullptr);
    // Without the key nothing is estimated; an estimate the card cannot price is refused at load.
    BOOST_TEST(PriceBook::parse(kCard).cost("codex", "", tokens(1, 1)).source == "unpriced");
    const std::string bad = std::string(kCard).substr(0, std::string(kCard).rfind('}')) +
                            R"("unknown_model_estimates": {"codex": "gpt-9"}})";
    BOOST_CHECK_EXCEPTION(PriceBook::parse(bad, "card.json"), std::runtime_error, [](const std::runtime_error& e) {
        return std::string(e.what()).find("'codex' estimates as 'gpt-9', which no entry of that family prices") !=
               std::string::npos;
    });
    // The shipped card estimates Codex's model-less rollouts as gpt-5.
    const PriceBook shipped = PriceBook::load_file(AGENTPULSE_PRICING_FILE, agent_price_families());
    BOOST_REQUIRE(shipped.unknown_model_estimate("codex"));
    BOOST_TEST(shipped.cost("codex", "", tokens(1000, 10)).source == std::string(kEstimateModelUnknown));
}

BOOST_AUTO_TEST_CASE(openai_cached_input_replaces_input) {
    const PriceBook book = PriceBook::parse(kCard);
    // 10,000 prompt tokens of which 4,000 cached: TokenCounts carries input without the cached part.
    const Cost c = book.cost("codex", "gpt-5-codex", tokens(6000, 2000, 4000));
    BOOST_TEST(c.usd == (6000 * 1.25 + 4000 * 0.125 + 2000 * 10.0) / 1e6, tt::tolerance(1e-12));
    const ModelPrice* gpt = book.find("codex", "gpt-5");
    BOOST_REQUIRE(gpt);
    BOOST_TEST(gpt->rates.cache_read == 0.125);
    // Without a cached_input rate, cached tokens cost what input does (not 0.1x, not 1.25x): the codex
    // family bills the OpenAI way (its agent source says so) ...
    const PriceBook plain = PriceBook::parse(
        R"({"models":[{"family":"o","provider":"codex","match":["o9"],"input":2,"output":8}]})", "<pricing>",
        agent_price_families());
    BOOST_TEST(plain.cost("codex", "o9", tokens(0, 0, 1'000'000)).usd == 2.0, tt::tolerance(1e-12));
    // ... and so does any entry that says "billing": "openai".
    const PriceBook any = PriceBook::parse(
        R"({"models":[{"family":"o","billing":"openai","match":["o9"],"input":2,"output":8}]})");
    BOOST_TEST(any.cost("claude", "o9", tokens(0, 0, 1'000'000)).usd == 2.0, tt::tolerance(1e-12));
    BOOST_TEST(any.cost("", "o9", tokens(0, 0, 1'000'000)).usd == 2.0, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(glob_matching) {
    BOOST_TEST(glob_match("*claude-opus-4-5*", "claude-opus-4-5-20251101"));
    BOOST_TEST(glob_match("*claude-opus-4-5*", "us.anthropic.claude-opus-4-5-20251101-v1:0"));
    BOOST_TEST(glob_match("*claude-opus-4-5*", "CLAUDE-OPUS-4-5"));  // case-insensitive
    BOOST_TEST(glob_match("gpt-5", "gpt-5"));
    BOOST_TEST(!glob_match("gpt-5", "gpt-5-mini"));  // no star, no prefix match
    BOOST_TEST(!glob_match("gpt-5", "gpt-"));
    BOOST_TEST(glob_match("gpt-5*", "gpt-5"));  // a star matches nothing too
    BOOST_TEST(glob_match("a*b*c", "a-x-b-y-b-c"));
    BOOST_TEST(!glob_match("a*b*c", "a-x-b-y-c-d"));
    BOOST_TEST(glob_match("*", ""));
    BOOST_TEST(glob_match("**x**", "x"));
    BOOST_TEST(!glob_match("x", ""));
    BOOST_TEST(!glob_match("?pus", "opus"));  // only '*' is special
    BOOST_TEST(glob_match("*-4", "claude-opus-4"));
    BOOST_TEST(!glob_match("*-4", "claude-opus-4-1"));
}

BOOST_AUTO_TEST_CASE(ids_with_a_provider_prefix_or_dotted_claude_versions_find_their_entry) {
    BOOST_TEST(canonical_model_id("claude-sonnet-4.6") == "claude-sonnet-4-6");
    BOOST_TEST(canonical_model_id("anthropic/claude-sonnet-4-5") == "claude-sonnet-4-5");
    BOOST_TEST(canonical_model_id("github-copilot/claude-opus-4.5") == "claude-opus-4-5");
    BOOST_TEST(canonical_model_id("Claude-3.5-Haiku") == "Claude-3-5-Haiku");
    BOOST_TEST(canonical_model_id("openai/gpt-5.1-codex") == "gpt-5.1-codex");  // OpenAI's dots are its own
    BOOST_TEST(canonical_model_id("gemini-2.5-pro") == "gemini-2.5-pro");
    BOOST_TEST(canonical_model_id("claude-sonnet-4-6") == "claude-sonnet-4-6");  // already canonical
    BOOST_TEST(canonical_model_id("claude.") == "claude.");
    BOOST_TEST(canonical_model_id("/") == "");

    // Through the shipped card, for an agent whose usage any entry may price (empty family) and for one
    // restricted to its own entries.
    const PriceBook book = PriceBook::load_file(AGENTPULSE_PRICING_FILE);
    const std::pair<const char*, const char*> cases[] = {
        {"claude-sonnet-4.6", "claude-sonnet-4.6"},
        {"anthropic/claude-sonnet-4-5", "claude-sonnet-4"},
        {"claude-opus-4.5", "claude-opus-4.5+"},
        {"claude-haiku-4.5", "claude-haiku-4.5"},
        {"openai/gpt-5", "gpt-5"},
        {"gpt-5.1-codex", "gpt-5"},
    };
    for (const auto& [model, family] : cases) {
        BOOST_TEST_CONTEXT(model) {
            const ModelPrice* mp = book.find("", model);
            BOOST_REQUIRE(mp);
            BOOST_TEST(mp->family == family);
        }
    }
    BOOST_TEST(book.find("codex", "anthropic/claude-sonnet-4-5") == nullptr);  // not Codex's family
    // An entry that names an id with a '/' as written still prices it (the id as written is tried first;
    // found by fuzz/price_book_fuzz).
    const PriceBook slash = PriceBook::parse(R"({"models":[{"family":"routed","match":["/*m*"],"input":1,"output":1}]})");
    BOOST_REQUIRE(slash.find("", "/m"));
    BOOST_TEST(slash.find("", "/m")->family == "routed");
    BOOST_TEST(book.find("claude", "openai/gpt-5") == nullptr);
}

BOOST_AUTO_TEST_CASE(first_match_in_file_order_wins) {
    const PriceBook book = PriceBook::parse(kCard);
    BOOST_TEST(book.find("claude", "shared-model")->family == "first");  // both match: the earlier entry
    BOOST_TEST(book.find("claude", "other")->family == "second");
    // Reversing the order reverses the winner.
    const PriceBook reversed = PriceBook::parse(R"({"models":[
        {"family":"second","match":["shared-model"],"input":2,"output":2},
        {"family":"first","match":["shared-*"],"input":1,"output":1}]})");
    BOOST_TEST(reversed.find("claude", "shared-model")->family == "second");
    BOOST_TEST(reversed.cost("claude", "shared-model", tokens(1'000'000, 0)).usd == 2.0,
               tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(bad_price_files_get_clear_errors) {
    struct Case {
        const char* text;
        const char* expect;
    };
    const Case cases[] = {
        {"{not json", "not valid JSON"},
        {"[]", "top level must be an object"},
        {"{}", "'models' must be an array"},
        {R"({"models":{}})", "'models' must be an array"},
        {R"({"models":[1]})", "must be an object"},
        {R"({"models":[{"match":["x"],"input":1,"output":1}]})", "lacks a 'family'"},
        {R"({"models":[{"family":"f","input":1,"output":1}]})", "'f' needs a non-empty 'match'"},
        {R"({"models":[{"family":"f","match":[],"input":1,"output":1}]})", "'f' needs a non-empty 'match'"},
        {R"({"models":[{"family":"f","match":[""],"input":1,"output":1}]})", "non-empty strings"},
        {R"({"models":[{"family":"f","match":["x"],"output":1}]})", "'f' lacks 'input'"},
        {R"({"models":[{"family":"f","match":["x"],"input":"3","output":1}]})", "'input' is not a number"},
        {R"({"models":[{"family":"f","match":["x"],"input":-1,"output":1}]})", "'input' out of range"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"cache_read":1e9}]})",
         "'cache_read' out of range"},
        {R"({"models":[{"family":"f","provider":"amp","match":["x"],"input":1,"output":1}]})",
         "provider must be one of 'claude', 'codex'"},
        {R"({"models":[{"family":"f","billing":"google","match":["x"],"input":1,"output":1}]})",
         "billing must be 'anthropic' or 'openai'"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"long_context":{"input":2,"output":2}}]})",
         "lacks 'threshold_tokens'"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"long_context":5}]})",
         "'long_context' must be"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"fast":{}}]})", "lacks 'multiplier'"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[]}]})", "'tiers' must be a non-empty"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":{"input":2}}]})",
         "'tiers' must be a non-empty"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[5]}]})", "must be an object"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[{"input":2,"output":2}]}]})",
         "lacks 'threshold_tokens'"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[{"threshold_tokens":0.5,"input":2,"output":2}]}]})",
         "positive whole number"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[{"threshold_tokens":10,"output":2}]}]})",
         "'f' lacks 'input'"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"tiers":[{"threshold_tokens":9,"input":2,"output":2},{"threshold_tokens":9,"input":3,"output":3}]}]})",
         "ascending order of threshold_tokens (9 after 9)"},
        {R"({"models":[{"family":"f","match":["x"],"input":1,"output":1,"long_context":{"threshold_tokens":9,"input":2,"output":2},"tiers":[{"threshold_tokens":9,"input":2,"output":2}]}]})",
         "both 'long_context' and 'tiers'"},
    };
    for (const Case& c : cases) {
        const std::string err = error_of(c.text);
        BOOST_TEST(err.find("card.json: ") == 0, c.text << " -> " << err);
        BOOST_TEST(err.find(c.expect) != std::string::npos, c.text << " -> " << err);
    }
    agentpulse::test::TempDir dir;
    try {
        PriceBook::load_file(dir / "missing.json");
        BOOST_FAIL("a missing price file loaded");
    } catch (const std::runtime_error& e) {
        BOOST_TEST(std::string(e.what()).find("missing.json: cannot open price file") != std::string::npos,
                   e.what());
    }
}

BOOST_AUTO_TEST_CASE(shipped_price_card_parses_and_prices_current_models) {
    const PriceBook book = PriceBook::load_file(AGENTPULSE_PRICING_FILE);
    BOOST_TEST(book.models().size() >= 10u);
    struct Case {
        const char* provider;
        const char* model;
        const char* family;
        double input, output, write_5m, write_1h, read;
    };
    const Case cases[] = {
        {"claude", "claude-opus-4-5-20251101", "claude-opus-4.5+", 5, 25, 6.25, 10, 0.5},
        {"claude", "claude-opus-4-6", "claude-opus-4.5+", 5, 25, 6.25, 10, 0.5},
        {"claude", "claude-opus-4-1-20250805", "claude-opus-4", 15, 75, 18.75, 30, 1.5},
        {"claude", "claude-opus-4-20250514", "claude-opus-4", 15, 75, 18.75, 30, 1.5},
        {"claude", "claude-sonnet-4-5-20250929", "claude-sonnet-4", 3, 15, 3.75, 6, 0.3},
        {"claude", "claude-sonnet-4-20250514", "claude-sonnet-4", 3, 15, 3.75, 6, 0.3},
        {"claude", "claude-3-7-sonnet-20250219", "claude-sonnet-3.7", 3, 15, 3.75, 6, 0.3},
        {"claude", "claude-haiku-4-5-20251001", "claude-haiku-4.5", 1, 5, 1.25, 2, 0.1},
        {"claude", "claude-3-5-haiku-20241022", "claude-haiku-3.5", 0.8, 4, 1, 1.6, 0.08},
        {"codex", "gpt-5-codex", "gpt-5", 1.25, 10, 1.25, 1.25, 0.125},
        {"codex", "gpt-5", "gpt-5", 1.25, 10, 1.25, 1.25, 0.125},
        {"codex", "gpt-5-mini", "gpt-5-mini", 0.25, 2, 0.25, 0.25, 0.025},
    };
    for (const Case& c : cases) BOOST_TEST_CONTEXT(c.model) {
            const ModelPrice* mp = book.find(c.provider, c.model);
            BOOST_REQUIRE_MESSAGE(mp, c.model << " is not priced by conf/pricing.json");
            BOOST_TEST(mp->family == c.family, c.model);
            BOOST_TEST(mp->rates.input == c.input, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.output == c.output, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.cache_write_5m == c.write_5m, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.cache_write_1h == c.write_1h, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.cache_read == c.read, tt::tolerance(1e-12));
            // Every card rate holds the Anthropic rule (writes 1.25x / 2x, reads 0.1x).
            if (std::string_view(c.provider) == "claude") {
                BOOST_TEST(mp->rates.cache_write_5m == mp->rates.input * 1.25, tt::tolerance(1e-9));
                BOOST_TEST(mp->rates.cache_write_1h == mp->rates.input * 2, tt::tolerance(1e-9));
                BOOST_TEST(mp->rates.cache_read == mp->rates.input * 0.1, tt::tolerance(1e-9));
            }
        }
    // A realistic Opus 4.5 response: 3 input, 1,200 output, 40,000 cache reads, 2,000 5m + 500 1h writes.
    const Cost c = book.cost("claude", "claude-opus-4-5-20251101", tokens(3, 1200, 40'000, 2500, 500));
    BOOST_TEST(c.usd == (3 * 5 + 1200 * 25 + 40'000 * 0.5 + 2000 * 6.25 + 500 * 10.0) / 1e6,
               tt::tolerance(1e-12));
    // Sonnet 4.5 over 200K prompt tokens bills at the long-context rates.
    BOOST_TEST(book.cost("claude", "claude-sonnet-4-5-20250929", tokens(10, 10, 250'000)).source ==
               "rate_card_long_context");
    BOOST_TEST(book.cost("claude", "claude-fable-1", tokens(10, 10)).source == "unpriced");
    // The card compiled into the binary is the same file.
    const PriceBook builtin = PriceBook::parse(kBuiltinPricingJson, "built-in");
    BOOST_TEST(builtin.models().size() == book.models().size());
    BOOST_TEST(builtin.version_tag() == book.version_tag());
}

// Gemini CLI's models, through the price family its source declares (OpenAI billing: the cached part of
// the prompt at its own rate instead of input), with the long-context tiers of the Pro models.
BOOST_AUTO_TEST_CASE(shipped_price_card_prices_gemini_models) {
    const PriceBook book = PriceBook::load_file(AGENTPULSE_PRICING_FILE, agent_price_families());
    struct Case {
        const char* model;
        const char* family;
        double input, output, cached;
        double long_input, long_output, long_cached;  // 0: no long-context tier
    };
    const Case cases[] = {
        {"gemini-2.5-pro", "gemini-2.5-pro", 1.25, 10, 0.31, 2.50, 15, 0.625},
        {"gemini-2.5-flash", "gemini-2.5-flash", 0.30, 2.50, 0.075, 0, 0, 0},
        {"gemini-2.5-flash-preview-05-20", "gemini-2.5-flash", 0.30, 2.50, 0.075, 0, 0, 0},
        {"gemini-2.5-flash-lite", "gemini-2.5-flash-lite", 0.10, 0.40, 0.025, 0, 0, 0},
        {"gemini-3-pro-preview", "gemini-3-pro-preview", 2, 12, 0.20, 4, 18, 0.40},
    };
    for (const Case& c : cases) BOOST_TEST_CONTEXT(c.model) {
            const ModelPrice* mp = book.find("gemini", c.model);
            BOOST_REQUIRE_MESSAGE(mp, c.model << " is not priced by conf/pricing.json");
            BOOST_TEST(mp->family == c.family);
            BOOST_TEST((mp->billing == Billing::OpenAI));
            BOOST_TEST(mp->rates.input == c.input, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.output == c.output, tt::tolerance(1e-12));
            BOOST_TEST(mp->rates.cache_read == c.cached, tt::tolerance(1e-12));
            BOOST_TEST(mp->long_context.has_value() == (c.long_input > 0));
            if (mp->long_context) {
                BOOST_TEST(mp->long_context_threshold == 200'000);
                BOOST_TEST(mp->long_context->input == c.long_input, tt::tolerance(1e-12));
                BOOST_TEST(mp->long_context->output == c.long_output, tt::tolerance(1e-12));
                BOOST_TEST(mp->long_context->cache_read == c.long_cached, tt::tolerance(1e-12));
            }
            // Only Gemini's usage: another agent's entries do not price it, nor these another agent's.
            BOOST_TEST(!book.find("claude", c.model));
        }
    // A Gemini 2.5 Pro response as the parser stores it: 600 input (cached part taken out), 400 cached,
    // 80 output (thoughts included).
    Cost c = book.cost("gemini", "gemini-2.5-pro", tokens(600, 80, 400));
    BOOST_TEST(c.source == "rate_card");
    BOOST_TEST(c.usd == (600 * 1.25 + 80 * 10 + 400 * 0.31) / 1e6, tt::tolerance(1e-12));
    // Over 200K prompt tokens (cached ones included), every part at the long-context rates.
    c = book.cost("gemini", "gemini-2.5-pro", tokens(150'000, 1000, 60'000));
    BOOST_TEST(c.source == "rate_card_long_context");
    BOOST_TEST(c.usd == (150'000 * 2.5 + 1000 * 15 + 60'000 * 0.625) / 1e6, tt::tolerance(1e-12));
    BOOST_TEST(book.cost("gemini", "gemini-3-pro-preview", tokens(200'000, 10)).source == "rate_card");
    BOOST_TEST(book.cost("gemini", "gemini-1.0-ultra", tokens(10, 10)).source == "unpriced");
}

BOOST_AUTO_TEST_SUITE_END()
