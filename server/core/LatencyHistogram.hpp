// Log-linear latency histogram (milliseconds): exact below 16 ms, then 16 buckets per power of two, so a
// reported percentile is within 3.2% of a sample's true value. Sparse: only occupied buckets are stored.
//
// Percentile definition (nearest rank): p-th percentile of N samples = the value of the sample at rank
// ceil(p/100 * N) in ascending order (rank 1 at least); reported as the midpoint of its bucket.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace agentpulse {

class LatencyHistogram {
public:
    void add(std::int64_t ms, std::uint32_t n = 1);
    void merge(const LatencyHistogram& other);
    void clear() { buckets_.clear(), count_ = 0, max_ = 0; }

    std::uint64_t count() const { return count_; }
    std::int64_t max() const { return max_; }
    // nullopt when empty; p in [0, 100].
    std::optional<double> percentile(double p) const;

    static int bucket_of(std::int64_t ms);
    static double bucket_value(int bucket);  // representative (midpoint) value
    static std::int64_t bucket_lower(int bucket);
    static std::int64_t bucket_upper(int bucket);  // exclusive

    // Cumulative count of samples below `upper_ms` (exclusive), for Prometheus buckets.
    std::uint64_t count_below(std::int64_t upper_ms) const;
    // Sum of samples, each taken at its bucket's midpoint.
    double approx_sum() const;

private:
    std::vector<std::pair<std::uint16_t, std::uint32_t>> buckets_;  // sorted by bucket
    std::uint64_t count_ = 0;
    std::int64_t max_ = 0;
};

}  // namespace agentpulse
