// core/ToolLatencyIndex: the hour-aligned window, the 60-point per-minute P95 series, top-N order,
// error counting and pruning.
#include <boost/test/unit_test.hpp>

#include "core/IsoTime.hpp"
#include "core/ToolLatencyIndex.hpp"

using namespace agentpulse;

namespace {
constexpr EpochMs kMin = 60'000, kHour = 3'600'000;
// 2026-11-25T12:34:56.789Z: mid-hour, mid-minute.
const EpochMs kNow = *parse_iso8601("2026-11-25T12:34:56.789Z");
const EpochMs kHourStart = *parse_iso8601("2026-11-25T12:00:00Z");
const EpochMs kMinuteStart = *parse_iso8601("2026-11-25T12:34:00Z");

const ToolLatencySummary* find(const std::vector<ToolLatencySummary>& v, const std::string& name) {
    for (const auto& s : v)
        if (s.tool_name == name) return &s;
    return nullptr;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(tool_latency_index)

BOOST_AUTO_TEST_CASE(window_is_current_hour_plus_previous_hours) {
    ToolLatencyIndex idx;
    idx.add("Bash", kHourStart, 100, false);      // this hour, first ms
    idx.add("Bash", kHourStart - 1, 200, false);  // last ms of the previous hour
    idx.add("Bash", kHourStart - 23 * kHour, 300,
            false);  // first ms of the 24th hour back (in a 24 h window)
    idx.add("Bash", kHourStart - 23 * kHour - 1, 400, false);  // just outside a 24 h window
    BOOST_TEST(idx.summarize(kNow, 1, 12).at(0).samples == 1u);
    BOOST_TEST(idx.summarize(kNow, 2, 12).at(0).samples == 2u);
    BOOST_TEST(idx.summarize(kNow, 24, 12).at(0).samples == 3u);
    BOOST_TEST(idx.summarize(kNow, 25, 12).at(0).samples == 4u);
    // Out-of-range windows are clamped to 1..168.
    BOOST_TEST(idx.summarize(kNow, 0, 12).at(0).samples == 1u);
    BOOST_TEST(idx.summarize(kNow, 10'000, 12).at(0).samples == 4u);
}

BOOST_AUTO_TEST_CASE(percentiles_and_max_per_tool) {
    ToolLatencyIndex idx;
    for (int i = 1; i <= 100; ++i) idx.add("Read", kNow - i * 1000, i * 10, false);
    const auto s = idx.summarize(kNow, 24, 12);
    BOOST_REQUIRE(s.size() == 1u);
    BOOST_TEST(s[0].samples == 100u);
    BOOST_TEST(s[0].max_ms == 1000);
    BOOST_TEST(std::abs(*s[0].p50_ms - 500) <= 16);
    BOOST_TEST(std::abs(*s[0].p95_ms - 950) <= 31);
    BOOST_TEST(std::abs(*s[0].p99_ms - 990) <= 32);
}

BOOST_AUTO_TEST_CASE(minute_series_has_60_points_oldest_first) {
    ToolLatencyIndex idx;
    idx.add("Edit", kMinuteStart, 1000, false);           // this minute
    idx.add("Edit", kMinuteStart - 1, 50, false);         // previous minute
    idx.add("Edit", kMinuteStart - 59 * kMin, 7, false);  // oldest point of the series
    idx.add("Edit", kMinuteStart - 60 * kMin, 9, false);  // one minute too old for the series
    const auto s = idx.summarize(kNow, 24, 12).at(0);
    BOOST_REQUIRE(s.series.size() == 60u);
    BOOST_TEST(s.series.front().minute == kMinuteStart - 59 * kMin);
    BOOST_TEST(s.series.back().minute == kMinuteStart);
    BOOST_TEST(s.series.back().samples == 1u);
    BOOST_TEST(std::abs(*s.series.back().p95_ms - 1000) <= 32);
    BOOST_TEST(s.series[58].samples == 1u);
    BOOST_TEST(std::abs(*s.series[58].p95_ms - 50) <= 2);
    BOOST_TEST(s.series.front().samples == 1u);
    BOOST_TEST(*s.series.front().p95_ms == 7.0);
    BOOST_TEST(s.series[30].samples == 0u);
    BOOST_TEST(!s.series[30].p95_ms);
    BOOST_TEST(s.samples == 4u);  // all in the window, only three in the series
}

BOOST_AUTO_TEST_CASE(top_n_by_samples_then_name) {
    ToolLatencyIndex idx;
    const char* names[] = {"Bash", "Read", "Edit", "Grep", "Glob"};
    for (int t = 0; t < 5; ++t)
        for (int i = 0; i <= t; ++i) idx.add(names[t], kNow - 1000, 10, false);
    idx.add("Aaa", kNow - 1000, 10, false);  // ties with Bash (1 sample): name decides
    const auto all = idx.summarize(kNow, 24, 12);
    std::vector<std::string> order;
    for (const auto& s : all) order.push_back(s.tool_name);
    const std::vector<std::string> want{"Glob", "Grep", "Edit", "Read", "Aaa", "Bash"};
    BOOST_TEST(order == want, boost::test_tools::per_element());
    const auto top2 = idx.summarize(kNow, 24, 2);
    BOOST_REQUIRE(top2.size() == 2u);
    BOOST_TEST(top2[0].tool_name == "Glob");
    BOOST_TEST(top2[1].tool_name == "Grep");
    BOOST_TEST(top2[1].series.size() == 60u);
}

BOOST_AUTO_TEST_CASE(errors_and_results_without_latency) {
    ToolLatencyIndex idx;
    idx.add("Bash", kNow - 1000, 100, true);
    idx.add("Bash", kNow - 1000, 200, false);
    idx.add("Bash", kNow - 1000, std::nullopt, true);  // result timed before its call: no latency
    idx.add("Only", kNow - 1000, std::nullopt, true);  // errors only: still listed
    const auto s = idx.summarize(kNow, 24, 12);
    const auto* bash = find(s, "Bash");
    BOOST_REQUIRE(bash);
    BOOST_TEST(bash->samples == 2u);
    BOOST_TEST(bash->errors == 2u);
    const auto* only = find(s, "Only");
    BOOST_REQUIRE(only);
    BOOST_TEST(only->samples == 0u);
    BOOST_TEST(only->errors == 1u);
    BOOST_TEST(!only->p50_ms);
}

BOOST_AUTO_TEST_CASE(prune_keeps_a_week_of_hours_and_an_hour_of_minutes) {
    ToolLatencyIndex idx;
    idx.add("Old", kNow - 200 * kHour, 10, false);   // older than 168 h + 1: dropped
    idx.add("Week", kNow - 160 * kHour, 10, false);  // inside the longest window: kept
    idx.add("Now", kNow - 2 * kMin, 10, false);
    BOOST_TEST(idx.tools() == 3u);
    idx.prune(kNow);
    BOOST_TEST(idx.tools() == 2u);
    BOOST_TEST(idx.summarize(kNow, 168, 12).size() == 2u);
    // Minute buckets older than the series go, hour buckets stay: the window still counts them.
    idx.prune(kNow + 2 * kHour);
    const auto s = idx.summarize(kNow + 2 * kHour, 24, 12);
    const auto* now = find(s, "Now");
    BOOST_REQUIRE(now);
    BOOST_TEST(now->samples == 1u);
    for (const auto& p : now->series) BOOST_TEST(p.samples == 0u);
    idx.prune(kNow + 400 * kHour);
    BOOST_TEST(idx.tools() == 0u);
}

BOOST_AUTO_TEST_CASE(calls_before_1970_bucket_correctly) {
    ToolLatencyIndex idx;
    idx.add("Neg", -1, 10, false);  // floor, not truncation toward zero
    const auto s = idx.summarize(0, 1, 12);
    BOOST_TEST(s.empty());  // -1 ms is in the previous hour: outside a 1 h window at t=0
    BOOST_TEST(idx.summarize(0, 2, 12).size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
