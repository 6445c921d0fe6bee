// The simulation's random numbers: xoshiro256** seeded through splitmix64. Portable (std:: distributions
// differ between standard libraries), so a seed names the same transcripts everywhere.
#pragma once

#include <cstdint>

namespace agentpulse {

class SynthRng {
public:
    explicit SynthRng(std::uint64_t seed);
    std::uint64_t next();
    std::uint64_t below(std::uint64_t n);                    // [0, n), n > 0
    std::int64_t between(std::int64_t lo, std::int64_t hi);  // [lo, hi]
    double unit();                                           // [0, 1)
    bool chance(double p);
    double normal();
    double lognormal(double median, double sigma);

private:
    std::uint64_t s_[4];
};

}  // namespace agentpulse
