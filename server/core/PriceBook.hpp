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

struct ModelPrice {
    std::string family;
    std::string provider;  // "claude" or "codex"; empty = any
    std::vector<std::string> patterns;
    Rates rates;
    std::optional<Rates> long_context;
    std::int64_t long_context_threshold = 0;
    double fast_multiplier = 0;  // 0 = no fast-tier rule
};

struct Cost {
    double usd = 0;
    std::string source;  // rate_card | rate_card_long_context | rate_card_fast | unpriced
    std::string family;  // matched family, empty when unpriced
    bool priced() const { return source != "unpriced"; }
};

class PriceBook {
public:
    PriceBook() = default;
    // Throws std::runtime_error with a message naming the file and the problem.
    static PriceBook load_file(const std::filesystem::path& path);
    static PriceBook parse(std::string_view json_text, std::string_view origin = "<pricing>");

    const ModelPrice* find(std::string_view provider, std::string_view model) const;
    Cost cost(std::string_view provider, std::string_view model, const TokenCounts& tokens,
              bool fast_tier = false) const;

    const std::vector<ModelPrice>& models() const { return models_; }
    const std::string& version_tag() const { return version_tag_; }

private:
    std::vector<ModelPrice> models_;
    std::string version_tag_;
};

// Glob with '*' only (any run of characters), case-insensitive ASCII.
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace agentpulse
