// Tolerant accessors for transcript JSON: a missing or wrongly typed field reads as absent, never throws.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <optional>
#include <string_view>

namespace agentpulse::jf {

inline const boost::json::value* field(const boost::json::value* v, std::string_view key) {
    if (!v || !v->is_object()) return nullptr;
    return v->as_object().if_contains(key);
}
inline const boost::json::value* field(const boost::json::value& v, std::string_view key) { return field(&v, key); }

inline const boost::json::object* object(const boost::json::value* v) { return v && v->is_object() ? &v->as_object() : nullptr; }
inline const boost::json::array* array(const boost::json::value* v) { return v && v->is_array() ? &v->as_array() : nullptr; }

inline std::string_view str(const boost::json::value* v, std::string_view fallback = {}) {
    return v && v->is_string() ? std::string_view(v->as_string()) : fallback;
}

// Integer fields: accepts integers and integral doubles; anything else is absent.
inline std::optional<std::int64_t> integer(const boost::json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_int64()) return v->as_int64();
    if (v->is_uint64()) {
        const auto u = v->as_uint64();
        return u > static_cast<std::uint64_t>(INT64_MAX) ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(u));
    }
    if (v->is_double()) {
        const double d = v->as_double();
        if (d >= -9e18 && d <= 9e18 && d == static_cast<double>(static_cast<std::int64_t>(d)))
            return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

// Number fields (integer or not); anything else, or a value that is not finite, is absent.
inline std::optional<double> number(const boost::json::value* v) {
    if (!v) return std::nullopt;
    if (v->is_double()) {
        const double d = v->as_double();
        return d == d && d < 1e300 && d > -1e300 ? std::optional<double>(d) : std::nullopt;
    }
    if (v->is_int64()) return static_cast<double>(v->as_int64());
    if (v->is_uint64()) return static_cast<double>(v->as_uint64());
    return std::nullopt;
}

inline bool boolean(const boost::json::value* v, bool fallback = false) { return v && v->is_bool() ? v->as_bool() : fallback; }

}  // namespace agentpulse::jf
