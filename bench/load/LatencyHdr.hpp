// An HDR-style latency histogram for the load harness: log-linear buckets in microseconds (exact below
// 128 us, then 128 buckets per power of two, under 0.8% error), mergeable across processes, with the
// percentiles reported as the highest value of their bucket (never flattering) and the exact maximum.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

namespace agentpulse::load {

class LatencyHdr {
public:
    static constexpr int kSubBits = 7;
    static constexpr std::uint64_t kSub = 1u << kSubBits;  // 128
    static constexpr std::size_t kBuckets = (64 - kSubBits + 1) * kSub;

    LatencyHdr() : counts_(kBuckets, 0) {}

    static std::size_t index_of(std::uint64_t us) {
        if (us < kSub) return static_cast<std::size_t>(us);
        const int top = 63 - std::countl_zero(us);  // >= kSubBits
        const int shift = top - kSubBits;
        const std::uint64_t sub = us >> shift;       // in [128, 256)
        return static_cast<std::size_t>((shift + 1) * kSub + (sub - kSub));
    }
    // Highest value that lands in bucket `i`.
    static std::uint64_t upper_of(std::size_t i) {
        if (i < kSub) return i;
        const std::size_t shift = i / kSub - 1;
        const std::uint64_t sub = i % kSub + kSub;
        return ((sub + 1) << shift) - 1;
    }

    void add(std::uint64_t us, std::uint64_t n = 1) {
        counts_[index_of(us)] += n;
        total_ += n;
        max_ = std::max(max_, us);
        sum_ += us * n;
    }
    void merge(const LatencyHdr& o) {
        for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
        total_ += o.total_;
        sum_ += o.sum_;
        max_ = std::max(max_, o.max_);
    }
    // Value at rank ceil(p/100 * N), as the highest value of its bucket (capped at the true maximum).
    std::uint64_t percentile(double p) const {
        if (total_ == 0) return 0;
        std::uint64_t rank = static_cast<std::uint64_t>(p / 100.0 * static_cast<double>(total_) + 0.999999);
        rank = std::clamp<std::uint64_t>(rank, 1, total_);
        std::uint64_t seen = 0;
        for (std::size_t i = 0; i < kBuckets; ++i) {
            seen += counts_[i];
            if (seen >= rank) return std::min(upper_of(i), max_);
        }
        return max_;
    }
    std::uint64_t count() const { return total_; }
    std::uint64_t max() const { return max_; }
    double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0; }

    // "i:n,i:n,..." for the non-empty buckets, plus the exact max and sum.
    std::string encode() const {
        std::string s = std::to_string(max_) + ";" + std::to_string(sum_) + ";";
        for (std::size_t i = 0; i < kBuckets; ++i)
            if (counts_[i]) s += std::to_string(i) + ":" + std::to_string(counts_[i]) + ",";
        return s;
    }
    static LatencyHdr decode(const std::string& s) {
        LatencyHdr h;
        std::size_t a = s.find(';'), b = s.find(';', a + 1);
        if (a == std::string::npos || b == std::string::npos) return h;
        h.max_ = std::stoull(s.substr(0, a));
        h.sum_ = std::stoull(s.substr(a + 1, b - a - 1));
        std::size_t pos = b + 1;
        while (pos < s.size()) {
            const std::size_t colon = s.find(':', pos), comma = s.find(',', pos);
            if (colon == std::string::npos || comma == std::string::npos) break;
            const std::size_t i = std::stoull(s.substr(pos, colon - pos));
            const std::uint64_t n = std::stoull(s.substr(colon + 1, comma - colon - 1));
            if (i < kBuckets) h.counts_[i] += n, h.total_ += n;
            pos = comma + 1;
        }
        return h;
    }

private:
    std::vector<std::uint64_t> counts_;
    std::uint64_t total_ = 0, max_ = 0, sum_ = 0;
};

}  // namespace agentpulse::load
