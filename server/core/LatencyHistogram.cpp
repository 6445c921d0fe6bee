// See LatencyHistogram.hpp.
#include "core/LatencyHistogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace agentpulse {

namespace {
constexpr int kSub = 16;          // sub-buckets per power of two
constexpr int kLinear = 16;       // exact buckets 0..15 ms
constexpr std::int64_t kMaxMs = (std::int64_t{1} << 40);  // ~35 years: clamp beyond
}  // namespace

int LatencyHistogram::bucket_of(std::int64_t ms) {
    if (ms < 0) ms = 0;
    if (ms >= kMaxMs) ms = kMaxMs - 1;
    if (ms < kLinear) return static_cast<int>(ms);
    const int k = std::bit_width(static_cast<std::uint64_t>(ms)) - 1;  // 2^k <= ms < 2^(k+1), k >= 4
    const int sub = static_cast<int>((ms - (std::int64_t{1} << k)) >> (k - 4));  // 0..15
    return kLinear + (k - 4) * kSub + sub;
}

std::int64_t LatencyHistogram::bucket_lower(int b) {
    if (b < kLinear) return b;
    const int k = (b - kLinear) / kSub + 4;
    const int sub = (b - kLinear) % kSub;
    return (std::int64_t{1} << k) + (static_cast<std::int64_t>(sub) << (k - 4));
}

std::int64_t LatencyHistogram::bucket_upper(int b) {
    if (b < kLinear) return b + 1;
    const int k = (b - kLinear) / kSub + 4;
    return bucket_lower(b) + (std::int64_t{1} << (k - 4));
}

double LatencyHistogram::bucket_value(int b) {
    if (b < kLinear) return b;
    return (static_cast<double>(bucket_lower(b)) + static_cast<double>(bucket_upper(b) - 1)) / 2.0;
}

void LatencyHistogram::add(std::int64_t ms, std::uint32_t n) {
    if (n == 0) return;
    const auto b = static_cast<std::uint16_t>(bucket_of(ms));
    auto it = std::lower_bound(buckets_.begin(), buckets_.end(), b,
                               [](const auto& e, std::uint16_t key) { return e.first < key; });
    if (it != buckets_.end() && it->first == b)
        it->second += n;
    else
        buckets_.insert(it, {b, n});
    count_ += n;
    max_ = std::max(max_, std::max<std::int64_t>(ms, 0));
}

void LatencyHistogram::merge(const LatencyHistogram& o) {
    if (o.buckets_.empty()) return;
    std::vector<std::pair<std::uint16_t, std::uint32_t>> out;
    out.reserve(buckets_.size() + o.buckets_.size());
    auto a = buckets_.cbegin();
    auto b = o.buckets_.cbegin();
    while (a != buckets_.cend() || b != o.buckets_.cend()) {
        if (b == o.buckets_.end() || (a != buckets_.end() && a->first < b->first))
            out.push_back(*a++);
        else if (a == buckets_.end() || b->first < a->first)
            out.push_back(*b++);
        else
            out.push_back({a->first, a->second + b->second}), ++a, ++b;
    }
    buckets_ = std::move(out);
    count_ += o.count_;
    max_ = std::max(max_, o.max_);
}

std::optional<double> LatencyHistogram::percentile(double p) const {
    if (count_ == 0) return std::nullopt;
    p = std::clamp(p, 0.0, 100.0);
    const auto rank = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * count_ - 1e-9)));
    std::uint64_t seen = 0;
    for (const auto& [b, n] : buckets_) {
        seen += n;
        if (seen >= rank) return std::min(bucket_value(b), static_cast<double>(max_));
    }
    return static_cast<double>(max_);
}

double LatencyHistogram::approx_sum() const {
    double s = 0;
    for (const auto& [b, n] : buckets_) s += bucket_value(b) * n;
    return s;
}

std::uint64_t LatencyHistogram::count_below(std::int64_t upper_ms) const {
    std::uint64_t n = 0;
    for (const auto& [b, c] : buckets_) {
        if (bucket_upper(b) > upper_ms) break;
        n += c;
    }
    return n;
}

}  // namespace agentpulse
