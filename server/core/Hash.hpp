// 64-bit FNV-1a: stable across runs and machines, used for file head fingerprints and line keys.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentpulse {

inline std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

}  // namespace agentpulse
