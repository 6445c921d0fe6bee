// See ApiJson.hpp.
#include "core/ApiJson.hpp"

namespace agentpulse {
namespace json = boost::json;

json::object tokens_payload(const TokenCounts& t) {
    json::object o;
    o["input"] = t.input;
    o["output"] = t.output;
    o["cache_read"] = t.cache_read;
    o["cache_create"] = t.cache_create;
    o["cache_create_1h"] = t.cache_create_1h;
    o["reasoning"] = t.reasoning;
    return o;
}

json::value burn_payload(const BurnBlock& b, const CalendarSpan& cal, EpochMs now) {
    json::object o;
    o["tz"] = cal.tz;
    o["local_date"] = cal.local_date;
    o["utc_offset_minutes"] = cal.utc_offset_minutes;
    o["window_s"] = b.window_ms / 1000;
    o["window_cost_usd"] = b.window_cost;
    o["usd_per_min"] = b.usd_per_min;
    o["usd_per_hour"] = b.usd_per_hour;
    o["today_usd"] = b.today_usd;
    o["month_to_date_usd"] = b.month_to_date_usd;
    o["projected_month_usd"] = b.projected_month_usd;
    o["month_elapsed_fraction"] = b.month_elapsed_fraction;
    o["day_start"] = format_iso8601(cal.day_start);
    o["month_start"] = format_iso8601(cal.month_start);
    o["next_month_start"] = format_iso8601(cal.next_month_start);
    o["as_of"] = format_iso8601(now);
    if (b.budget) {
        json::object bo;
        bo["budget_usd"] = b.budget->budget_usd;
        bo["used_fraction"] = b.budget->used_fraction;
        bo["projected_fraction"] = b.budget->projected_fraction;
        bo["status"] = b.budget->status;
        o["budget"] = std::move(bo);
    } else {
        o["budget"] = nullptr;
    }
    return o;
}

}  // namespace agentpulse
