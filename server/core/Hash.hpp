// 64-bit FNV-1a: stable across runs and machines, used for file head fingerprints and line keys.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace agentpulse {

inline std::uint64_t fnv1a64(std::string_view s, std::uint64_t h = 1469598103934665603ull) {
    for (const char c : s) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

// The hash as 16 lowercase hex digits (the form line keys use).
inline std::string hex64(std::uint64_t h) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

}  // namespace agentpulse
