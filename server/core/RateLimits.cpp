// See RateLimits.hpp.
#include "core/RateLimits.hpp"

#include <boost/json.hpp>

#include <cstdlib>

namespace agentpulse {
namespace json = boost::json;

namespace {

bool near(std::int64_t minutes, std::int64_t target) { return std::llabs(minutes - target) * 50 <= target; }

json::value opt_ms(const std::optional<EpochMs>& ms) {
    return ms ? json::value(format_iso8601(*ms)) : json::value(nullptr);
}

}  // namespace

std::string limit_window_name(std::int64_t window_minutes) {
    if (near(window_minutes, kFiveHourMinutes)) return "five_hour";
    if (near(window_minutes, kWeekMinutes)) return "weekly";
    return std::to_string(window_minutes) + "m";
}

std::optional<LimitState> current_usage_block(std::string_view provider, const std::vector<UsageActivity>& ascending,
                                              EpochMs now) {
    if (ascending.empty()) return std::nullopt;
    EpochMs start = ascending.front().ts;
    double cost = 0;
    std::int64_t events = 0;
    EpochMs last = start;
    for (const UsageActivity& a : ascending) {
        if (a.ts >= start + kFiveHourBlockMs) start = a.ts, cost = 0, events = 0;
        cost += a.cost_usd;
        ++events;
        last = a.ts;
    }
    if (now >= start + kFiveHourBlockMs) return std::nullopt;
    LimitState s;
    s.provider = std::string(provider);
    s.window = "five_hour";
    s.window_minutes = kFiveHourMinutes;
    s.resets_at = start + kFiveHourBlockMs;
    s.observed_at = last;
    s.source = std::string(kLimitSourceEstimate);
    s.started_at = start;
    s.cost_usd = cost;
    s.events = events;
    return s;
}

json::object limit_state_json(const LimitState& s, EpochMs now) {
    json::object o;
    o["provider"] = s.provider;
    o["window"] = s.window;
    o["window_minutes"] = s.window_minutes ? json::value(*s.window_minutes) : json::value(nullptr);
    o["used_percent"] = s.used_percent ? json::value(*s.used_percent) : json::value(nullptr);
    o["resets_at"] = opt_ms(s.resets_at);
    o["resets_in_s"] = s.resets_at ? json::value((*s.resets_at - now) / 1000) : json::value(nullptr);
    // The window has reset since it was reported: its figure is no longer the current one.
    o["expired"] = s.resets_at.has_value() && *s.resets_at <= now;
    o["observed_at"] = format_iso8601(s.observed_at);
    o["age_s"] = (now - s.observed_at) / 1000;
    o["source"] = s.source;
    o["estimate"] = s.estimate();
    o["session_id"] = s.session_id.empty() ? json::value(nullptr) : json::value(s.session_id);
    o["limit_id"] = s.limit_id.empty() ? json::value(nullptr) : json::value(s.limit_id);
    o["plan_type"] = s.plan_type.empty() ? json::value(nullptr) : json::value(s.plan_type);
    if (s.estimate()) {
        o["started_at"] = opt_ms(s.started_at);
        o["cost_usd"] = s.cost_usd;
        o["events"] = s.events;
    }
    return o;
}

json::object limits_json(const std::vector<LimitState>& limits, EpochMs now) {
    json::object o;
    o["as_of"] = format_iso8601(now);
    json::array a;
    for (const LimitState& s : limits) a.push_back(limit_state_json(s, now));
    o["limits"] = std::move(a);
    return o;
}

}  // namespace agentpulse
