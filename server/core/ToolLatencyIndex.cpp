// See ToolLatencyIndex.hpp.
#include "core/ToolLatencyIndex.hpp"

#include <algorithm>

namespace agentpulse {

namespace {
constexpr EpochMs kMinute = 60'000, kHour = 3'600'000;
EpochMs floor_to(EpochMs t, EpochMs unit) { return (t >= 0 ? t / unit : (t - unit + 1) / unit) * unit; }
}  // namespace

void ToolLatencyIndex::add(const std::string& tool, EpochMs call_ts, std::optional<std::int64_t> latency_ms,
                           bool is_error) {
    PerTool& t = tools_[tool];
    for (auto* m : {&t.minutes, &t.hours}) {
        Bucket& b = (*m)[floor_to(call_ts, m == &t.minutes ? kMinute : kHour)];
        if (latency_ms) b.hist.add(*latency_ms);
        if (is_error) ++b.errors;
    }
}

void ToolLatencyIndex::prune(EpochMs now) {
    const EpochMs min_minute = floor_to(now, kMinute) - 61 * kMinute;
    const EpochMs min_hour = floor_to(now, kHour) - (kMaxWindowHours + 1) * kHour;
    for (auto it = tools_.begin(); it != tools_.end();) {
        it->second.minutes.erase(it->second.minutes.begin(), it->second.minutes.lower_bound(min_minute));
        it->second.hours.erase(it->second.hours.begin(), it->second.hours.lower_bound(min_hour));
        if (it->second.hours.empty() && it->second.minutes.empty())
            it = tools_.erase(it);
        else
            ++it;
    }
}

std::vector<ToolLatencySummary> ToolLatencyIndex::summarize(EpochMs now, int window_hours, std::size_t limit) const {
    window_hours = std::clamp(window_hours, 1, kMaxWindowHours);
    const EpochMs from_hour = floor_to(now, kHour) - (window_hours - 1) * kHour;
    const EpochMs this_minute = floor_to(now, kMinute);
    std::vector<ToolLatencySummary> out;
    for (const auto& [name, t] : tools_) {
        ToolLatencySummary s;
        s.tool_name = name;
        // Up to the current hour: calls timed in the future (bad timestamps) wait for their time.
        for (auto it = t.hours.lower_bound(from_hour); it != t.hours.end() && it->first <= floor_to(now, kHour); ++it) {
            s.histogram.merge(it->second.hist);
            s.errors += it->second.errors;
        }
        s.samples = s.histogram.count();
        if (s.samples == 0 && s.errors == 0) continue;
        s.p50_ms = s.histogram.percentile(50);
        s.p95_ms = s.histogram.percentile(95);
        s.p99_ms = s.histogram.percentile(99);
        s.max_ms = s.histogram.max();
        out.push_back(std::move(s));
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return a.samples != b.samples ? a.samples > b.samples : a.tool_name < b.tool_name;
    });
    if (out.size() > limit) out.resize(limit);
    for (ToolLatencySummary& s : out) {
        const PerTool& t = tools_.at(s.tool_name);
        for (int i = 59; i >= 0; --i) {
            ToolLatencyPoint p;
            p.minute = this_minute - i * kMinute;
            if (auto it = t.minutes.find(p.minute); it != t.minutes.end()) {
                p.samples = it->second.hist.count();
                p.p95_ms = it->second.hist.percentile(95);
            }
            s.series.push_back(p);
        }
    }
    return out;
}

}  // namespace agentpulse
