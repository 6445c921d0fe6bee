// See SynthRng.hpp.
#include "sim/SynthRng.hpp"

#include <algorithm>
#include <cmath>

namespace agentpulse {

namespace {
std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
std::uint64_t rotl(std::uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}
}  // namespace

SynthRng::SynthRng(std::uint64_t seed) {
    for (auto& s : s_) s = splitmix64(seed);
}

std::uint64_t SynthRng::next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
}

std::uint64_t SynthRng::below(std::uint64_t n) {
    return n <= 1 ? 0 : next() % n;
}

std::int64_t SynthRng::between(std::int64_t lo, std::int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<std::int64_t>(below(static_cast<std::uint64_t>(hi - lo) + 1));
}

double SynthRng::unit() {
    return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

bool SynthRng::chance(double p) {
    return unit() < p;
}

double SynthRng::normal() {
    const double u1 = std::max(unit(), 1e-12), u2 = unit();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

double SynthRng::lognormal(double median, double sigma) {
    return median * std::exp(sigma * normal());
}

}  // namespace agentpulse
