// The burn block of burn_tick and /api/live/stats: rolling rate, today, month to date, projection and
// budget, from sums the caller measured. Pure arithmetic, documented in docs/live-api.md.
//
// usd_per_min  = cost of usage events with ts in (now - window, now] / the window in minutes (5 min:
//                kBurnWindowMs)
// usd_per_hour = usd_per_min * 60
// projected_month_usd = month_to_date * month_length / elapsed, elapsed = now - month_start (at least
//                       one hour, so the first minutes of a month do not explode), month_length in the
//                       browser's zone (DST-correct).
// budget status (monthly budget B): ok below 80% of B spent this month, warning from 80%, over from 100%.
#pragma once

#include <optional>
#include <string>

#include "core/IsoTime.hpp"

namespace agentpulse {

// The rolling window usd_per_min is measured over, and how often the live stream sends a burn tick:
// defined here once for the poller, the preamble and the reports.
inline constexpr std::int64_t kBurnWindowMs = 5 * 60'000;
inline constexpr std::int64_t kBurnTickIntervalMs = 5'000;

struct BurnInputs {
    EpochMs now = 0;
    EpochMs month_start = 0, next_month_start = 0;
    double cost_window = 0;      // the rolling window's cost
    std::int64_t window_ms = kBurnWindowMs;
    double today = 0;
    double month_to_date = 0;
    std::optional<double> budget;  // monthly, USD
};

struct BudgetStatus {
    double budget_usd = 0;
    double used_fraction = 0;       // month_to_date / budget
    double projected_fraction = 0;  // projected_month / budget
    std::string status;             // ok | warning | over
};

struct BurnBlock {
    std::int64_t window_ms = kBurnWindowMs;  // the window window_cost was measured over
    double window_cost = 0;
    double usd_per_min = 0;
    double usd_per_hour = 0;
    double today_usd = 0;
    double month_to_date_usd = 0;
    double projected_month_usd = 0;
    double month_elapsed_fraction = 0;
    std::optional<BudgetStatus> budget;
};

BurnBlock compute_burn(const BurnInputs& in);

}  // namespace agentpulse
