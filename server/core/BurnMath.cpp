// See BurnMath.hpp for the formulas.
#include "core/BurnMath.hpp"

#include <algorithm>

namespace agentpulse {

BurnBlock compute_burn(const BurnInputs& in) {
    BurnBlock b;
    b.window_ms = in.window_ms;
    b.window_cost = in.cost_window;
    const double window_min = std::max<double>(1.0, static_cast<double>(in.window_ms) / 60'000.0);
    b.usd_per_min = in.cost_window / window_min;
    b.usd_per_hour = b.usd_per_min * 60.0;
    b.today_usd = in.today;
    b.month_to_date_usd = in.month_to_date;
    const double length = static_cast<double>(std::max<EpochMs>(1, in.next_month_start - in.month_start));
    const double elapsed = static_cast<double>(std::clamp<EpochMs>(in.now - in.month_start, 0, in.next_month_start - in.month_start));
    b.month_elapsed_fraction = elapsed / length;
    const double divisor = std::max(elapsed, 3'600'000.0);
    b.projected_month_usd = std::max(in.month_to_date, in.month_to_date * length / divisor);
    if (in.budget && *in.budget > 0) {
        BudgetStatus s;
        s.budget_usd = *in.budget;
        s.used_fraction = in.month_to_date / *in.budget;
        s.projected_fraction = b.projected_month_usd / *in.budget;
        // A hair of tolerance: 2.40 of 3.00 is 80% although 2.4 / 3 is 0.7999999999999999 in binary.
        constexpr double kEps = 1e-9;
        s.status = s.used_fraction >= 1.0 - kEps ? "over" : s.used_fraction >= 0.8 - kEps ? "warning" : "ok";
        b.budget = s;
    }
    return b;
}

}  // namespace agentpulse
