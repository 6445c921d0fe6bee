// Spend per 15-minute slot of UTC time, kept in memory for the current and previous month, so
// "today" and "month to date" in any time zone (every zone's midnight falls on a 15-minute boundary)
// cost a sum over at most ~6,000 slots instead of a scan of usage_events every 5 seconds.
#pragma once

#include <cstdint>
#include <map>

#include "core/IsoTime.hpp"

namespace agentpulse {

class CostBuckets {
public:
    static constexpr EpochMs kSlotMs = 15 * 60'000;
    static EpochMs slot_of(EpochMs t) { return (t >= 0 ? t / kSlotMs : (t - kSlotMs + 1) / kSlotMs) * kSlotMs; }

    void set(EpochMs slot_start, double usd) { slots_[slot_start] = usd; }
    // Sum over [from, to); both are expected on slot boundaries (a partial slot counts whole).
    double sum(EpochMs from, EpochMs to) const;
    void prune_before(EpochMs t) { slots_.erase(slots_.begin(), slots_.lower_bound(slot_of(t))); }
    std::size_t size() const { return slots_.size(); }

private:
    std::map<EpochMs, double> slots_;
};

}  // namespace agentpulse
