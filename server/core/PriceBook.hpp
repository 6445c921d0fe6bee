// The price card (conf/pricing.json): model id -> per-million-token rates, and the cost of one response.
// An unknown model is reported unpriced, never guessed. Pure logic: no I/O beyond loading the file.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/TokenCounts.hpp"

namespace agentpulse {

struct Rates {
    double input = 0, output = 0, cache_write_5m = 0, cache_write_1h = 0, cache_read = 0;
};

// How a vendor bills the cached part of a prompt. Anthropic: cache writes and reads are billed apart from
// input (defaults 1.25x / 2x / 0.1x input). OpenAI: cached input replaces input at its own rate.
enum class Billing { Anthropic, OpenAI };

// A family of the card's entries: the agents whose usage they price, and the billing its entries default to.
struct PriceFamily {
    std::string_view name;
    Billing billing = Billing::Anthropic;
};

// One of a model's prompt-length tiers: its rates apply to a request whose whole prompt is over
// threshold_tokens (and not over the next tier's).
struct PriceTier {
    std::int64_t threshold_tokens = 0;
    Rates rates;
};

struct ModelPrice {
    std::string family;
    // The card's "provider": the price family whose usage this entry may price (an agent source names its
    // family, AgentTraits::price_family); empty = any.
    std::string provider;
    Billing billing = Billing::Anthropic;
    std::vector<std::string> patterns;
    Rates rates;
    std::optional<Rates> long_context;
    std::int64_t long_context_threshold = 0;
    // The card's "tiers" (vendors that bill by prompt length in several steps): by ascending threshold; a
    // prompt over none of them is billed at `rates`. An entry has either these or long_context, not both.
    std::vector<PriceTier> tiers;
    double fast_multiplier = 0;  // 0 = no fast-tier rule
};

// cost_source of usage that names no model, priced as the card's stated estimate for its agent.
inline constexpr std::string_view kEstimateModelUnknown = "estimate_model_unknown";

struct Cost {
    double usd = 0;
    // rate_card | rate_card_long_context (long_context or any of the tiers) | rate_card_fast | unpriced |
    // estimate_model_unknown; "reported" for a cost the agent gave itself (UsageRecord::cost_usd, not from here)
    std::string source;
    std::string family;  // matched family, empty when unpriced
    bool priced() const { return source != "unpriced"; }
};

class PriceBook {
public:
    PriceBook() = default;
    // Throws std::runtime_error with a message naming the file and the problem.
    // `families`: the price families an entry may name as "provider" (each agent source declares one) and
    // how each bills by default; empty = any name is accepted.
    static PriceBook load_file(const std::filesystem::path& path, const std::vector<PriceFamily>& families = {});
    static PriceBook parse(std::string_view json_text, std::string_view origin = "<pricing>",
                           const std::vector<PriceFamily>& families = {});

    // `family` empty: any entry may match.
    const ModelPrice* find(std::string_view family, std::string_view model) const;
    // Usage of `family` that names no model is unpriced, unless the card's "unknown_model_estimates" names
    // a model to estimate it as: then it is priced as that model and labelled kEstimateModelUnknown.
    Cost cost(std::string_view family, std::string_view model, const TokenCounts& tokens,
              bool fast_tier = false) const;

    const std::vector<ModelPrice>& models() const { return models_; }
    // The model usage of `family` without a model is estimated as (nullptr: none, it stays unpriced).
    const std::string* unknown_model_estimate(std::string_view family) const;
    const std::string& version_tag() const { return version_tag_; }

private:
    std::vector<ModelPrice> models_;
    std::vector<std::pair<std::string, std::string>> estimates_;  // price family -> model id
    std::string version_tag_;
};

// The id the card's patterns are written for, from the ids agents that reach several vendors write: a
// provider prefix is dropped ("anthropic/claude-sonnet-4-5", "github-copilot/gpt-5" keep what follows the
// last '/') and a Claude version written with dots takes the hyphens Anthropic's ids use
// ("claude-sonnet-4.6" -> "claude-sonnet-4-6", "claude-3.5-haiku" -> "claude-3-5-haiku"). Other vendors'
// dots are part of their ids ("gpt-5.1", "gemini-2.5-pro") and stay. The stored model id is the agent's
// own; find() tries it as written first and this form only when that matches nothing.
std::string canonical_model_id(std::string_view model);

// Glob with '*' only (any run of characters), case-insensitive ASCII.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace agentpulse
