// See LimitStore.hpp.
#include "store/LimitStore.hpp"

namespace agentpulse {

LimitWriter::LimitWriter(Database& db)
    : upsert_(db,
              "INSERT INTO limit_windows (provider, window_name, window_minutes, used_percent, resets_at, resets_at_ms, "
              "observed_at, observed_ms, source, session_id, limit_id, plan_type) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
              "ON CONFLICT (provider, window_name) DO UPDATE SET window_minutes = excluded.window_minutes, "
              "used_percent = excluded.used_percent, resets_at = excluded.resets_at, resets_at_ms = excluded.resets_at_ms, "
              "observed_at = excluded.observed_at, observed_ms = excluded.observed_ms, source = excluded.source, "
              "session_id = excluded.session_id, limit_id = excluded.limit_id, plan_type = excluded.plan_type "
              "WHERE excluded.observed_ms >= limit_windows.observed_ms AND (excluded.observed_ms > "
              "limit_windows.observed_ms OR excluded.used_percent IS NOT limit_windows.used_percent OR "
              "excluded.resets_at_ms IS NOT limit_windows.resets_at_ms)") {}

bool LimitWriter::upsert(std::string_view provider, const RateLimitRecord& r, EpochMs observed_at,
                         std::string_view source, std::string_view session_id) {
    auto text_or_null = [](std::string_view s) { return s.empty() ? std::optional<std::string_view>() : s; };
    const std::optional<std::string> resets = r.resets_at ? std::optional(format_iso8601(*r.resets_at)) : std::nullopt;
    return upsert_.bind(1, provider)
               .bind(2, r.window)
               .bind(3, r.window_minutes)
               .bind(4, r.used_percent)
               .bind(5, resets)
               .bind(6, r.resets_at)
               .bind(7, format_iso8601(observed_at))
               .bind(8, observed_at)
               .bind(9, source)
               .bind(10, text_or_null(session_id))
               .bind(11, text_or_null(r.limit_id))
               .bind(12, text_or_null(r.plan_type))
               .run() > 0;
}

namespace {

bool has_table(Database& db, std::string_view name) {
    Statement st(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
    ResetGuard g(st);
    st.bind(1, name);
    return st.step();
}

}  // namespace

LimitReader::LimitReader(Database& db)
    : db_(db),
      activity_(db, "SELECT ts, cost_usd FROM usage_events WHERE provider = ? AND ts >= ? AND ts <= ? ORDER BY ts") {
    prepare_windows();
}

bool LimitReader::prepare_windows() {
    if (!windows_ && has_table(db_, "limit_windows"))
        windows_.emplace(db_,
               "SELECT provider, window_name, window_minutes, used_percent, resets_at_ms, observed_ms, source, "
               "session_id, limit_id, plan_type FROM limit_windows ORDER BY provider, window_minutes IS NULL, "
               "window_minutes, window_name");
    return windows_.has_value();
}

std::vector<LimitState> LimitReader::stored() {
    std::vector<LimitState> out;
    if (!prepare_windows()) return out;
    Statement& w = *windows_;
    ResetGuard g(w);
    while (w.step()) {
        LimitState& s = out.emplace_back();
        s.provider = w.column_text(0);
        s.window = w.column_text(1);
        s.window_minutes = w.column_opt_int(2);
        s.used_percent = w.column_double(3);
        s.resets_at = w.column_opt_int(4);
        s.observed_at = w.column_int(5);
        s.source = w.column_text(6);
        s.session_id = w.column_text(7);
        s.limit_id = w.column_text(8);
        s.plan_type = w.column_text(9);
    }
    return out;
}

std::optional<LimitState> LimitReader::estimated_block(std::string_view provider, EpochMs now) {
    UsageBlockTracker t;
    feed_block(t, provider, now);
    return t.current(provider, now);
}

void LimitReader::feed_block(UsageBlockTracker& t, std::string_view provider, EpochMs now) {
    ResetGuard g(activity_);
    activity_.bind(1, provider).bind(2, format_iso8601(now - 24 * 3'600'000LL)).bind(3, format_iso8601(now));
    while (activity_.step())
        if (const auto ts = parse_iso8601(activity_.column_view(0))) t.add(*ts, activity_.column_double(1));
}

std::vector<LimitState> LimitReader::current(EpochMs now) {
    return with_estimate(stored(), estimated_block(kEstimatedBlockProvider, now), now);
}

}  // namespace agentpulse
