// app/ProgressBar::render: the backfill progress line (files, MB, MB/s, rows/s, ETA) and its bar.
#include <boost/test/unit_test.hpp>

#include "app/ProgressBar.hpp"

using namespace agentpulse;

namespace {
bool contains(const std::string& hay, const std::string& needle) {
    return hay.find(needle) != std::string::npos;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(progress_bar)

BOOST_AUTO_TEST_CASE(renders_files_megabytes_rates_and_eta) {
    BackfillProgress p;
    p.files_total = 200, p.files_done = 50;
    p.bytes_total = 400'000'000, p.bytes_done = 100'000'000;
    p.seconds = 2;
    const std::string line = ProgressBar::render(p, 30'000, 20);
    BOOST_TEST(contains(line, "[=====>              ]"), line);
    BOOST_TEST(contains(line, " 25%"), line);
    BOOST_TEST(contains(line, "50/200 files"), line);
    BOOST_TEST(contains(line, "100.0/400.0 MB"), line);
    BOOST_TEST(contains(line, "50.0 MB/s"), line);
    BOOST_TEST(contains(line, "15000 rows/s"), line);
    BOOST_TEST(contains(line, "ETA 0:06"), line);  // 300 MB left at 50 MB/s
}

BOOST_AUTO_TEST_CASE(edges) {
    BackfillProgress p;  // nothing to do
    std::string line = ProgressBar::render(p, 0, 10);
    BOOST_TEST(contains(line, "[==========]"), line);
    BOOST_TEST(contains(line, "100%"), line);
    BOOST_TEST(contains(line, "ETA 0:00"), line);
    // Files grew while being read: more done than planned is 100%, never a negative ETA.
    p.files_total = p.files_done = 3;
    p.bytes_total = 1'000'000, p.bytes_done = 5'000'000;
    p.seconds = 4;
    line = ProgressBar::render(p, 10, 10);
    BOOST_TEST(contains(line, "100%"), line);
    BOOST_TEST(contains(line, "ETA 0:00"), line);
    BOOST_TEST(!contains(line, "-"), line);
    // Long runs: minutes in the ETA.
    p.bytes_total = 10'000'000'000, p.bytes_done = 1'000'000'000, p.seconds = 10;
    BOOST_TEST(contains(ProgressBar::render(p, 0, 10), "ETA 1:30"));  // 9,000 MB left at 100 MB/s
}

BOOST_AUTO_TEST_SUITE_END()
