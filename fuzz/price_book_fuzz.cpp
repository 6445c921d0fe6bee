// Fuzz target: the price card loader (core/PriceBook, conf/pricing.json's format). The input is a price
// file. A file the loader accepts must then price every response sanely: a finite, non-negative cost for
// plausible token counts (FieldCleaning's bounds), a model named exactly like one of its patterns priced,
// and every pattern matching its own text.
#include <spdlog/spdlog.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/PriceBook.hpp"
#include "agents/FieldCleaning.hpp"

using namespace agentpulse;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "price_book_fuzz: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
    std::abort();
}

void check_cost(const PriceBook& book, std::string_view provider, std::string_view model, const TokenCounts& t,
                bool fast) {
    const Cost c = book.cost(provider, model, t, fast);
    if (!std::isfinite(c.usd) || c.usd < 0) fail("cost is not a finite non-negative amount", model);
    if (c.priced() != (book.find(provider, model) != nullptr)) fail("priced() disagrees with find()", model);
    if (!c.priced() && c.usd != 0) fail("an unpriced response has a cost", model);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 128 * 1024) return -1;
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    PriceBook book;
    try {
        book = PriceBook::parse(text, "fuzz.json");
    } catch (const std::runtime_error& e) {
        if (std::string_view(e.what()).substr(0, 10) != "fuzz.json:") fail("error does not name the file", e.what());
        return 0;
    }
    const TokenCounts big{kMaxTokensPerField, kMaxTokensPerField, kMaxTokensPerField, kMaxTokensPerField,
                          kMaxTokensPerField, kMaxTokensPerField};
    const TokenCounts small{3, 120, 40'000, 2500, 500, 0};
    const TokenCounts zero{};
    static const char* const kModels[] = {"claude-opus-4-5-20251101", "claude-sonnet-4-5-20250929", "gpt-5-codex",
                                          "<synthetic>", "", "CLAUDE-HAIKU-4-5"};
    for (const ModelPrice& mp : book.models()) {
        for (const std::string& p : mp.patterns) {
            std::string literal;
            for (const char c : p)
                if (c != '*') literal += c;
            if (!glob_match(p, literal)) fail("a pattern does not match its own text", p);
            for (const char* provider : {"claude", "codex"}) {
                if (!mp.provider.empty() && mp.provider != provider) continue;
                if (!literal.empty() && !book.find(provider, literal)) fail("a model named like a pattern is unpriced", p);
                for (const TokenCounts& t : {big, small, zero})
                    for (const bool fast : {false, true}) check_cost(book, provider, literal, t, fast);
            }
        }
    }
    for (const char* m : kModels)
        for (const char* provider : {"claude", "codex"})
            for (const TokenCounts& t : {big, small, zero}) check_cost(book, provider, m, t, true);
    return 0;
}
