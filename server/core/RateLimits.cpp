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

void UsageBlockTracker::add(EpochMs ts, double cost_usd) {
    if (any_ && ts < last_) return;  // out of order: an estimate does not rewind
    if (!any_ || ts >= start_ + kFiveHourBlockMs) start_ = ts, cost_ = 0, events_ = 0;
    any_ = true;
    cost_ += cost_usd;
    ++events_;
    last_ = ts;
}

std::optional<LimitState> UsageBlockTracker::current(std::string_view provider, EpochMs now) const {
    if (!any_ || now >= start_ + kFiveHourBlockMs) return std::nullopt;
    LimitState s;
    s.provider = std::string(provider);
    s.window = "five_hour";
    s.window_minutes = kFiveHourMinutes;
    s.resets_at = start_ + kFiveHourBlockMs;
    s.observed_at = last_;
    s.source = std::string(kLimitSourceEstimate);
    s.started_at = start_;
    s.cost_usd = cost_;
    s.events = events_;
    return s;
}

std::optional<LimitState> current_usage_block(std::string_view provider, const std::vector<UsageActivity>& ascending,
                                              EpochMs now) {
    UsageBlockTracker t;
    for (const UsageActivity& a : ascending) t.add(a.ts, a.cost_usd);
    return t.current(provider, now);
}

std::vector<LimitState> with_estimate(std::vector<LimitState> stored, std::optional<LimitState> block, EpochMs now) {
    if (!block) return stored;
    for (const LimitState& s : stored)
        if (s.provider == block->provider && s.window == "five_hour" &&
            ((s.resets_at && *s.resets_at > now) || s.observed_at >= *block->started_at))
            return stored;
    stored.push_back(std::move(*block));
    return stored;
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
