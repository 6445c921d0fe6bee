// The terminal reports (`agentpulse report`): local day ranges (core/ZonedCalendar), the grouping into
// days, weeks, months, sessions and 5-hour blocks (report/UsageReport), the CSV writer's quoting and
// formula guard (core/CsvWriter), and what is printed (report/ReportOutput): the JSON's shape, the
// CSV's columns, the table fitted to narrow terminals. Every expected figure is written here by hand.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "TempDir.hpp"
#include "app/Startup.hpp"
#include "core/CsvWriter.hpp"
#include "core/ZonedCalendar.hpp"
#include "report/ReportOutput.hpp"
#include "report/ReportQueries.hpp"
#include "report/UsageReport.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;

namespace {

constexpr EpochMs kHour = 3'600'000;

EpochMs T(const char* iso) {
    const auto t = parse_iso8601(iso);
    BOOST_REQUIRE_MESSAGE(t, iso);
    return *t;
}

UsageSlice slice(int day, const char* model, double cost, std::int64_t input, std::int64_t project = 1) {
    UsageSlice s;
    s.day = day;
    s.provider = "claude";
    s.model = model;
    s.project_id = project;
    s.cost_usd = cost;
    s.tokens.input = input;
    s.tokens.output = 2 * input;
    s.tokens.cache_read = 10 * input;
    s.tokens.cache_create = 3 * input;
    s.events = 1;
    return s;
}

UsageEventRow event(const char* iso, double cost, const char* model = "claude-sonnet-4-5-20250929") {
    UsageEventRow e;
    e.ts = T(iso);
    e.provider = "claude";
    e.model = model;
    e.cost_usd = cost;
    e.tokens.input = 10;
    e.tokens.output = 5;
    return e;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::size_t at = 0;
    while (at < text.size()) {
        const std::size_t nl = text.find('\n', at);
        out.push_back(text.substr(at, nl - at));
        at = nl == std::string::npos ? text.size() : nl + 1;
    }
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(usage_report)

BOOST_AUTO_TEST_CASE(local_days_between_follows_the_zone_and_its_dst) {
    // Europe/Paris leaves summer time on 2026-10-25: that day lasts 25 hours.
    const auto r = local_days_between("2026-10-24", "2026-10-26", "Europe/Paris");
    BOOST_REQUIRE(r);
    BOOST_REQUIRE_EQUAL(r->days.size(), 3u);
    BOOST_TEST(r->days[0].date == "2026-10-24");
    BOOST_TEST(r->days[0].start == T("2026-10-23T22:00:00Z"));
    BOOST_TEST(r->days[1].start == T("2026-10-24T22:00:00Z"));
    BOOST_TEST(r->days[2].start == T("2026-10-25T23:00:00Z"));
    BOOST_TEST(r->end == T("2026-10-26T23:00:00Z"));
    BOOST_TEST(r->days[0].weekday == 5);  // a Saturday
    BOOST_TEST(r->days[2].weekday == 0);  // a Monday
    BOOST_TEST(!local_days_between("2026-10-26", "2026-10-24", "UTC"));
    BOOST_TEST(!local_days_between("2026-02-30", "2026-03-01", "UTC"));
    BOOST_TEST(!local_days_between("2026-10-24", "2026-10-26", "Mars/Olympus"));
    BOOST_TEST(local_date(T("2026-10-24T22:30:00Z"), "Europe/Paris") == "2026-10-25");
    BOOST_TEST(local_minute(T("2026-10-24T22:30:00Z"), "Asia/Kolkata") == "2026-10-25 04:00");
    BOOST_TEST(normalise_date("20261207").value_or("") == "2026-12-07");
    BOOST_TEST(normalise_date("2026-12-07").value_or("") == "2026-12-07");
    BOOST_TEST(!normalise_date("2026-13-01"));
    BOOST_TEST(!normalise_date("2026-1-01"));
    BOOST_TEST(!normalise_date("yesterday"));
    BOOST_TEST(shift_date("2026-03-01", -1) == "2026-02-28");
    BOOST_TEST(system_time_zone("Asia/Tokyo") == "Asia/Tokyo");
    BOOST_TEST(system_time_zone(":America/New_York") == "America/New_York");
}

BOOST_AUTO_TEST_CASE(days_weeks_and_months_sum_their_days_and_skip_empty_periods) {
    // Thursday 2026-11-26 to Wednesday 2026-12-09 in UTC.
    const auto range = local_days_between("2026-11-26", "2026-12-09", "UTC");
    BOOST_REQUIRE(range);
    const std::vector<UsageSlice> slices = {
        slice(0, "claude-sonnet-4-5", 1.0, 100),  // Thu 11-26
        slice(0, "claude-opus-4-5", 2.0, 10),     // Thu 11-26
        slice(3, "claude-sonnet-4-5", 4.0, 1),    // Sun 11-29
        slice(4, "gpt-5", 8.0, 1),                // Mon 11-30
        slice(5, "gpt-5", 16.0, 1),               // Tue 12-01
    };
    const auto daily = period_rows(ReportKind::Daily, *range, slices);
    BOOST_REQUIRE_EQUAL(daily.size(), 4u);  // days without usage are left out
    BOOST_TEST(daily[0].key == "2026-11-26");
    BOOST_TEST(daily[0].usage.cost_usd == 3.0);
    BOOST_TEST(daily[0].usage.tokens.input == 110);
    BOOST_TEST(daily[0].usage.events == 2);
    BOOST_TEST((daily[0].models == std::set<std::string>{"claude-opus-4-5", "claude-sonnet-4-5"}));
    BOOST_TEST(daily[0].start == T("2026-11-26T00:00:00Z"));
    BOOST_TEST(daily[0].end == T("2026-11-27T00:00:00Z"));

    const auto weekly = period_rows(ReportKind::Weekly, *range, slices);  // Monday weeks
    BOOST_REQUIRE_EQUAL(weekly.size(), 2u);
    BOOST_TEST(weekly[0].key == "2026-11-23");  // the week began before the range: keyed by its Monday
    BOOST_TEST(weekly[0].usage.cost_usd == 7.0);
    BOOST_TEST(weekly[0].start == T("2026-11-26T00:00:00Z"));  // its part inside the range
    BOOST_TEST(weekly[1].key == "2026-11-30");
    BOOST_TEST(weekly[1].usage.cost_usd == 24.0);

    const auto sunday = period_rows(ReportKind::Weekly, *range, slices, 6);
    BOOST_REQUIRE_EQUAL(sunday.size(), 2u);
    BOOST_TEST(sunday[0].key == "2026-11-22");
    BOOST_TEST(sunday[0].usage.cost_usd == 3.0);
    BOOST_TEST(sunday[1].key == "2026-11-29");
    BOOST_TEST(sunday[1].usage.cost_usd == 28.0);

    const auto monthly = period_rows(ReportKind::Monthly, *range, slices);
    BOOST_REQUIRE_EQUAL(monthly.size(), 2u);
    BOOST_TEST(monthly[0].key == "2026-11");
    BOOST_TEST(monthly[0].usage.cost_usd == 15.0);
    BOOST_TEST(monthly[1].key == "2026-12");
    BOOST_TEST(monthly[1].usage.cost_usd == 16.0);
    BOOST_TEST(monthly[1].end == range->end);
    BOOST_TEST(sum_rows(monthly).cost_usd == sum_rows(daily).cost_usd);
    BOOST_TEST(sum_rows(weekly).total_tokens() == sum_rows(daily).total_tokens());
}

BOOST_AUTO_TEST_CASE(blocks_start_on_the_hour_last_five_hours_and_show_gaps) {
    const std::vector<UsageEventRow> events = {
        event("2026-12-01T09:47:10Z", 1.0),
        event("2026-12-01T13:59:00Z", 2.0, "claude-opus-4-5-20251101"),  // within 5 h of 09:00
        event("2026-12-01T14:05:00Z", 4.0),  // past 14:00: a new block at 14:00, no gap
        event("2026-12-02T02:00:00Z", 8.0),  // 11 h 55 min of silence: a gap from 19:05
        event("2026-12-02T03:30:00Z", 16.0),
    };
    const auto rows = block_rows(events, T("2026-12-02T05:00:00Z"));
    BOOST_REQUIRE_EQUAL(rows.size(), 4u);
    BOOST_TEST(rows[0].key == "2026-12-01T09:00:00.000Z");
    BOOST_TEST(rows[0].start == T("2026-12-01T09:00:00Z"));
    BOOST_TEST(rows[0].end == T("2026-12-01T14:00:00Z"));
    BOOST_TEST(rows[0].usage.cost_usd == 3.0);
    BOOST_TEST(rows[0].usage.events == 2);
    BOOST_TEST(rows[0].models.size() == 2u);
    BOOST_TEST(!rows[0].active);
    BOOST_TEST(rows[1].start == T("2026-12-01T14:00:00Z"));
    BOOST_TEST(rows[1].usage.cost_usd == 4.0);
    BOOST_TEST(rows[2].gap);
    BOOST_TEST(rows[2].start == T("2026-12-01T19:05:00Z"));
    BOOST_TEST(rows[2].end == T("2026-12-02T02:00:00Z"));
    BOOST_TEST(rows[2].usage.events == 0);
    BOOST_TEST(rows[3].start == T("2026-12-02T02:00:00Z"));
    BOOST_TEST(rows[3].usage.cost_usd == 24.0);
    BOOST_TEST(rows[3].active);  // now (05:00) is before 07:00 and within 5 h of 03:30
    BOOST_TEST(sum_rows(rows).cost_usd == 31.0);
    // Later, the same block is over.
    BOOST_TEST(!block_rows(events, T("2026-12-02T07:00:00Z")).back().active);
    BOOST_TEST(block_rows({}, 0).empty());
}

BOOST_AUTO_TEST_CASE(sessions_gather_their_models_and_sort_by_last_activity) {
    std::vector<SessionModelUsage> usage(3);
    usage[0].session_row = 7;
    usage[0].session_id = "sess-late";
    usage[0].usage = slice(0, "claude-sonnet-4-5", 1.5, 10, 1);
    usage[0].first_at = T("2026-12-01T10:00:00Z");
    usage[0].last_at = T("2026-12-01T12:00:00Z");
    usage[1] = usage[0];
    usage[1].usage = slice(0, "claude-opus-4-5", 2.5, 20, 1);
    usage[1].first_at = T("2026-12-01T09:00:00Z");
    usage[1].last_at = T("2026-12-01T11:00:00Z");
    usage[2].session_row = 3;
    usage[2].session_id = "sess-early";
    usage[2].usage = slice(0, "gpt-5", 1.0, 5, 2);
    usage[2].usage.provider = "codex";
    usage[2].first_at = T("2026-11-30T10:00:00Z");
    usage[2].last_at = T("2026-11-30T10:30:00Z");
    const auto rows = session_rows(usage, {{1, "shop"}, {2, "infra"}});
    BOOST_REQUIRE_EQUAL(rows.size(), 2u);
    BOOST_TEST(rows[0].key == "sess-early");
    BOOST_TEST(rows[0].provider == "codex");
    BOOST_TEST(rows[0].project == "infra");
    BOOST_TEST(rows[1].key == "sess-late");
    BOOST_TEST(rows[1].usage.cost_usd == 4.0);
    BOOST_TEST(rows[1].usage.tokens.input == 30);
    BOOST_TEST(rows[1].first_at == T("2026-12-01T09:00:00Z"));
    BOOST_TEST(rows[1].last_at == T("2026-12-01T12:00:00Z"));
    BOOST_TEST(rows[1].models.size() == 2u);
}

BOOST_AUTO_TEST_CASE(csv_quotes_what_needs_it_and_guards_formulas) {
    BOOST_TEST(csv_text("plain") == "plain");
    BOOST_TEST(csv_text("a,b") == "\"a,b\"");
    BOOST_TEST(csv_text("say \"hi\"") == "\"say \"\"hi\"\"\"");
    BOOST_TEST(csv_text("two\nlines") == "\"two\nlines\"");
    BOOST_TEST(csv_text("cr\rhere") == "\"cr\rhere\"");
    BOOST_TEST(csv_text("=SUM(A1:A9)") == "'=SUM(A1:A9)");
    BOOST_TEST(csv_text("+1") == "'+1");
    BOOST_TEST(csv_text("-2") == "'-2");
    BOOST_TEST(csv_text("@cmd") == "'@cmd");
    BOOST_TEST(csv_text("\tx") == "'\tx");
    BOOST_TEST(csv_text("=HYPERLINK(\"http://x\",\"a,b\")") ==
               "\"'=HYPERLINK(\"\"http://x\"\",\"\"a,b\"\")\"");
    BOOST_TEST(csv_text("a=b") == "a=b");  // only a leading sign is a formula
    BOOST_TEST(csv_text("") == "");
    CsvWriter w;
    w.text("k").number(-1.5).integer(-3).number(0.1).boolean(true).number(std::nan(""));
    w.end_row();
    w.text("x");
    w.end_row();
    BOOST_TEST(w.str() == "k,-1.5,-3,0.1,true,\nx\n");  // numbers are never guarded
}

BOOST_AUTO_TEST_CASE(json_has_rows_with_keys_tokens_models_and_totals) {
    const auto range = local_days_between("2026-11-26", "2026-11-27", "UTC");
    UsageReport r;
    r.kind = ReportKind::Daily;
    r.tz = "UTC";
    r.since = "2026-11-26";
    r.until = "2026-11-27";
    r.from = range->days[0].start;
    r.to = range->end;
    r.rows =
        period_rows(r.kind, *range, {slice(0, "claude-sonnet-4-5", 1.25, 100), slice(1, "gpt-5", 2.5, 7)});
    r.totals = sum_rows(r.rows);
    const json::object o = report_json(r).as_object();
    BOOST_TEST(o.at("report").as_string() == "daily");
    BOOST_TEST(o.at("tz").as_string() == "UTC");
    const json::array& rows = o.at("rows").as_array();
    BOOST_REQUIRE_EQUAL(rows.size(), 2u);
    const json::object& first = rows[0].as_object();
    BOOST_TEST(first.at("key").as_string() == "2026-11-26");
    BOOST_TEST(first.at("date").as_string() == "2026-11-26");
    BOOST_TEST(first.at("cost_usd").as_double() == 1.25);
    const json::object& tk = first.at("tokens").as_object();
    BOOST_TEST(tk.at("input").as_int64() == 100);
    BOOST_TEST(tk.at("output").as_int64() == 200);
    BOOST_TEST(tk.at("cache_create").as_int64() == 300);
    BOOST_TEST(tk.at("cache_read").as_int64() == 1000);
    BOOST_TEST(tk.at("total").as_int64() == 1600);
    BOOST_TEST(first.at("models").as_array().size() == 1u);
    BOOST_TEST(first.at("models").as_array()[0].as_string() == "claude-sonnet-4-5");
    const json::object& totals = o.at("totals").as_object();
    BOOST_TEST(totals.at("cost_usd").as_double() == 3.75);
    BOOST_TEST(totals.at("tokens").at("total").as_int64() == 1600 + 16 * 7);
    BOOST_TEST(totals.at("events").as_int64() == 2);

    const std::vector<std::string> csv = lines_of(report_csv(r));
    BOOST_REQUIRE_EQUAL(csv.size(), 3u);
    BOOST_TEST(csv[0] ==
               "date,input_tokens,output_tokens,cache_create_tokens,cache_read_tokens,total_tokens,cost_usd,"
               "events,models");
    BOOST_TEST(csv[1] == "2026-11-26,100,200,300,1000,1600,1.25,1,claude-sonnet-4-5");
}

BOOST_AUTO_TEST_CASE(the_table_fits_narrow_terminals_and_colours_only_when_asked) {
    const auto range = local_days_between("2026-11-26", "2026-11-28", "UTC");
    UsageReport r;
    r.kind = ReportKind::Daily;
    r.tz = "UTC";
    r.since = "2026-11-26";
    r.until = "2026-11-28";
    r.rows = period_rows(r.kind, *range,
                         {slice(0, "claude-sonnet-4-5-20250929", 1234.5, 123'456'789),
                          slice(0, "claude-opus-4-5-20251101", 1.0, 5), slice(2, "gpt-5-codex", 0.125, 42)});
    r.totals = sum_rows(r.rows);
    const std::string wide = report_table(r, TableStyle{0, false});
    BOOST_TEST(wide.find("123,456,794") != std::string::npos, wide);
    BOOST_TEST(wide.find("opus-4-5, sonnet-4-5") != std::string::npos, wide);
    BOOST_TEST(wide.find("$1,235.50") != std::string::npos, wide);
    BOOST_TEST(wide.find("Cache create") != std::string::npos, wide);
    BOOST_TEST(wide.find('\x1b') == std::string::npos);
    for (const std::size_t width : {100u, 80u, 60u, 40u}) {
        const std::string narrow = report_table(r, TableStyle{width, false});
        for (const std::string& line : lines_of(narrow))
            BOOST_TEST(display_width(line) <= width, width << ": " << line);
        BOOST_TEST(narrow.find("2026-11-26") != std::string::npos, narrow);  // the key and the cost stay
        BOOST_TEST(narrow.find("Total") != std::string::npos, narrow);
        BOOST_TEST(
            (narrow.find("$1,235.50") != std::string::npos || narrow.find("$1.2K") != std::string::npos),
            narrow);
    }
    const std::string sixty = report_table(r, TableStyle{60, false});
    BOOST_TEST(sixty.find("123.5M") != std::string::npos, sixty);  // compact numbers
    const std::string colored = report_table(r, TableStyle{0, true});
    BOOST_TEST(colored.find("\x1b[") != std::string::npos);
    // Colour codes do not shift the columns: the rows line up as in the plain table.
    std::string stripped;
    for (std::size_t i = 0; i < colored.size(); ++i) {
        if (colored[i] == '\x1b') {
            i = colored.find('m', i);
            continue;
        }
        stripped += colored[i];
    }
    BOOST_TEST(stripped == wide);
    BOOST_TEST(short_model_name("claude-haiku-4-5-20251001") == "haiku-4-5");
    BOOST_TEST(short_model_name("gpt-5-codex") == "gpt-5-codex");
}

BOOST_AUTO_TEST_CASE(the_store_reads_sum_each_session_and_walk_events_in_time_order) {
    TempDir dir;
    auto db = open_store_for_writing(dir / "store.db");
    db->exec(R"sql(
INSERT INTO projects (id, provider, slug, display_name) VALUES (1, 'claude', 'a', 'shop'), (2, 'codex', 'b', 'infra');
INSERT INTO sessions (id, project_id, provider, session_id) VALUES (1, 1, 'claude', 's-one'), (2, 2, 'codex', 's-two');
INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, input_tokens, output_tokens,
    cache_read_tokens, cache_create_tokens, cost_usd, cost_source, dedup_key) VALUES
  ('claude', 1, 1, '2026-12-01T10:00:00.000Z', '', 'claude-sonnet-4-5', 1, 2, 3, 4, 1.0, 'rate_card', 'k1'),
  ('claude', 1, 1, '2026-12-01T09:00:00.000Z', '', 'claude-opus-4-5', 10, 20, 30, 40, 2.0, 'rate_card', 'k2'),
  ('claude', 1, 1, '2026-12-01T11:00:00.000Z', '', 'claude-sonnet-4-5', 100, 0, 0, 0, 4.0, 'rate_card', 'k3'),
  ('codex', 2, 2, '2026-12-01T10:30:00.000Z', '', 'mystery', 5, 5, 0, 0, 0.0, 'unpriced', 'k4'),
  ('codex', 2, 2, '2026-12-02T10:30:00.000Z', '', 'gpt-5', 5, 5, 0, 0, 8.0, 'rate_card', 'k5');
)sql");
    ReportQueries q(*db);
    const EpochMs from = T("2026-12-01T00:00:00Z"), to = T("2026-12-02T00:00:00Z");
    const auto rows = session_rows(q.usage_by_session(from, to), q.project_names());
    BOOST_REQUIRE_EQUAL(rows.size(), 2u);
    BOOST_TEST(rows[0].key == "s-two");  // last active 10:30, before s-one's 11:00
    BOOST_TEST(rows[0].usage.unpriced_events == 1);
    BOOST_TEST(rows[0].usage.cost_usd == 0.0);
    BOOST_TEST(rows[1].key == "s-one");
    BOOST_TEST(rows[1].project == "shop");
    BOOST_TEST(rows[1].usage.cost_usd == 7.0);
    BOOST_TEST(rows[1].usage.tokens.cache_create == 44);
    BOOST_TEST(rows[1].first_at == T("2026-12-01T09:00:00Z"));
    BOOST_TEST(rows[1].last_at == T("2026-12-01T11:00:00Z"));
    BOOST_TEST(q.usage_by_session(from, to, "codex").size() == 1u);

    const auto events = q.usage_events(from, to);
    BOOST_REQUIRE_EQUAL(events.size(), 4u);
    BOOST_TEST(events[0].ts == T("2026-12-01T09:00:00Z"));
    BOOST_TEST(events[3].ts == T("2026-12-01T11:00:00Z"));
    BOOST_TEST(events[2].unpriced);
    BOOST_TEST(q.usage_events(from, T("2026-12-03T00:00:00Z"), "codex").size() == 2u);
    BOOST_TEST(q.first_usage_at().value_or(0) == T("2026-12-01T09:00:00Z"));
    BOOST_TEST(q.first_usage_at("codex").value_or(0) == T("2026-12-01T10:30:00Z"));
    BOOST_TEST(!q.first_usage_at("gemini"));
}

BOOST_AUTO_TEST_SUITE_END()
