// Plan limit windows (an agent plan's 5-hour and weekly caps): their names, the state the API and the
// stream show (one row per agent and window, with its source and age), and the estimate of Claude's
// 5-hour blocks from usage where no agent reports a window. Pure logic: the store reads and writes them.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"

namespace agentpulse {

inline constexpr std::int64_t kFiveHourMinutes = 300;
inline constexpr std::int64_t kWeekMinutes = 7 * 24 * 60;
inline constexpr EpochMs kFiveHourBlockMs = kFiveHourMinutes * 60'000;

// A window's name from its length, never from its position in the report: "five_hour" and "weekly" for
// the plans' two windows (Codex has written them as 299 and 10079 minutes as well as 300 and 10080, so a
// length within 2% of one is that window), else "<N>m".
std::string limit_window_name(std::int64_t window_minutes);

// Where a window's figures come from.
inline constexpr std::string_view kLimitSourceTranscript = "transcript";  // the agent's own log (Codex)
inline constexpr std::string_view kLimitSourceStatusline = "statusline";  // Claude Code's status line input
inline constexpr std::string_view kLimitSourceEstimate = "estimate";      // usage blocks, no reported window

// One window of one agent, as the API and the stream show it.
struct LimitState {
    std::string provider, window;
    std::optional<std::int64_t> window_minutes;
    std::optional<double> used_percent;  // null for an estimate (the plan's cap is unknown)
    std::optional<EpochMs> resets_at;
    EpochMs observed_at = 0;  // the snapshot's time (an estimate: its newest activity)
    std::string source;       // kLimitSource*
    std::string session_id, limit_id, plan_type;
    // Estimates only: the block's start and what was spent in it so far.
    std::optional<EpochMs> started_at;
    double cost_usd = 0;
    std::int64_t events = 0;

    bool estimate() const { return source == kLimitSourceEstimate; }
    bool operator==(const LimitState&) const = default;
};

// Claude's 5-hour blocks from usage, fed activity in time order (an older one is ignored): a block starts
// at the first activity after the previous block ended and lasts five hours. Bounded memory whatever the
// activity (the poller keeps one across polls; the store feeds one from a scan).
class UsageBlockTracker {
public:
    void add(EpochMs ts, double cost_usd);
    // The block running at `now`, as an estimate row; none when the newest block has ended.
    std::optional<LimitState> current(std::string_view provider, EpochMs now) const;

private:
    EpochMs start_ = 0, last_ = 0;
    double cost_ = 0;
    std::int64_t events_ = 0;
    bool any_ = false;
};

struct UsageActivity {
    EpochMs ts = 0;
    double cost_usd = 0;
};
// The same over a list in ascending order.
std::optional<LimitState> current_usage_block(std::string_view provider, const std::vector<UsageActivity>& ascending,
                                              EpochMs now);

// The stored windows plus Claude's estimated block where it reports no 5-hour window: the block is listed
// unless a five_hour window of `provider` is still running or was reported since the block started.
std::vector<LimitState> with_estimate(std::vector<LimitState> stored, std::optional<LimitState> block, EpochMs now);

// {"provider", "window", "window_minutes", "used_percent", "resets_at", "resets_in_s", "observed_at",
// "age_s", "source", "estimate", "expired", ...}: docs/limits.md.
boost::json::object limit_state_json(const LimitState& s, EpochMs now);
// {"as_of", "limits": [...]} in the given order.
boost::json::object limits_json(const std::vector<LimitState>& limits, EpochMs now);

}  // namespace agentpulse
