// core/LatencyHistogram: nearest-rank percentiles on known-shape data, the documented 3.2% bound against
// exact nearest rank on random samples, bucket geometry, merge, and the Prometheus helpers.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/LatencyHistogram.hpp"

using namespace agentpulse;

namespace {

// The documented definition, computed exactly: the sample at rank ceil(p/100 * N) (at least 1).
std::int64_t exact_rank(std::vector<std::int64_t> v, double p) {
    std::sort(v.begin(), v.end());
    const auto n = static_cast<double>(v.size());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * n - 1e-9));
    rank = std::clamp<std::size_t>(rank, 1, v.size());
    return v[rank - 1];
}

double rel_err(double got, double want) {
    return want == 0 ? std::abs(got) : std::abs(got - want) / want;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(latency_histogram)

BOOST_AUTO_TEST_CASE(empty_has_no_percentiles) {
    LatencyHistogram h;
    BOOST_TEST(!h.percentile(50));
    BOOST_TEST(h.count() == 0u);
    BOOST_TEST(h.count_below(1000) == 0u);
}

BOOST_AUTO_TEST_CASE(exact_below_16_ms) {
    for (std::int64_t ms = 0; ms < 16; ++ms) {
        BOOST_TEST(LatencyHistogram::bucket_of(ms) == ms);
        BOOST_TEST(LatencyHistogram::bucket_value(static_cast<int>(ms)) == static_cast<double>(ms));
    }
    LatencyHistogram h;
    for (int i = 1; i <= 10; ++i) h.add(i);
    BOOST_TEST(*h.percentile(50) == 5.0);
    BOOST_TEST(*h.percentile(90) == 9.0);
    BOOST_TEST(*h.percentile(91) == 10.0);
}

BOOST_AUTO_TEST_CASE(buckets_tile_the_line_and_stay_within_bound) {
    // Every value lands in a bucket whose [lower, upper) holds it, buckets are contiguous, and the
    // reported midpoint is within 3.2% of any value in the bucket.
    int prev = -1;
    for (std::int64_t ms = 0; ms < 200'000; ms += (ms < 4096 ? 1 : 37)) {
        const int b = LatencyHistogram::bucket_of(ms);
        BOOST_TEST_REQUIRE(b >= prev);
        prev = b;
        BOOST_TEST_REQUIRE(LatencyHistogram::bucket_lower(b) <= ms);
        BOOST_TEST_REQUIRE(ms < LatencyHistogram::bucket_upper(b));
        BOOST_TEST_REQUIRE(rel_err(LatencyHistogram::bucket_value(b), static_cast<double>(ms)) <= 0.032,
                           "ms=" << ms);
        if (b > 0)
            BOOST_TEST_REQUIRE(LatencyHistogram::bucket_upper(b - 1) == LatencyHistogram::bucket_lower(b));
    }
}

BOOST_AUTO_TEST_CASE(negative_and_huge_are_clamped) {
    LatencyHistogram h;
    h.add(-5);
    BOOST_TEST(*h.percentile(50) == 0.0);
    h.add(std::int64_t{1} << 50);  // beyond the top bucket: counted, not lost
    BOOST_TEST(h.count() == 2u);
    BOOST_TEST(*h.percentile(100) > 1e11);
}

BOOST_AUTO_TEST_CASE(uniform_1_to_1000) {
    LatencyHistogram h;
    std::vector<std::int64_t> v;
    for (int i = 1; i <= 1000; ++i) h.add(i), v.push_back(i);
    BOOST_TEST(h.count() == 1000u);
    BOOST_TEST(h.max() == 1000);
    for (const double p : {1.0, 25.0, 50.0, 90.0, 95.0, 99.0, 99.9}) {
        const double want = static_cast<double>(exact_rank(v, p));
        BOOST_TEST(rel_err(*h.percentile(p), want) <= 0.032,
                   "p" << p << " got " << *h.percentile(p) << " want " << want);
    }
    // Nearest rank: P50 of 1..1000 is the 500th value, P95 the 950th, P99 the 990th.
    BOOST_TEST(std::abs(*h.percentile(50) - 500) <= 500 * 0.032);
    BOOST_TEST(std::abs(*h.percentile(95) - 950) <= 950 * 0.032);
    BOOST_TEST(std::abs(*h.percentile(99) - 990) <= 990 * 0.032);
}

BOOST_AUTO_TEST_CASE(p0_is_min_and_p100_is_max) {
    LatencyHistogram h;
    for (const std::int64_t ms : {700, 12, 90'000, 3'000}) h.add(ms);
    BOOST_TEST(*h.percentile(0) == 12.0);        // exact below 16
    BOOST_TEST(*h.percentile(100) <= 90'000.0);  // never above the true maximum
    BOOST_TEST(rel_err(*h.percentile(100), 90'000) <= 0.032);
    BOOST_TEST(*h.percentile(-3) == *h.percentile(0));     // clamped
    BOOST_TEST(*h.percentile(250) == *h.percentile(100));  // clamped
}

BOOST_AUTO_TEST_CASE(single_sample_is_every_percentile) {
    LatencyHistogram h;
    h.add(1234);
    for (const double p : {0.0, 1.0, 50.0, 95.0, 99.0, 100.0}) {
        BOOST_TEST(rel_err(*h.percentile(p), 1234) <= 0.032);
        BOOST_TEST(*h.percentile(p) <= 1234.0);  // capped at the max
    }
}

BOOST_AUTO_TEST_CASE(all_equal) {
    LatencyHistogram h;
    h.add(250, 10'000);
    BOOST_TEST(h.count() == 10'000u);
    const double v = *h.percentile(50);
    BOOST_TEST(*h.percentile(1) == v);
    BOOST_TEST(*h.percentile(99) == v);
    BOOST_TEST(rel_err(v, 250) <= 0.032);
}

BOOST_AUTO_TEST_CASE(bimodal) {
    // 90% fast (around 40 ms), 10% slow (around 8 s): P50 is fast, P95 and P99 are slow, P90 is the last
    // fast.
    LatencyHistogram h;
    std::vector<std::int64_t> v;
    for (int i = 0; i < 900; ++i) h.add(40 + i % 5), v.push_back(40 + i % 5);
    for (int i = 0; i < 100; ++i) h.add(8'000 + i * 10), v.push_back(8'000 + i * 10);
    BOOST_TEST(*h.percentile(50) < 50.0);
    BOOST_TEST(*h.percentile(90) < 50.0);
    BOOST_TEST(*h.percentile(90.1) > 7'000.0);
    BOOST_TEST(*h.percentile(95) > 7'000.0);
    for (const double p : {50.0, 90.0, 95.0, 99.0})
        BOOST_TEST(rel_err(*h.percentile(p), static_cast<double>(exact_rank(v, p))) <= 0.032, "p" << p);
}

BOOST_AUTO_TEST_CASE(random_data_within_documented_bound) {
    std::mt19937_64 rng(20261125);
    std::lognormal_distribution<double> lat(std::log(800.0), 1.5);  // ms: tool latencies have a long tail
    for (int round = 0; round < 20; ++round) {
        LatencyHistogram h;
        std::vector<std::int64_t> v;
        const int n = 1 + static_cast<int>(rng() % 5000);
        for (int i = 0; i < n; ++i) {
            const auto ms = static_cast<std::int64_t>(lat(rng));
            h.add(ms);
            v.push_back(ms);
        }
        for (const double p : {0.0, 1.0, 10.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 100.0}) {
            const double want = static_cast<double>(exact_rank(v, p));
            const double got = *h.percentile(p);
            BOOST_TEST_REQUIRE(rel_err(got, want) <= 0.032,
                               "n=" << n << " p" << p << " got " << got << " want " << want);
        }
    }
}

BOOST_AUTO_TEST_CASE(merge_equals_adding_everything) {
    std::mt19937_64 rng(7);
    LatencyHistogram a, b, all;
    for (int i = 0; i < 3000; ++i) {
        const auto ms = static_cast<std::int64_t>(rng() % 120'000);
        (i % 3 ? a : b).add(ms);
        all.add(ms);
    }
    LatencyHistogram m = a;
    m.merge(b);
    BOOST_TEST(m.count() == all.count());
    BOOST_TEST(m.max() == all.max());
    for (const double p : {0.0, 50.0, 95.0, 99.0, 100.0}) BOOST_TEST(*m.percentile(p) == *all.percentile(p));
    LatencyHistogram empty;
    m.merge(empty);
    BOOST_TEST(m.count() == all.count());
    empty.merge(a);
    BOOST_TEST(empty.count() == a.count());
    BOOST_TEST(*empty.percentile(50) == *a.percentile(50));
}

BOOST_AUTO_TEST_CASE(prometheus_helpers) {
    LatencyHistogram h;
    for (const std::int64_t ms : {5, 50, 500, 5'000}) h.add(ms);
    BOOST_TEST(h.count_below(6) == 1u);
    BOOST_TEST(h.count_below(1'000'000) == 4u);
    BOOST_TEST(h.count_below(0) == 0u);
    BOOST_TEST(rel_err(h.approx_sum(), 5'555) <= 0.032);
}

BOOST_AUTO_TEST_SUITE_END()
