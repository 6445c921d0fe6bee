// See CostBuckets.hpp.
#include "core/CostBuckets.hpp"

namespace agentpulse {

double CostBuckets::sum(EpochMs from, EpochMs to) const {
    double s = 0;
    for (auto it = slots_.lower_bound(slot_of(from)); it != slots_.end() && it->first < to; ++it) s += it->second;
    return s;
}

}  // namespace agentpulse
