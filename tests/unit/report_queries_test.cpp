// The dashboard's report side: ReportQueries (local-day sums, the session list's filters, sorts and
// pages, one session's calls and costs), ReportJson (overview sums, cache savings, the session page,
// /api/config), the report routes' parameter checks and the QueryPool (jobs run on its own threads with
// their own connections, a bounded queue, store errors as 500s). A store built row by row in SQL, so
// every expected number is visible here.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <cmath>

#include <thread>

#include "TempDir.hpp"
#include "app/Startup.hpp"
#include "core/ZonedCalendar.hpp"
#include "http/ReportRoutes.hpp"
#include "http/Router.hpp"
#include "report/QueryPool.hpp"
#include "report/ReportJson.hpp"
#include "store/Migrations.hpp"
#include "report/ReportQueries.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;
namespace tt = boost::test_tools;

namespace {

// 2026-11-25T12:00:00Z
constexpr EpochMs kNow = 1'795'608'000'000LL;

struct ReportStore {
    TempDir dir;
    std::filesystem::path path = dir / "store.db";
    std::unique_ptr<Database> db;

    ReportStore() {
        db = open_store_for_writing(path);
        db->exec(R"sql(
INSERT INTO projects (id, provider, slug, display_name) VALUES
  (1, 'claude', '-home-a-shop', 'shop'), (2, 'codex', '/home/a/infra', 'infra');
INSERT INTO sessions (id, project_id, provider, session_id, started_at, last_at, cwd, git_branch, model) VALUES
  (1, 1, 'claude', 'sess-aaaa', '2026-11-24T10:00:00.000Z', '2026-11-24T10:30:00.000Z', '/home/a/shop', 'main', 'claude-sonnet-4-5'),
  (2, 2, 'codex',  'sess-bbbb', '2026-11-25T08:00:00.000Z', '2026-11-25T09:00:00.000Z', '/home/a/infra', '', 'gpt-5'),
  (3, 1, 'claude', 'sess-cccc', '2026-11-25T11:00:00.000Z', '2026-11-25T11:00:05.000Z', '/home/a/shop', 'dev', 'claude-opus-4-5');
INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, input_tokens, output_tokens,
    cache_read_tokens, cache_create_tokens, cache_create_1h_tokens, cost_usd, cost_source, dedup_key) VALUES
  ('claude', 1, 1, '2026-11-24T10:00:01.000Z', '2026-11-24', 'claude-sonnet-4-5', 100, 50, 1000000, 0, 0, 1.00, 'rate_card', 'k1'),
  ('claude', 1, 1, '2026-11-24T23:30:00.000Z', '2026-11-24', 'claude-sonnet-4-5', 100, 50, 0, 0, 0, 2.00, 'rate_card', 'k2'),
  ('codex',  2, 2, '2026-11-25T08:30:00.000Z', '2026-11-25', 'gpt-5', 200, 20, 0, 0, 0, 4.00, 'rate_card', 'k3'),
  ('codex',  2, 2, '2026-11-25T08:40:00.000Z', '2026-11-25', 'mystery-model', 10, 10, 500000, 0, 0, 0.00, 'unpriced', 'k4'),
  ('claude', 1, 3, '2026-11-25T11:00:01.000Z', '2026-11-25', 'claude-opus-4-5', 1, 1, 0, 10, 4, 0.50, 'rate_card', 'k5');
INSERT INTO message_tool_mart (provider, project_id, session_id, ts, ts_ms, day, tool_name, file_path, byte_count,
    call_index, tool_use_id, result_ts, latency_ms, is_error, result_bytes, result_seq) VALUES
  ('claude', 1, 1, '2026-11-24T10:00:02.000Z', 0, '2026-11-24', 'Read', '/home/a/shop/a.ts', NULL, 0, 't1', '2026-11-24T10:00:02.100Z', 100, 0, 10, 1),
  ('claude', 1, 1, '2026-11-24T10:00:03.000Z', 0, '2026-11-24', 'Read', '/home/a/shop/b.ts', NULL, 1, 't2', '2026-11-24T10:00:03.300Z', 300, 0, 10, 2),
  ('claude', 1, 1, '2026-11-24T10:00:04.000Z', 0, '2026-11-24', 'Bash', NULL, NULL, 0, 't3', '2026-11-24T10:00:09.000Z', 5000, 1, 5, 3),
  ('claude', 1, 1, '2026-11-24T10:00:10.000Z', 0, '2026-11-24', 'Edit', '/home/a/shop/c.ts', 42, 0, 't4', NULL, NULL, NULL, NULL, NULL),
  ('codex',  2, 2, '2026-11-25T08:30:01.000Z', 0, '2026-11-25', 'shell', NULL, NULL, 0, 'c1', '2026-11-25T08:30:02.000Z', 1000, 0, 7, 4);
)sql");
        rebuild_aggregates(*db);  // rows written here by SQL: the sums StoreWriter would keep
    }
    void exec(const std::string& sql) {
        db->exec(sql);
        rebuild_aggregates(*db);
    }
};

