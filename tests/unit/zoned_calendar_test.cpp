// core/ZonedCalendar: day and month boundaries as UTC instants in IANA zones, checked at local midnight
// and one millisecond either side: whole-hour, half-hour (Kolkata) and 30-minute-DST (Lord Howe) zones,
// month ends and a leap day, 23- and 25-hour DST days, a midnight that does not exist (Santiago, Havana
// spring forward) and one that happens twice (Havana fall back, which is also a month start).
#include <boost/test/unit_test.hpp>

#include "core/IsoTime.hpp"
#include "core/ZonedCalendar.hpp"

using namespace agentpulse;

namespace {

constexpr EpochMs kHour = 3'600'000;

EpochMs T(const char* iso) {
    const auto t = parse_iso8601(iso);
    BOOST_REQUIRE_MESSAGE(t, iso);
    return *t;
}

CalendarSpan cal(const char* iso, const char* tz) {
    const auto c = calendar_at(T(iso), tz);
    BOOST_REQUIRE_MESSAGE(c, tz);
    return *c;
}

// At the instant of local midnight `midnight_utc` the local date is `day`; one ms before it is `before`.
void check_midnight(const char* tz, const char* midnight_utc, const char* day, const char* before) {
    const EpochMs m = T(midnight_utc);
    const auto at = calendar_at(m, tz);
    const auto just_before = calendar_at(m - 1, tz);
    const auto just_after = calendar_at(m + 1, tz);
    BOOST_REQUIRE(at && just_before && just_after);
    BOOST_TEST(at->local_date == day, tz << " at " << midnight_utc);
    BOOST_TEST(at->day_start == m, tz << " day_start " << format_iso8601(at->day_start));
    BOOST_TEST(just_after->local_date == day);
    BOOST_TEST(just_after->day_start == m);
    BOOST_TEST(just_before->local_date == before, tz << " 1 ms before " << midnight_utc);
    BOOST_TEST(just_before->next_day_start == m);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(zoned_calendar)

BOOST_AUTO_TEST_CASE(utc_and_aliases) {
    for (const char* tz : {"UTC", "", "Etc/UTC", "Z"}) {
        const CalendarSpan c = cal("2026-11-25T13:00:00Z", tz);
        BOOST_TEST(c.tz == "UTC");
        BOOST_TEST(c.local_date == "2026-11-25");
        BOOST_TEST(c.utc_offset_minutes == 0);
        BOOST_TEST(c.day_start == T("2026-11-25T00:00:00Z"));
        BOOST_TEST(c.next_day_start == T("2026-11-26T00:00:00Z"));
        BOOST_TEST(c.month_start == T("2026-11-01T00:00:00Z"));
        BOOST_TEST(c.next_month_start == T("2026-12-01T00:00:00Z"));
    }
    check_midnight("UTC", "2026-11-25T00:00:00Z", "2026-11-25", "2026-11-24");
}

BOOST_AUTO_TEST_CASE(unknown_zone_is_refused) {
    BOOST_TEST(!calendar_at(T("2026-11-25T13:00:00Z"), "Mars/Olympus_Mons"));
    BOOST_TEST(!calendar_at(T("2026-11-25T13:00:00Z"), "../../etc/passwd"));
    BOOST_TEST(!known_time_zone("Europe/Atlantis"));
    BOOST_TEST(known_time_zone("Europe/Berlin"));
    BOOST_TEST(known_time_zone(""));
    BOOST_TEST(!local_day_starts(0, "Nope/Nope", 3));
}

BOOST_AUTO_TEST_CASE(berlin_new_york_kolkata_lord_howe_midnights) {
    check_midnight("Europe/Berlin", "2026-11-24T23:00:00Z", "2026-11-25", "2026-11-24");     // CET +1
    check_midnight("Europe/Berlin", "2026-07-14T22:00:00Z", "2026-07-15", "2026-07-14");     // CEST +2
    check_midnight("America/New_York", "2026-11-25T05:00:00Z", "2026-11-25", "2026-11-24");  // EST -5
    check_midnight("America/New_York", "2026-07-15T04:00:00Z", "2026-07-15", "2026-07-14");  // EDT -4
    check_midnight("Asia/Kolkata", "2026-11-24T18:30:00Z", "2026-11-25", "2026-11-24");      // +5:30
    check_midnight("Australia/Lord_Howe", "2026-11-24T13:00:00Z", "2026-11-25",
                   "2026-11-24");  // +11 (summer)
    check_midnight("Australia/Lord_Howe", "2026-07-14T13:30:00Z", "2026-07-15", "2026-07-14");  // +10:30
    BOOST_TEST(cal("2026-11-25T12:00:00Z", "Asia/Kolkata").utc_offset_minutes == 330);
    BOOST_TEST(cal("2026-11-25T12:00:00Z", "America/New_York").utc_offset_minutes == -300);
    BOOST_TEST(cal("2026-07-15T12:00:00Z", "America/New_York").utc_offset_minutes == -240);
    BOOST_TEST(cal("2026-11-25T12:00:00Z", "Australia/Lord_Howe").utc_offset_minutes == 660);
    BOOST_TEST(cal("2026-07-15T12:00:00Z", "Australia/Lord_Howe").utc_offset_minutes == 630);
    // The same instant is a different day east and west of UTC.
    BOOST_TEST(cal("2026-11-25T20:00:00Z", "Asia/Kolkata").local_date == "2026-11-26");
    BOOST_TEST(cal("2026-11-25T03:00:00Z", "America/New_York").local_date == "2026-11-24");
    BOOST_TEST(cal("2026-11-25T12:00:00Z", "Europe/Berlin").tz == "Europe/Berlin");
}

BOOST_AUTO_TEST_CASE(month_end_jan_31_to_feb_1) {
    // UTC
    check_midnight("UTC", "2027-02-01T00:00:00Z", "2027-02-01", "2027-01-31");
    BOOST_TEST(cal("2027-01-31T23:59:59.999Z", "UTC").month_start == T("2027-01-01T00:00:00Z"));
    BOOST_TEST(cal("2027-01-31T23:59:59.999Z", "UTC").next_month_start == T("2027-02-01T00:00:00Z"));
    BOOST_TEST(cal("2027-02-01T00:00:00Z", "UTC").month_start == T("2027-02-01T00:00:00Z"));
    BOOST_TEST(cal("2027-02-01T00:00:00Z", "UTC").next_month_start == T("2027-03-01T00:00:00Z"));
    // Berlin: February starts at 23:00 UTC on January 31.
    BOOST_TEST(cal("2027-01-31T22:59:59.999Z", "Europe/Berlin").month_start == T("2026-12-31T23:00:00Z"));
    BOOST_TEST(cal("2027-01-31T23:00:00Z", "Europe/Berlin").month_start == T("2027-01-31T23:00:00Z"));
    BOOST_TEST(cal("2027-01-31T23:00:00Z", "Europe/Berlin").local_date == "2027-02-01");
    // Kolkata: 18:30 UTC the day before; New York: 05:00 UTC on the 1st.
    BOOST_TEST(cal("2027-01-31T18:30:00Z", "Asia/Kolkata").month_start == T("2027-01-31T18:30:00Z"));
    BOOST_TEST(cal("2027-01-31T18:29:59.999Z", "Asia/Kolkata").month_start == T("2026-12-31T18:30:00Z"));
    BOOST_TEST(cal("2027-02-01T04:59:59.999Z", "America/New_York").local_date == "2027-01-31");
    BOOST_TEST(cal("2027-02-01T05:00:00Z", "America/New_York").month_start == T("2027-02-01T05:00:00Z"));
    // New Year in Lord Howe (+11 in summer).
    BOOST_TEST(cal("2026-12-31T13:00:00Z", "Australia/Lord_Howe").local_date == "2027-01-01");
    BOOST_TEST(cal("2026-12-31T13:00:00Z", "Australia/Lord_Howe").month_start == T("2026-12-31T13:00:00Z"));
    BOOST_TEST(cal("2026-12-31T12:59:59.999Z", "Australia/Lord_Howe").local_date == "2026-12-31");
}

BOOST_AUTO_TEST_CASE(leap_day) {
    const CalendarSpan c = cal("2028-02-29T12:00:00Z", "UTC");
    BOOST_TEST(c.local_date == "2028-02-29");
    BOOST_TEST(c.month_start == T("2028-02-01T00:00:00Z"));
    BOOST_TEST(c.next_month_start == T("2028-03-01T00:00:00Z"));
    BOOST_TEST(c.next_month_start - c.month_start == 29 * 24 * kHour);
    check_midnight("UTC", "2028-03-01T00:00:00Z", "2028-03-01", "2028-02-29");
    check_midnight("Europe/Berlin", "2028-02-28T23:00:00Z", "2028-02-29", "2028-02-28");
    check_midnight("Europe/Berlin", "2028-02-29T23:00:00Z", "2028-03-01", "2028-02-29");
    BOOST_TEST(cal("2027-02-15T00:00:00Z", "UTC").next_month_start -
                   cal("2027-02-15T00:00:00Z", "UTC").month_start ==
               28 * 24 * kHour);
}

BOOST_AUTO_TEST_CASE(dst_days_are_23_and_25_hours) {
    // Berlin: 2026-03-29 has 23 h, 2026-10-25 has 25 h.
    CalendarSpan c = cal("2026-03-29T12:00:00Z", "Europe/Berlin");
    BOOST_TEST(c.day_start == T("2026-03-28T23:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 23 * kHour);
    c = cal("2026-10-25T12:00:00Z", "Europe/Berlin");
    BOOST_TEST(c.day_start == T("2026-10-24T22:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 25 * kHour);
    // The month holding the short day is one hour short, the one holding the long day one hour long.
    BOOST_TEST(c.next_month_start - c.month_start == (31 * 24 + 1) * kHour);
    c = cal("2026-03-15T12:00:00Z", "Europe/Berlin");
    BOOST_TEST(c.next_month_start - c.month_start == (31 * 24 - 1) * kHour);
    // New York: 2026-03-08 (23 h), 2026-11-01 (25 h).
    c = cal("2026-03-08T12:00:00Z", "America/New_York");
    BOOST_TEST(c.next_day_start - c.day_start == 23 * kHour);
    c = cal("2026-11-01T12:00:00Z", "America/New_York");
    BOOST_TEST(c.day_start == T("2026-11-01T04:00:00Z"));
    BOOST_TEST(c.next_day_start == T("2026-11-02T05:00:00Z"));
    // Midnights either side of the change keep their own offset.
    check_midnight("America/New_York", "2026-11-02T05:00:00Z", "2026-11-02", "2026-11-01");
    check_midnight("America/New_York", "2026-11-01T04:00:00Z", "2026-11-01", "2026-10-31");
}

BOOST_AUTO_TEST_CASE(lord_howe_half_hour_dst) {
    // 2026-10-04: 02:00 -> 02:30, a 23.5 h day; 2026-04-05: 02:00 -> 01:30, a 24.5 h day.
    CalendarSpan c = cal("2026-10-04T06:00:00Z", "Australia/Lord_Howe");
    BOOST_TEST(c.local_date == "2026-10-04");
    BOOST_TEST(c.day_start == T("2026-10-03T13:30:00Z"));
    BOOST_TEST(c.next_day_start == T("2026-10-04T13:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 23 * kHour + kHour / 2);
    c = cal("2026-04-05T06:00:00Z", "Australia/Lord_Howe");
    BOOST_TEST(c.day_start == T("2026-04-04T13:00:00Z"));
    BOOST_TEST(c.next_day_start == T("2026-04-05T13:30:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 24 * kHour + kHour / 2);
    // Offsets on either side of the shift.
    BOOST_TEST(cal("2026-10-03T15:29:59.999Z", "Australia/Lord_Howe").utc_offset_minutes == 630);
    BOOST_TEST(cal("2026-10-03T15:30:00Z", "Australia/Lord_Howe").utc_offset_minutes == 660);
}

BOOST_AUTO_TEST_CASE(midnight_that_does_not_exist) {
    // Santiago, 2026-09-06: 23:59:59.999 on the 5th (-04) is followed by 01:00 on the 6th (-03). The
    // day starts at its first instant, 04:00 UTC, and lasts 23 h.
    check_midnight("America/Santiago", "2026-09-06T04:00:00Z", "2026-09-06", "2026-09-05");
    CalendarSpan c = cal("2026-09-06T12:00:00Z", "America/Santiago");
    BOOST_TEST(c.next_day_start == T("2026-09-07T03:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 23 * kHour);
    BOOST_TEST(c.month_start == T("2026-09-01T04:00:00Z"));  // -04 on Sept 1
    // Havana, 2026-03-08: midnight (CST -5) jumps to 01:00 CDT.
    check_midnight("America/Havana", "2026-03-08T05:00:00Z", "2026-03-08", "2026-03-07");
    c = cal("2026-03-08T12:00:00Z", "America/Havana");
    BOOST_TEST(c.next_day_start == T("2026-03-09T04:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 23 * kHour);
}

BOOST_AUTO_TEST_CASE(midnight_that_happens_twice_starts_a_month) {
    // Havana, 2026-11-01: 00:59:59 CDT is followed by 00:00 CST, so the local midnight that starts
    // November happens twice; the day (and the month) start at the first one, 04:00 UTC.
    check_midnight("America/Havana", "2026-11-01T04:00:00Z", "2026-11-01", "2026-10-31");
    const CalendarSpan c = cal("2026-11-01T05:30:00Z", "America/Havana");  // 00:30 the second time
    BOOST_TEST(c.local_date == "2026-11-01");
    BOOST_TEST(c.day_start == T("2026-11-01T04:00:00Z"));
    BOOST_TEST(c.next_day_start == T("2026-11-02T05:00:00Z"));
    BOOST_TEST(c.next_day_start - c.day_start == 25 * kHour);
    BOOST_TEST(c.month_start == T("2026-11-01T04:00:00Z"));
    const CalendarSpan oct = cal("2026-11-01T03:59:59.999Z", "America/Havana");
    BOOST_TEST(oct.local_date == "2026-10-31");
    BOOST_TEST(oct.next_month_start == T("2026-11-01T04:00:00Z"));
}

BOOST_AUTO_TEST_CASE(local_day_starts_oldest_first) {
    const auto d = local_day_starts(T("2026-10-26T12:00:00Z"), "Europe/Berlin", 3);
    BOOST_REQUIRE(d);
    BOOST_REQUIRE(d->size() == 3u);
    BOOST_TEST((*d)[0] == T("2026-10-23T22:00:00Z"));
    BOOST_TEST((*d)[1] == T("2026-10-24T22:00:00Z"));
    BOOST_TEST((*d)[2] == T("2026-10-25T23:00:00Z"));  // after the 25 h day
}

BOOST_AUTO_TEST_SUITE_END()
