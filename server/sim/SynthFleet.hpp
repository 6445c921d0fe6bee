// Several simulated sessions running side by side, as a user with a few agents open: the live demo's
// source. A finished session is replaced by a new one after a pause, up to `max_sessions` (0 = no end).
#pragma once

#include <cstdint>
#include <memory>

#include "sim/SynthSession.hpp"
#include "sim/SynthWriters.hpp"

namespace agentpulse {

struct SynthFleetOptions {
    std::uint64_t seed = 1;
    EpochMs start_ms = kSynthEpoch;
    int concurrent = 3;
    int max_sessions = 0;
    SynthShares shares;  // the agents' weights among sessions; empty = the writers' defaults
    std::int64_t median_session_bytes = 300'000;
    double time_scale = 1.0;
};

class SynthFleet {
public:
    explicit SynthFleet(const SynthFleetOptions& opts);
    ~SynthFleet();
    bool done() const;
    EpochMs next_at() const;  // only while !done()
    SynthLine next();         // only while !done()
    const SynthTotals& totals() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace agentpulse
