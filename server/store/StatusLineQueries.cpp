// See StatusLineQueries.hpp.
#include "store/StatusLineQueries.hpp"

namespace agentpulse {

StatusLineQueries::StatusLineQueries(Database& db)
    : cost_(db, "SELECT coalesce(sum(cost_usd), 0) FROM usage_events WHERE ts >= ? AND ts <= ?"),
      tool_(db,
            "SELECT t.tool_name FROM message_tool_mart t JOIN sessions s ON s.id = t.session_id "
            "WHERE s.provider = ? AND s.session_id = ? AND t.result_ts IS NULL AND t.ts >= ? "
            "ORDER BY t.ts DESC LIMIT 1") {}

double StatusLineQueries::cost_between(EpochMs from, EpochMs until) {
    ResetGuard g(cost_);
    cost_.bind(1, format_iso8601(from)).bind(2, format_iso8601(until));
    return cost_.step() ? cost_.column_double(0) : 0.0;
}

std::optional<std::string> StatusLineQueries::running_tool(std::string_view provider, std::string_view session_id,
                                                           EpochMs since) {
    ResetGuard g(tool_);
    tool_.bind(1, provider).bind(2, session_id).bind(3, format_iso8601(since));
    if (!tool_.step()) return std::nullopt;
    return tool_.column_text(0);
}

}  // namespace agentpulse
