// core/IsoTime: parsing every form transcripts use, canonical formatting, day strings.
#include <boost/test/unit_test.hpp>

#include "core/IsoTime.hpp"

using namespace agentpulse;

BOOST_AUTO_TEST_SUITE(iso_time)

BOOST_AUTO_TEST_CASE(parses_utc_with_millis) {
    const auto ms = parse_iso8601("2026-11-25T12:34:56.789Z");
    BOOST_REQUIRE(ms);
    BOOST_TEST(*ms == 1795610096789LL);
    BOOST_TEST(format_iso8601(*ms) == "2026-11-25T12:34:56.789Z");
}

BOOST_AUTO_TEST_CASE(parses_offsets_and_micros) {
    bool zone = false;
    BOOST_TEST(*parse_iso8601("2026-11-25T13:34:56.789123+01:00", &zone) == *parse_iso8601("2026-11-25T12:34:56.789Z"));
    BOOST_TEST(zone);
    BOOST_TEST(*parse_iso8601("2026-11-25T07:04:56-0530") == *parse_iso8601("2026-11-25T12:34:56Z"));
}

BOOST_AUTO_TEST_CASE(zoneless_is_utc_and_reported) {
    bool zone = true;
    BOOST_TEST(*parse_iso8601("2026-11-25 12:34:56", &zone) == *parse_iso8601("2026-11-25T12:34:56Z"));
    BOOST_TEST(!zone);
}

BOOST_AUTO_TEST_CASE(rejects_garbage) {
    for (const char* bad : {"", "2026-13-01T00:00:00Z", "2026-11-25", "2026-11-25T25:00:00Z", "2026-11-25T12:34:56Zjunk",
                            "yesterday", "2026-11-25T12:34:56.Z", "2026-11-25T12:34:56+99:00"})
        BOOST_TEST(!parse_iso8601(bad), bad);
}

BOOST_AUTO_TEST_CASE(formats_before_epoch_and_days) {
    BOOST_TEST(format_iso8601(-1) == "1969-12-31T23:59:59.999Z");
    BOOST_TEST(utc_day(*parse_iso8601("2024-02-29T23:59:59.999Z")) == "2024-02-29");
    BOOST_TEST(utc_day(*parse_iso8601("2024-03-01T00:30:00+01:00")) == "2024-02-29");
}

BOOST_AUTO_TEST_SUITE_END()