PriceBook test_prices() {
    return PriceBook::parse(R"({"version":1,"models":[
      {"family":"sonnet","provider":"claude","match":["*sonnet*"],"input":3,"output":15,"cache_write_5m":3.75,"cache_write_1h":6,"cache_read":0.3},
      {"family":"gpt-5","provider":"codex","match":["gpt-5"],"input":1.25,"output":10,"cache_write_5m":0,"cache_write_1h":0,"cache_read":0.125}]})");
}

json::object overview_for(ReportQueries& q, const std::string& tz, const PriceBook* prices,
                          const std::string& provider = {}) {
    OverviewInputs in;
    in.now = kNow;
    in.calendar = *calendar_at(kNow, tz);
    in.day_starts = *local_day_starts(kNow, tz, 3);
    for (const EpochMs s : in.day_starts) in.day_labels.push_back(calendar_at(s, tz)->local_date);
    in.end = in.calendar.next_day_start;
    in.slices = q.usage_by_day(in.day_starts, in.end, nullptr, 0, provider);
    in.projects = q.project_names();
    in.prices = prices;
    in.has_activity = q.has_activity();
    in.provider = provider;
    return overview_payload(in).as_object();
}

double num(const json::value& v) { return v.is_double() ? v.as_double() : static_cast<double>(v.as_int64()); }

}  // namespace

BOOST_AUTO_TEST_SUITE(report_queries)

BOOST_AUTO_TEST_CASE(days_follow_the_browser_zone) {
    ReportStore s;
    ReportQueries q(*s.db);
    // 23:30 UTC on the 24th is 00:30 on the 25th in Berlin: it moves to the next local day.
    const json::object utc = overview_for(q, "UTC", nullptr);
    const json::object berlin = overview_for(q, "Europe/Berlin", nullptr);
    const auto& du = utc.at("days").as_array();
    const auto& db = berlin.at("days").as_array();
    BOOST_REQUIRE_EQUAL(du.size(), 3u);
    BOOST_TEST(du[1].at("date").as_string() == "2026-11-24");
    BOOST_TEST(num(du[1].at("cost_usd")) == 3.0);
    BOOST_TEST(num(du[2].at("cost_usd")) == 4.5);
    BOOST_TEST(db[1].at("date").as_string() == "2026-11-24");
    BOOST_TEST(num(db[1].at("cost_usd")) == 1.0);
    BOOST_TEST(num(db[2].at("cost_usd")) == 6.5);
    BOOST_TEST(db[2].at("start").as_string() == "2026-11-24T23:00:00.000Z");
    BOOST_TEST(num(db[2].at("by_model").at("claude-sonnet-4-5")) == 2.0);
    BOOST_TEST(num(db[2].at("by_project").at("infra")) == 4.0);
}

