// core/BurnMath + core/CostBuckets: the burn block from synthetic 5-minute windows of spend, today and
// month to date summed the way the poller does (15-minute UTC slots between local midnights) in several
// zones at midnight +-1 ms, the month-end projection (first hour of a month included) and budget status.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "core/BurnMath.hpp"
#include "core/CostBuckets.hpp"
#include "core/IsoTime.hpp"
#include "core/ZonedCalendar.hpp"

using namespace agentpulse;

namespace {

constexpr EpochMs kMin = 60'000, kHour = 3'600'000, kDay = 24 * kHour;

EpochMs T(const char* iso) {
    return *parse_iso8601(iso);
}

struct Spend {
    EpochMs ts;
    double usd;
};

// What Poller::burn_block computes, from a list of spends instead of the store.
BurnBlock burn_at(const std::vector<Spend>& spends, EpochMs now, const std::string& tz,
                  std::optional<double> budget = {}) {
    CostBuckets slots;
    std::map<EpochMs, double> per_slot;
    for (const Spend& s : spends) per_slot[CostBuckets::slot_of(s.ts)] += s.usd;
    for (const auto& [slot, usd] : per_slot) slots.set(slot, usd);
    const auto cal = calendar_at(now, tz);
    BOOST_REQUIRE(cal);
    BurnInputs in;
    in.now = now;
    in.month_start = cal->month_start;
    in.next_month_start = cal->next_month_start;
    in.window_ms = 5 * kMin;
    for (const Spend& s : spends)
        if (s.ts > now - in.window_ms && s.ts <= now)
            in.cost_window += s.usd;  // LiveQueries: ts > now - 5 min
    in.today = slots.sum(cal->day_start, cal->next_day_start);
    in.month_to_date = slots.sum(cal->month_start, cal->next_month_start);
    in.budget = budget;
    return compute_burn(in);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(burn_math)

BOOST_AUTO_TEST_CASE(rate_from_a_five_minute_window) {
    const EpochMs now = T("2026-11-25T12:00:00Z");
    // $0.10 every 30 s for 10 minutes: the window (now - 5 min, now] holds 10 of them.
    std::vector<Spend> s;
    for (int i = 0; i < 20; ++i) s.push_back({now - i * 30'000, 0.10});
    const BurnBlock b = burn_at(s, now, "UTC");
    BOOST_TEST(b.window_cost == 1.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.usd_per_min == 0.2, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.usd_per_hour == 12.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.today_usd == 2.0, boost::test_tools::tolerance(1e-9));
    // A spend exactly 5 minutes old has left the window; one at `now` is in it.
    const BurnBlock edge = burn_at({{now - 5 * kMin, 1.0}, {now, 2.0}}, now, "UTC");
    BOOST_TEST(edge.window_cost == 2.0);
    // Quiet: zero rate, nothing divided by zero.
    const BurnBlock quiet = burn_at({}, now, "UTC");
    BOOST_TEST(quiet.usd_per_min == 0.0);
    BOOST_TEST(quiet.projected_month_usd == 0.0);
}

BOOST_AUTO_TEST_CASE(today_and_month_at_local_midnight_in_each_zone) {
    struct Case {
        const char* tz;
        const char* midnight;  // a local midnight (UTC instant) that is also the first of a month
    };
    for (const Case& c :
         {Case{"UTC", "2026-12-01T00:00:00Z"}, Case{"Europe/Berlin", "2026-11-30T23:00:00Z"},
          Case{"America/New_York", "2026-12-01T05:00:00Z"}, Case{"Asia/Kolkata", "2026-11-30T18:30:00Z"},
          Case{"Australia/Lord_Howe", "2026-11-30T13:00:00Z"}}) {
        const EpochMs m = T(c.midnight);
        const std::vector<Spend> s{{m - 1, 1.0}, {m, 10.0}, {m + 1, 100.0}, {m - 3 * kDay, 1000.0}};
        // 1 ms before midnight: "today" is the old day (the $1 and the $1000 three days ago are last month).
        BurnBlock before = burn_at(s, m - 1, c.tz);
        BOOST_TEST(before.today_usd == 1.0, c.tz);
        BOOST_TEST(before.month_to_date_usd == 1001.0, c.tz);
        // At midnight and 1 ms after: a new day and a new month; the $1 is yesterday's.
        BurnBlock at = burn_at(s, m, c.tz);
        BOOST_TEST(at.today_usd == 110.0, c.tz);  // slots hold the whole 15 minutes, later spends included
        BOOST_TEST(at.month_to_date_usd == 110.0, c.tz);
        BurnBlock after = burn_at(s, m + 1, c.tz);
        BOOST_TEST(after.today_usd == 110.0, c.tz);
        BOOST_TEST(after.month_elapsed_fraction > 0.0);
        BOOST_TEST(after.month_elapsed_fraction < 1e-6);
    }
}

BOOST_AUTO_TEST_CASE(dst_days_count_all_their_hours) {
    // Berlin's 25-hour day: spends at its first and last hour both count as that day.
    const EpochMs start = T("2026-10-24T22:00:00Z"), next = T("2026-10-25T23:00:00Z");
    const std::vector<Spend> s{{start, 1.0}, {next - 1, 2.0}, {next, 4.0}, {start - 1, 8.0}};
    BOOST_TEST(burn_at(s, start + 12 * kHour, "Europe/Berlin").today_usd == 3.0);
    // The same instants in UTC split differently: 2026-10-25 UTC holds the $2 and the $4.
    BOOST_TEST(burn_at(s, T("2026-10-25T12:00:00Z"), "UTC").today_usd == 6.0);
}

BOOST_AUTO_TEST_CASE(nonexistent_midnight_day_starts_at_its_first_instant) {
    // Santiago 2026-09-06 starts at 04:00 UTC (01:00 local): a spend at 03:59:59.999 UTC is the 5th's.
    const EpochMs first = T("2026-09-06T04:00:00Z");
    const std::vector<Spend> s{{first - 1, 1.0}, {first, 2.0}};
    BOOST_TEST(burn_at(s, first + kHour, "America/Santiago").today_usd == 2.0);
    BOOST_TEST(burn_at(s, first - 1, "America/Santiago").today_usd == 1.0);
}

BOOST_AUTO_TEST_CASE(projection_formula) {
    BurnInputs in;
    in.month_start = T("2026-11-01T00:00:00Z");
    in.next_month_start = T("2026-12-01T00:00:00Z");  // 30 days
    in.month_to_date = 100.0;
    // A third of the way through: x3.
    in.now = in.month_start + 10 * kDay;
    BurnBlock b = compute_burn(in);
    BOOST_TEST(b.projected_month_usd == 300.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(b.month_elapsed_fraction == 1.0 / 3.0, boost::test_tools::tolerance(1e-9));
    // First hour of the month: elapsed counts as one hour, so 10 minutes in projects 720 x, not 4320 x.
    in.now = in.month_start + 10 * kMin;
    in.month_to_date = 1.0;
    b = compute_burn(in);
    BOOST_TEST(b.projected_month_usd == 720.0, boost::test_tools::tolerance(1e-9));
    // At the very first instant, still one hour.
    in.now = in.month_start;
    BOOST_TEST(compute_burn(in).projected_month_usd == 720.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(compute_burn(in).month_elapsed_fraction == 0.0);
    // Exactly one hour in: same as the formula without the floor.
    in.now = in.month_start + kHour;
    BOOST_TEST(compute_burn(in).projected_month_usd == 720.0, boost::test_tools::tolerance(1e-9));
    // Last instant of the month: projection = month to date; never below it.
    in.now = in.next_month_start - 1;
    in.month_to_date = 55.0;
    b = compute_burn(in);
    BOOST_TEST(b.projected_month_usd >= 55.0);
    BOOST_TEST(b.projected_month_usd == 55.0, boost::test_tools::tolerance(1e-6));
    // A clock past the month (stale calendar): clamped, not shrunk.
    in.now = in.next_month_start + kDay;
    b = compute_burn(in);
    BOOST_TEST(b.projected_month_usd == 55.0);
    BOOST_TEST(b.month_elapsed_fraction == 1.0);
    // Before the month: elapsed 0, the one-hour floor applies.
    in.now = in.month_start - kDay;
    BOOST_TEST(compute_burn(in).projected_month_usd == 55.0 * 720.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(projection_uses_the_zone_month_length) {
    // A 25-hour-day month in Berlin (October 2026: 745 h) vs a 23-hour-day month (March 2026: 743 h).
    const auto oct = *calendar_at(T("2026-10-16T12:00:00Z"), "Europe/Berlin");
    BurnInputs in;
    in.month_start = oct.month_start;
    in.next_month_start = oct.next_month_start;
    in.now = oct.month_start + 745 * kHour / 2;
    in.month_to_date = 10.0;
    BOOST_TEST(compute_burn(in).projected_month_usd == 20.0, boost::test_tools::tolerance(1e-9));
}

BOOST_AUTO_TEST_CASE(budget_status_thresholds) {
    BurnInputs in;
    in.month_start = T("2026-11-01T00:00:00Z");
    in.next_month_start = T("2026-12-01T00:00:00Z");
    in.now = in.month_start + 15 * kDay;
    BOOST_TEST(!compute_burn(in).budget);  // none configured
    in.budget = 0.0;
    BOOST_TEST(!compute_burn(in).budget);  // nonsense budget ignored
    in.budget = 100.0;
    struct Case {
        double mtd;
        const char* status;
    };
    for (const Case& c : {Case{0.0, "ok"}, Case{79.9, "ok"}, Case{80.0, "warning"}, Case{99.99, "warning"},
                          Case{100.0, "over"}, Case{250.0, "over"}}) {
        in.month_to_date = c.mtd;
        const BurnBlock b = compute_burn(in);
        BOOST_REQUIRE(b.budget);
        BOOST_TEST(b.budget->status == c.status, "mtd " << c.mtd);
        BOOST_TEST(b.budget->budget_usd == 100.0);
        BOOST_TEST(b.budget->used_fraction == c.mtd / 100.0, boost::test_tools::tolerance(1e-12));
        BOOST_TEST(b.budget->projected_fraction == b.projected_month_usd / 100.0,
                   boost::test_tools::tolerance(1e-12));
    }
    // Exactly 80% and 100% of budgets whose quotient is not exact in binary (2.4 / 3 = 0.7999999999999999).
    in.budget = 3.0;
    in.month_to_date = 2.4;
    BOOST_TEST(compute_burn(in).budget->status == "warning");
    in.month_to_date = 3.0;
    BOOST_TEST(compute_burn(in).budget->status == "over");
    in.budget = 0.7;
    in.month_to_date = 0.56;  // 80% of 0.7
    BOOST_TEST(compute_burn(in).budget->status == "warning");
    in.month_to_date = 0.5593;  // 79.9%
    BOOST_TEST(compute_burn(in).budget->status == "ok");
}

BOOST_AUTO_TEST_CASE(cost_slots) {
    BOOST_TEST(CostBuckets::slot_of(0) == 0);
    BOOST_TEST(CostBuckets::slot_of(CostBuckets::kSlotMs - 1) == 0);
    BOOST_TEST(CostBuckets::slot_of(-1) == -CostBuckets::kSlotMs);
    CostBuckets b;
    b.set(0, 1.0);
    b.set(CostBuckets::kSlotMs, 2.0);
    b.set(2 * CostBuckets::kSlotMs, 4.0);
    BOOST_TEST(b.sum(0, 3 * CostBuckets::kSlotMs) == 7.0);
    BOOST_TEST(b.sum(CostBuckets::kSlotMs, 2 * CostBuckets::kSlotMs) == 2.0);
    b.set(CostBuckets::kSlotMs, 3.0);  // set replaces (the poller re-reads a slot's total)
    BOOST_TEST(b.sum(0, 3 * CostBuckets::kSlotMs) == 8.0);
    b.prune_before(CostBuckets::kSlotMs + 5);
    BOOST_TEST(b.size() == 2u);
    BOOST_TEST(b.sum(0, 3 * CostBuckets::kSlotMs) == 7.0);
}

BOOST_AUTO_TEST_SUITE_END()
