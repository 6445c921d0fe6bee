// The JSON payloads of the live stream and the stats snapshot, built from store rows. One place decides
// every field name the dashboard and scripts read (see docs/live-api.md). No Asio here.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/BurnMath.hpp"
#include "core/TokenCounts.hpp"
#include "core/ToolLatencyIndex.hpp"
#include "core/ZonedCalendar.hpp"
#include "core/ApiJson.hpp"
#include "store/LiveQueries.hpp"

namespace agentpulse {

// What the server knows about the watcher (embedded thread, or another process's heartbeat).
struct WatcherState {
    std::string state = "unknown";  // running | stopped | unknown
    std::string reason;             // why stopped / unknown
    std::string source;             // embedded | heartbeat | none
    std::optional<std::string> since, last_beat;
    std::optional<std::int64_t> pid;
    std::optional<double> beat_age_s;
    bool operator==(const WatcherState& o) const { return state == o.state && reason == o.reason && source == o.source; }
};

// `local_machine`: this server's machine. A row read there carries no `machine` and `user` (every frame of a
// replay ring of 10,000 would carry the same name); a row from another machine carries both.
boost::json::value usage_payload(const UsageRow& r, std::string_view local_machine = {});
boost::json::value tool_call_payload(const ToolRow& r, std::string_view local_machine = {});
boost::json::value tool_result_payload(const ToolRow& r, std::string_view local_machine = {});
boost::json::value watcher_payload(const WatcherState& w);
boost::json::value watermark_payload(const Watermark& w);
boost::json::value sessions_payload(const std::vector<InFlightSession>& s, EpochMs now, int idle_after_s);
boost::json::value totals_payload(const WindowTotals& t, int window_s);
boost::json::value latency_payload(const std::vector<ToolLatencySummary>& tools, int window_hours);

}  // namespace agentpulse
