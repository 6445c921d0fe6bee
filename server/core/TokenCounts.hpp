// Token counts of one billable API response, normalised across providers:
// `input` excludes cache reads and writes; `cache_create` is all cache writes, `cache_create_1h` the
// one-hour part of them; `reasoning` is informational (already inside `output`).
#pragma once

#include <cstdint>

namespace agentpulse {

struct TokenCounts {
    std::int64_t input = 0;
    std::int64_t output = 0;
    std::int64_t cache_read = 0;
    std::int64_t cache_create = 0;
    std::int64_t cache_create_1h = 0;
    std::int64_t reasoning = 0;

    std::int64_t cache_create_5m() const { return cache_create - cache_create_1h; }
    std::int64_t prompt_total() const { return input + cache_read + cache_create; }
    bool empty() const { return input == 0 && output == 0 && cache_read == 0 && cache_create == 0; }
    bool operator==(const TokenCounts&) const = default;
    TokenCounts& operator+=(const TokenCounts& o) {
        input += o.input, output += o.output, cache_read += o.cache_read, cache_create += o.cache_create;
        cache_create_1h += o.cache_create_1h, reasoning += o.reasoning;
        return *this;
    }
    TokenCounts& operator-=(const TokenCounts& o) {
        input -= o.input, output -= o.output, cache_read -= o.cache_read, cache_create -= o.cache_create;
        cache_create_1h -= o.cache_create_1h, reasoning -= o.reasoning;
        return *this;
    }
};

}  // namespace agentpulse
