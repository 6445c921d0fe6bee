// In-memory latency histograms per tool, bucketed by the call's minute (last 60 minutes, for sparklines)
// and hour (last 7 days, for the P50/P95/P99 window), so /api/live/stats costs the same on a store with
// millions of tool calls as on an empty one. Fed by the live poller with every result it sees.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/LatencyHistogram.hpp"

namespace agentpulse {

struct ToolLatencyPoint {
    EpochMs minute = 0;  // start of the minute (UTC)
    std::uint64_t samples = 0;
    std::optional<double> p95_ms;
};

struct ToolLatencySummary {
    std::string tool_name;
    std::uint64_t samples = 0;  // results with a latency in the window
    std::uint64_t errors = 0;   // results flagged is_error in the window
    std::optional<double> p50_ms, p95_ms, p99_ms;
    std::int64_t max_ms = 0;
    std::vector<ToolLatencyPoint> series;  // last 60 minutes, oldest first, one point per minute
    LatencyHistogram histogram;            // the window's merged histogram
};

class ToolLatencyIndex {
public:
    static constexpr int kMaxWindowHours = 168;

    // `call_ts` decides the buckets; a result without latency (clock went backwards) counts only as error/sample-less.
    void add(const std::string& tool, EpochMs call_ts, std::optional<std::int64_t> latency_ms, bool is_error);
    // Top `limit` tools by samples over the last `window_hours` hours (hour-aligned: the current hour plus
    // the `window_hours - 1` before it... see docs/live-api.md), with a 60-minute series each.
    std::vector<ToolLatencySummary> summarize(EpochMs now, int window_hours, std::size_t limit) const;
    // Drops buckets too old to matter.
    void prune(EpochMs now);
    std::size_t tools() const { return tools_.size(); }

private:
    struct Bucket {
        LatencyHistogram hist;
        std::uint64_t errors = 0;
    };
    struct PerTool {
        std::map<EpochMs, Bucket> minutes, hours;
    };
    std::map<std::string, PerTool> tools_;
};

}  // namespace agentpulse