BOOST_AUTO_TEST_CASE(overview_ranks_sums_and_mixes) {
    ReportStore s;
    ReportQueries q(*s.db);
    const PriceBook prices = test_prices();
    const json::object o = overview_for(q, "UTC", &prices);
    BOOST_TEST(num(o.at("totals").at("cost_usd")) == 7.5);
    BOOST_TEST(o.at("totals").at("events").as_int64() == 5);
    BOOST_TEST(o.at("totals").at("unpriced_events").as_int64() == 1);
    const auto& models = o.at("models").as_array();
    BOOST_TEST(models[0].at("model").as_string() == "gpt-5");
    BOOST_TEST(models[0].at("provider").as_string() == "codex");
    BOOST_TEST(models[1].at("model").as_string() == "claude-sonnet-4-5");
    const auto& projects = o.at("projects").as_array();
    BOOST_TEST(projects[0].at("project").as_string() == "infra");
    BOOST_TEST(num(projects[1].at("cost_usd")) == 3.5);
    BOOST_TEST(num(projects[1].at("share")) == 3.5 / 7.5);
    const auto& mix = o.at("token_mix");
    BOOST_TEST(mix.at("cache_read").as_int64() == 1'500'000);
    BOOST_TEST(mix.at("cache_create_5m").as_int64() == 6);
    BOOST_TEST(mix.at("cache_create_1h").as_int64() == 4);
    // Cache saved: 1M sonnet cache reads at $3 - $0.30 per M; the unknown model's 0.5M counted apart.
    const auto& cs = o.at("cache_savings");
    BOOST_TEST(num(cs.at("saved_usd")) == 2.7, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(num(cs.at("at_input_rate_usd")) == 3.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(cs.at("unpriced_cache_read_tokens").as_int64() == 500'000);
    BOOST_TEST(o.at("empty").as_bool() == false);
    BOOST_TEST(o.at("burn").at("tz").as_string() == "UTC");
}

BOOST_AUTO_TEST_CASE(past_days_are_cached_until_a_row_lands_in_them) {
    ReportStore s;
    ReportQueries q(*s.db);
    UsageDayCache cache;
    const auto starts = *local_day_starts(kNow, "UTC", 3);  // the 23rd, 24th and 25th (today)
    const EpochMs end = calendar_at(kNow, "UTC")->next_day_start;
    auto day_cost = [&](int day) {
        double c = 0;
        for (const UsageSlice& u : q.usage_by_day(starts, end, &cache, kNow))
            if (u.day == day) c += u.cost_usd;
        return c;
    };
    BOOST_TEST(day_cost(1) == 3.0);
    BOOST_TEST(cache.misses == 3u);  // two closed days stored, today never
    BOOST_TEST(cache.days.size() == 2u);
    BOOST_TEST(day_cost(1) == 3.0);
    BOOST_TEST(cache.hits == 2u);
    // A late row for the 24th (a backfill): that day is summed again, the 23rd still comes from the cache.
    s.exec("INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, cost_usd, cost_source, dedup_key) "
               "VALUES ('claude', 1, 1, '2026-11-24T12:00:00.000Z', '2026-11-24', 'claude-sonnet-4-5', 10.0, 'rate_card', 'late')");
    BOOST_TEST(day_cost(1) == 13.0);
    BOOST_TEST(cache.hits == 3u);
    // A grown response (update_seq) in the 24th: summed again too.
    s.exec("UPDATE usage_events SET cost_usd = 20.0, update_seq = 1 WHERE dedup_key = 'late'");
    BOOST_TEST(day_cost(1) == 23.0);
    // Past the ttl a day is summed again whatever happened.
    cache.ttl_ms = 0;
    const auto misses = cache.misses;
    BOOST_TEST(day_cost(0) == 0.0);
    BOOST_TEST(cache.misses == misses + 3);
}

BOOST_AUTO_TEST_CASE(overview_breaks_spend_down_by_agent) {
    ReportStore s;
    ReportQueries q(*s.db);
    const json::object o = overview_for(q, "UTC", nullptr);
    BOOST_TEST(o.at("provider").as_string() == "");
    const auto& agents = o.at("agents").as_array();
    BOOST_REQUIRE_EQUAL(agents.size(), 2u);
    BOOST_TEST(agents[0].at("provider").as_string() == "codex");  // costliest first
    BOOST_TEST(num(agents[0].at("cost_usd")) == 4.0);
    BOOST_TEST(agents[0].at("events").as_int64() == 2);
    BOOST_TEST(agents[0].at("unpriced_events").as_int64() == 1);
    BOOST_TEST(agents[0].at("total_tokens").as_int64() == 200 + 20 + 10 + 10 + 500'000);
    BOOST_TEST(num(agents[0].at("share")) == 4.0 / 7.5);
    BOOST_TEST(agents[1].at("provider").as_string() == "claude");
    BOOST_TEST(num(agents[1].at("cost_usd")) == 3.5);
    BOOST_TEST(agents[1].at("events").as_int64() == 3);
    BOOST_TEST(agents[1].at("tokens").at("cache_read").as_int64() == 1'000'000);
}

// Every figure of a filtered overview equals the sums of that agent's rows alone (the store's rows, by
// hand: claude 1.00 + 2.00 + 0.50 over three responses, codex 4.00 + an unpriced one).
BOOST_AUTO_TEST_CASE(overview_restricted_to_one_agent_sums_its_rows_only) {
    ReportStore s;
    ReportQueries q(*s.db);
    const PriceBook prices = test_prices();
    const json::object c = overview_for(q, "UTC", &prices, "claude");
    BOOST_TEST(c.at("provider").as_string() == "claude");
    BOOST_TEST(num(c.at("totals").at("cost_usd")) == 3.5);
    BOOST_TEST(c.at("totals").at("events").as_int64() == 3);
    BOOST_TEST(c.at("totals").at("unpriced_events").as_int64() == 0);
    BOOST_TEST(c.at("totals").at("total_tokens").as_int64() == 150 + 150 + 1'000'000 + 2 + 10);
    const auto& days = c.at("days").as_array();
    BOOST_TEST(num(days[1].at("cost_usd")) == 3.0);
    BOOST_TEST(num(days[2].at("cost_usd")) == 0.5);
    BOOST_TEST(!days[2].at("by_model").as_object().contains("gpt-5"));
    BOOST_TEST(!days[2].at("by_project").as_object().contains("infra"));
    const auto& models = c.at("models").as_array();
    BOOST_REQUIRE_EQUAL(models.size(), 2u);
    for (const auto& m : models) BOOST_TEST(m.at("provider").as_string() == "claude");
    BOOST_TEST(num(models[0].at("share")) == 3.0 / 3.5);
    const auto& projects = c.at("projects").as_array();
    BOOST_REQUIRE_EQUAL(projects.size(), 1u);
    BOOST_TEST(projects[0].at("project").as_string() == "shop");
    BOOST_TEST(num(projects[0].at("share")) == 1.0);
    BOOST_TEST(c.at("token_mix").at("cache_read").as_int64() == 1'000'000);
    BOOST_TEST(c.at("token_mix").at("cache_create_1h").as_int64() == 4);
    BOOST_TEST(num(c.at("cache_savings").at("saved_usd")) == 2.7, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(c.at("cache_savings").at("unpriced_cache_read_tokens").as_int64() == 0);
    BOOST_REQUIRE_EQUAL(c.at("agents").as_array().size(), 1u);
    BOOST_TEST(num(c.at("agents").as_array()[0].at("share")) == 1.0);

    const json::object x = overview_for(q, "UTC", &prices, "codex");
    BOOST_TEST(num(x.at("totals").at("cost_usd")) == 4.0);
    BOOST_TEST(x.at("totals").at("events").as_int64() == 2);
    BOOST_TEST(x.at("totals").at("unpriced_events").as_int64() == 1);
    BOOST_TEST(num(x.at("days").as_array()[1].at("cost_usd")) == 0.0);
    BOOST_TEST(x.at("projects").as_array()[0].at("project").as_string() == "infra");
    BOOST_TEST(num(x.at("cache_savings").at("saved_usd")) == 0.0);
    BOOST_TEST(x.at("cache_savings").at("unpriced_cache_read_tokens").as_int64() == 500'000);

    // An agent with no rows: zeros everywhere, but the store is not empty (the empty state is the store's).
    const json::object g = overview_for(q, "UTC", &prices, "gemini");
    BOOST_TEST(num(g.at("totals").at("cost_usd")) == 0.0);
    BOOST_TEST(g.at("models").as_array().empty());
    BOOST_TEST(g.at("agents").as_array().empty());
    BOOST_TEST(g.at("empty").as_bool() == false);

    // The last 24 h: claude's 2.00 at 23:30 and 0.50 at 11:00, codex's 4.00.
    BOOST_TEST(q.cost_between(kNow - 86'400'000, kNow) == 6.5);
    BOOST_TEST(q.cost_between(kNow - 86'400'000, kNow, "claude") == 2.5);
    BOOST_TEST(q.cost_between(kNow - 86'400'000, kNow, "codex") == 4.0);
    BOOST_TEST(q.cost_between(kNow - 86'400'000, kNow, "qwen") == 0.0);
}

// The day cache holds every agent's sums: a filtered request neither fills it with one agent's nor
// reads another's from it.
BOOST_AUTO_TEST_CASE(the_day_cache_serves_every_agent_filter) {
    ReportStore s;
    ReportQueries q(*s.db);
    UsageDayCache cache;
    const auto starts = *local_day_starts(kNow, "UTC", 3);
    const EpochMs end = calendar_at(kNow, "UTC")->next_day_start;
    auto cost = [&](const std::string& provider) {
        double c = 0;
        for (const UsageSlice& u : q.usage_by_day(starts, end, &cache, kNow, provider)) {
            if (!provider.empty()) BOOST_TEST(u.provider == provider);
            c += u.cost_usd;
        }
        return c;
    };
    BOOST_TEST(cost("codex") == 4.0);  // fills the cache first, through a filter
    BOOST_TEST(cost("claude") == 3.5);
    BOOST_TEST(cost("") == 7.5);
    BOOST_TEST(cost("claude") == 3.5);
    BOOST_TEST(cache.misses == 2u + 4u);  // the two closed days summed once, today in each of 4 requests
    BOOST_TEST(cache.hits == 6u);
}

// The route itself, on rows written just now: the burn block (window, today, month, projection) is the
// agent's too.
// A read-only server never migrates: on a store from before the per-slot and per-session sums (schema 3)
// the Overview and the session list are summed from the rows, with the same answers.
BOOST_AUTO_TEST_CASE(a_store_without_the_sums_gives_the_same_answers) {
    ReportStore s;
    auto answers = [](Database& db) {
        ReportQueries q(db);
        std::vector<std::string> out;
        for (const char* tz : {"UTC", "Asia/Kolkata"})
            out.push_back(json::serialize(overview_for(q, tz, nullptr)));
        for (const char* sort : {"cost", "tokens", "events", "tool_calls", "errors"}) {
            SessionQuery sq;
            sq.sort = sort;
            std::string page = sort;
            for (const SessionSummary& r : q.sessions(sq).rows)
                page += " " + r.session_id + ":" + std::to_string(std::llround(r.cost_usd * 1e6)) + "/" +
                        std::to_string(r.tokens.input + r.tokens.output) + "/" + std::to_string(r.events) + "/" +
                        std::to_string(r.tool_calls) + "/" + std::to_string(r.tool_errors);
            out.push_back(page);
        }
        return out;
    };
    const std::vector<std::string> with_sums = answers(*s.db);
    s.db->exec("DROP TABLE usage_slots; DROP TABLE session_totals; PRAGMA user_version=3");
    const std::vector<std::string> from_rows = answers(*s.db);
    BOOST_TEST(from_rows == with_sums, tt::per_element());
    BOOST_TEST(with_sums.at(2).find("sess-aaaa:") != std::string::npos, with_sums.at(2));
}

BOOST_AUTO_TEST_CASE(overview_route_filters_the_burn_block) {
    ReportStore s;
    const EpochMs now = now_epoch_ms();
    const std::string ts = format_iso8601(now - 2'000);
    s.exec("INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, cost_usd, cost_source, dedup_key) "
               "VALUES ('claude', 1, 1, '" + ts + "', '', 'claude-sonnet-4-5', 1.25, 'rate_card', 'n1'), "
               "('codex', 2, 2, '" + ts + "', '', 'gpt-5', 10.0, 'rate_card', 'n2'), "
               "('qwen', 2, 2, '" + ts + "', '', 'qwen3-coder-plus', 0.5, 'rate_card', 'n3')");
    boost::asio::io_context io;
    Broadcaster broadcaster(boost::asio::make_strand(io), 16);
    Poller poller(PollerOptions{}, broadcaster);
    ServerContext ctx{broadcaster, poller, {}, StaticFiles("/nonexistent"), "", {}, nullptr};
    ReportQueries q(*s.db);
    auto overview = [&](const std::string& target) {
        HttpRequest req;
        req.method = "GET";
        BOOST_REQUIRE(parse_target(target, req.path, req.query));
        auto r = report_route(req, ctx);
        BOOST_REQUIRE(r);
        const HttpResponse res = std::get<QueryRoute>(*r).run(q);
        BOOST_REQUIRE_EQUAL(res.status, 200);
        return json::parse(res.body).as_object();
    };
    const json::object all = overview("/api/overview?tz=UTC");
    const json::object claude = overview("/api/overview?tz=UTC&provider=claude");
    const json::object qwen = overview("/api/overview?tz=UTC&provider=qwen");
    const auto& ab = all.at("burn");
    const auto& cb = claude.at("burn");
    BOOST_TEST(num(ab.at("window_cost_usd")) == 11.75, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(num(cb.at("window_cost_usd")) == 1.25);
    BOOST_TEST(num(cb.at("today_usd")) == 1.25);
    BOOST_TEST(num(qwen.at("burn").at("today_usd")) == 0.5);
    // The store's November rows count towards this month only when "now" is in November 2026.
    const double claude_month = num(cb.at("month_to_date_usd"));
    BOOST_TEST(claude_month >= 1.25);
    BOOST_TEST(num(ab.at("month_to_date_usd")) - claude_month >= 10.5 - 1e-9);
    BOOST_TEST(num(cb.at("projected_month_usd")) <= num(ab.at("projected_month_usd")));
    BOOST_TEST(num(claude.at("totals").at("cost_usd")) >= 1.25);
    for (const auto& m : claude.at("models").as_array()) BOOST_TEST(m.at("provider").as_string() == "claude");
    BOOST_TEST(all.at("agents").as_array().size() >= 3u);
    BOOST_TEST(claude.at("agents").as_array().size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_empty_store_says_so) {
    TempDir dir;
    auto db = open_store_for_writing(dir / "empty.db");
    ReportQueries q(*db);
    BOOST_TEST(!q.has_activity());
    const json::object o = overview_for(q, "UTC", nullptr);
    BOOST_TEST(o.at("empty").as_bool());
    BOOST_TEST(o.at("cache_savings").is_null());
    BOOST_TEST(q.sessions({}).total == 0);
}

BOOST_AUTO_TEST_CASE(session_list_sorts_filters_and_pages_in_sql) {
    ReportStore s;
    ReportQueries q(*s.db);
    SessionQuery by_cost;
    by_cost.sort = "cost";
    SessionPage p = q.sessions(by_cost);
    BOOST_REQUIRE_EQUAL(p.rows.size(), 3u);
    BOOST_TEST(p.total == 3);
    BOOST_TEST(p.rows[0].session_id == "sess-bbbb");
    BOOST_TEST(p.rows[0].cost_usd == 4.0);
    BOOST_TEST(p.rows[0].unpriced_events == 1);
    BOOST_TEST(p.rows[0].tool_calls == 1);
    BOOST_TEST(p.rows[1].session_id == "sess-aaaa");
    BOOST_TEST(p.rows[1].tool_calls == 4);
    BOOST_TEST(p.rows[1].tool_errors == 1);
    BOOST_TEST(*p.rows[1].duration_s == 1800.0);
    BOOST_TEST(p.rows[1].tokens.cache_read == 1'000'000);

    SessionQuery asc = by_cost;
    asc.descending = false;
    BOOST_TEST(q.sessions(asc).rows[0].session_id == "sess-cccc");

    SessionQuery calls;
    calls.sort = "tool_calls";
    BOOST_TEST(q.sessions(calls).rows[0].session_id == "sess-aaaa");

    SessionQuery dur;
    dur.sort = "duration";
    BOOST_TEST(q.sessions(dur).rows[0].session_id == "sess-bbbb");

    SessionQuery shop;
    shop.project = "shop";
    p = q.sessions(shop);
    BOOST_TEST(p.total == 2);
    BOOST_TEST(p.rows[0].session_id == "sess-cccc");  // newest activity first by default

    SessionQuery codex;
    codex.provider = "codex";
    BOOST_TEST(q.sessions(codex).total == 1);
    SessionQuery model;
    model.model = "claude-opus-4-5";
    BOOST_TEST(q.sessions(model).total == 1);
    SessionQuery search;
    search.search = "bbb";
    BOOST_TEST(q.sessions(search).rows.at(0).session_id == "sess-bbbb");
    SessionQuery wild;
    wild.search = "%";  // a literal percent sign, not a wildcard
    BOOST_TEST(q.sessions(wild).total == 0);

    SessionQuery page2;
    page2.limit = 2;
    page2.offset = 2;
    p = q.sessions(page2);
    BOOST_TEST(p.total == 3);
    BOOST_REQUIRE_EQUAL(p.rows.size(), 1u);
    BOOST_TEST(p.rows[0].session_id == "sess-aaaa");

    BOOST_TEST(is_session_sort_key("errors"));
    BOOST_TEST(!is_session_sort_key("cost; DROP TABLE sessions"));
    BOOST_TEST(q.session_projects() == (std::vector<std::string>{"infra", "shop"}));
    BOOST_TEST(q.session_models().size() == 3u);
}

BOOST_AUTO_TEST_CASE(one_session_has_its_calls_in_time_order_and_its_costs) {
    ReportStore s;
    ReportQueries q(*s.db);
    BOOST_TEST(!q.session(99));
    const auto summary = q.session(1);
    BOOST_REQUIRE(summary);
    std::int64_t total = 0;
    auto calls = q.session_tool_calls(1, 3, &total);
    BOOST_TEST(total == 4);
    BOOST_REQUIRE_EQUAL(calls.size(), 3u);
    BOOST_TEST(calls[0].tool_name == "Read");
    BOOST_TEST(*calls[2].latency_ms == 5000);
    BOOST_TEST(calls[2].is_error);
    calls = q.session_tool_calls(1, 100, nullptr);
    BOOST_TEST(!calls[3].has_result);
    const auto costs = q.session_costs(1, 100);
    BOOST_REQUIRE_EQUAL(costs.size(), 2u);

    const json::object d = session_detail_payload(*summary, calls, 4, costs).as_object();
    BOOST_TEST(d.at("tool_calls").as_array().size() == 4u);
    BOOST_TEST(d.at("tool_calls").as_array()[3].at("pending").as_bool());
    BOOST_TEST(d.at("tool_calls_truncated").as_bool() == false);
    const auto& tools = d.at("tools").as_array();
    BOOST_TEST(tools[0].at("tool_name").as_string() == "Read");
    BOOST_TEST(tools[0].at("p50_ms").as_int64() == 100);  // nearest rank of {100, 300}
    BOOST_TEST(tools[0].at("p95_ms").as_int64() == 300);
    const auto& series = d.at("cost_series").as_array();
    BOOST_TEST(num(series[1].at("cumulative_usd")) == 3.0);
}

BOOST_AUTO_TEST_CASE(cost_series_is_thinned_but_keeps_the_total) {
    SessionSummary s;
    std::vector<SessionCostPoint> costs(1000);
    for (std::size_t i = 0; i < costs.size(); ++i) costs[i].cost_usd = 0.01, costs[i].ts = format_iso8601(kNow + static_cast<EpochMs>(i));
    const json::object d = session_detail_payload(s, {}, 0, costs, 100).as_object();
    const auto& series = d.at("cost_series").as_array();
    BOOST_TEST(series.size() <= 101u);
    BOOST_TEST(num(series.back().at("cumulative_usd")) == 10.0, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(d.at("cost_points_total").as_int64() == 1000);
}

BOOST_AUTO_TEST_CASE(config_tells_where_transcripts_are_looked_for) {
    ReportStore s;
    s.db->exec("INSERT INTO transcript_files (path, provider, kind, size) VALUES ('/x/a.jsonl', 'claude', 'session', 100), "
               "('/x/b.jsonl', 'claude', 'subagent', 50)");
    ReportQueries q(*s.db);
    ServeInfo info;
    info.roots = {{find_agent("claude"), s.dir.path()}, {find_agent("codex"), s.dir / "missing"}};
    info.store = s.path.string();
    const json::object c = config_payload(info, q.transcript_files(), q.has_activity()).as_object();
    const auto& roots = c.at("roots").as_array();
    BOOST_TEST(roots[0].at("exists").as_bool());
    BOOST_TEST(roots[0].at("files").as_int64() == 2);
    BOOST_TEST(roots[0].at("bytes").as_int64() == 150);
    BOOST_TEST(roots[0].at("flag").as_string() == "--claude-projects");
    BOOST_TEST(!roots[1].at("exists").as_bool());
    BOOST_TEST(roots[1].at("env").as_string() == "AGENTPULSE_CODEX_SESSIONS");
    BOOST_TEST(c.at("demo").as_bool() == false);
    BOOST_TEST(c.at("has_activity").as_bool());
    // The dashboard's one table of agents: every registered source, in registry order.
    const auto& agents = c.at("agents").as_array();
    BOOST_REQUIRE(agents.size() == agent_sources().size());
    for (std::size_t i = 0; i < agents.size(); ++i) {
        const AgentTraits& t = agent_sources()[i]->traits();
        BOOST_TEST(agents[i].at("name").as_string() == t.name);
        BOOST_TEST(agents[i].at("label").as_string() == t.label);
        BOOST_TEST(agents[i].at("color").as_string() == t.color);
    }
    BOOST_TEST(agents[0].at("label").as_string() == "Claude Code");
}

BOOST_AUTO_TEST_CASE(report_routes_check_their_parameters) {
    boost::asio::io_context io;
    Broadcaster broadcaster(boost::asio::make_strand(io), 16);
    Poller poller(PollerOptions{}, broadcaster);
    ServerContext ctx{broadcaster, poller, {}, StaticFiles("/nonexistent"), "", {}, nullptr};
    auto route_of = [&](const std::string& target) {
        HttpRequest req;
        req.method = "GET";
        BOOST_REQUIRE(parse_target(target, req.path, req.query));
        return report_route(req, ctx);
    };
    auto status = [&](const std::string& target) {
        auto r = route_of(target);
        BOOST_REQUIRE(r);
        const auto* res = std::get_if<HttpResponse>(&*r);
        return res ? res->status : 0;  // 0: handed to the query pool
    };
    BOOST_TEST(!route_of("/api/nothing"));
    BOOST_TEST(status("/api/overview") == 0);
    BOOST_TEST(status("/api/overview?days=0") == 400);
    BOOST_TEST(status("/api/overview?days=abc") == 400);
    BOOST_TEST(status("/api/overview?provider=codex") == 0);
    BOOST_TEST(status("/api/overview?provider=qwen&days=7") == 0);
    BOOST_TEST(status("/api/overview?provider=amp") == 400);
    BOOST_TEST(status("/api/overview?provider=Claude") == 400);  // names are exact
    {
        auto r = route_of("/api/overview?provider=amp");
        const auto& res = std::get<HttpResponse>(*r);
        BOOST_TEST(res.body.find("provider must be one of claude, codex") != std::string::npos);
        for (const AgentSource* a : agent_sources()) BOOST_TEST(res.body.find(std::string(a->name())) != std::string::npos);
    }
    BOOST_TEST(status("/api/sessions?sort=cost&dir=asc&limit=10&offset=20") == 0);
    BOOST_TEST(status("/api/sessions?sort=bogus") == 400);
    BOOST_TEST(status("/api/sessions?dir=sideways") == 400);
    BOOST_TEST(status("/api/sessions?limit=100000") == 400);
    BOOST_TEST(status("/api/sessions?provider=amp") == 400);  // not an agent this build reads
    BOOST_TEST(status("/api/sessions?provider=gemini") == 0);
    BOOST_TEST(status("/api/sessions/17") == 0);
    BOOST_TEST(status("/api/sessions/abc") == 400);
    BOOST_TEST(status("/api/config") == 0);
}

BOOST_AUTO_TEST_CASE(query_pool_runs_jobs_on_its_own_threads) {
    ReportStore s;
    QueryPool pool(s.path, 2, 3);
    pool.start();
    const auto caller = std::this_thread::get_id();
    std::atomic<int> other_thread{0};
    auto job = [&](ReportQueries& q) {
        if (std::this_thread::get_id() != caller) ++other_thread;
        return HttpResponse::json(std::to_string(q.sessions({}).total));
    };
    std::vector<std::future<HttpResponse>> results;
    for (int i = 0; i < 3; ++i) {
        BOOST_REQUIRE(pool.try_enter());
        results.push_back(boost::asio::co_spawn(
            pool.executor(), [&pool, job]() -> boost::asio::awaitable<HttpResponse> { co_return run_query(pool, QueryRoute{job}); },
            boost::asio::use_future));
    }
    for (auto& f : results) BOOST_TEST(f.get().body == "3");
    BOOST_TEST(other_thread == 3);

    // At most 3 may wait: the fourth is refused until one leaves.
    for (int i = 0; i < 3; ++i) BOOST_REQUIRE(pool.try_enter());
    BOOST_TEST(!pool.try_enter());
    auto broken = [](ReportQueries& q) -> HttpResponse {
        q.db().exec("SELECT * FROM no_such_table");
        return HttpResponse::json("{}");
    };
    const HttpResponse failed =
        boost::asio::co_spawn(
            pool.executor(), [&pool, broken]() -> boost::asio::awaitable<HttpResponse> { co_return run_query(pool, QueryRoute{broken}); },
            boost::asio::use_future)
            .get();
    BOOST_TEST(failed.status == 500);
    BOOST_TEST(pool.try_enter());
    pool.stop();
}

BOOST_AUTO_TEST_CASE(query_pool_refuses_a_missing_store) {
    TempDir dir;
    QueryPool pool(dir / "nope.db", 2);
    BOOST_CHECK_THROW(pool.start(), StoreError);
}

BOOST_AUTO_TEST_SUITE_END()
