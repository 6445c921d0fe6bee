// (b) The burn ticker over a real stream: the first burn_tick arrives at once on connect (for a zone
// nobody watched yet, and for one already ticking), then every ~5 s; ?tz= is honoured (offset, day,
// month) and an unknown zone falls back to UTC with tz_error; the tick's money agrees with the store and
// the snapshot, and the budget block follows --budget.
#include <boost/test/unit_test.hpp>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"
#include "core/ZonedCalendar.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

BOOST_AUTO_TEST_SUITE(burn_tick)

BOOST_AUTO_TEST_CASE(first_tick_at_once_then_every_five_seconds) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(30, 1, 30);  // spend inside the 5-minute window, and a tool call each
    for (int i = 0; i < 30; ++i) feed.commit({feed.result(i < 15 ? 200 : 4000, i == 0)});
    const double spent = query_double(feed.db(), "SELECT sum(cost_usd) FROM usage_events");
    BOOST_REQUIRE(spent > 0);
    LiveServer server(dir.path(), store, {"--no-watcher", "--budget", "1000"});

    // A zone nobody is subscribed to yet: its first tick is computed on demand.
    auto t0 = Clock::now();
    SseClient a(server.port(), {.target = "/api/live/stream?tz=Asia%2FKolkata"});
    auto tick = a.next_of("burn_tick", Millis(3000));
    const double first_fresh = ms_since(t0);
    BOOST_REQUIRE(tick);
    BOOST_TEST(first_fresh < 1000.0);
    auto p = payload_of(*tick);
    BOOST_TEST(p.at("tz").as_string() == "Asia/Kolkata");
    BOOST_TEST(int_of(p.at("utc_offset_minutes")) == 330);
    const auto cal = calendar_at(now_epoch_ms(), "Asia/Kolkata");
    BOOST_TEST(p.at("local_date").as_string() == cal->local_date);
    BOOST_TEST(p.at("day_start").as_string() == format_iso8601(cal->day_start));
    BOOST_TEST(p.at("month_start").as_string() == format_iso8601(cal->month_start));
    BOOST_TEST(p.at("window_cost_usd").to_number<double>() == spent, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(p.at("usd_per_min").to_number<double>() == spent / 5, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(p.at("today_usd").to_number<double>() == spent, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(p.at("month_to_date_usd").to_number<double>() == spent, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(p.at("projected_month_usd").to_number<double>() >= spent);
    BOOST_TEST(p.at("budget").at("status").as_string() == "ok");
    BOOST_TEST(p.at("budget").at("budget_usd").to_number<double>() == 1000.0);
    BOOST_TEST(p.at("interval_s").to_number<double>() == 5.0);
    // The ready frame came first, and sessions in flight come with the first tick.
    BOOST_REQUIRE(!a.skipped().empty());
    BOOST_TEST(a.skipped().front().event == "ready");
    BOOST_TEST(a.retry_ms().value_or(0) == 1000);
    std::optional<SseEvent> sessions;
    for (const SseEvent& e : a.skipped())
        if (e.event == "sessions") sessions = e;
    if (!sessions) sessions = a.next_of("sessions", Millis(6000));
    BOOST_REQUIRE(sessions);
    BOOST_TEST(payload_of(*sessions).at("sessions").as_array().size() == 3u);

    // A second client in the same zone gets the current tick in its preamble.
    t0 = Clock::now();
    SseClient b(server.port(), {.target = "/api/live/stream?tz=Asia/Kolkata"});
    auto tick_b = b.next_of("burn_tick", Millis(3000));
    const double first_cached = ms_since(t0);
    BOOST_REQUIRE(tick_b);
    BOOST_TEST(first_cached < 1000.0);

    // Then one tick every ~5 s.
    auto t1 = Clock::now();
    auto second = a.next_of("burn_tick", Millis(7000));
    BOOST_REQUIRE(second);
    auto t2 = Clock::now();
    auto third = a.next_of("burn_tick", Millis(7000));
    BOOST_REQUIRE(third);
    const double gap = ms_since(t2);
    BOOST_TEST(gap > 4000.0);
    BOOST_TEST(gap < 6500.0);
    BOOST_TEST(payload_of(*third).at("as_of").as_string() > payload_of(*second).at("as_of").as_string());
    LIVE_FIGURE("first burn_tick after connect: new zone "
                << first_fresh << " ms, zone already ticking " << first_cached << " ms; tick gap " << gap
                << " ms (waited " << ms_since(t1) << " ms for two)");

    // The snapshot's burn block agrees with the stream's.
    const auto stats = server.stats("?tz=Asia/Kolkata");
    BOOST_TEST(stats.at("burn").at("today_usd").to_number<double>() == spent,
               boost::test_tools::tolerance(1e-9));
    BOOST_TEST(stats.at("tz").as_string() == "Asia/Kolkata");
    BOOST_TEST(stats.at("window").at("events").to_number<std::int64_t>() == 30);
    BOOST_TEST(stats.at("window").at("tool_calls").to_number<std::int64_t>() == 30);
    BOOST_TEST(stats.at("window").at("tool_errors").to_number<std::int64_t>() == 1);
    // Tool latency from the results: half at 200 ms, half at 4 s (nearest rank: P50 is the 15th of 30).
    const auto& tools = stats.at("tool_latency").as_array();
    BOOST_REQUIRE(tools.size() == 1u);
    const auto& bash = tools[0].as_object();
    BOOST_TEST(bash.at("tool_name").as_string() == "Bash");
    BOOST_TEST(bash.at("samples").to_number<std::int64_t>() == 30);
    BOOST_TEST(bash.at("errors").to_number<std::int64_t>() == 1);
    BOOST_TEST(std::abs(bash.at("p50_ms").to_number<double>() - 200.0) <= 200 * 0.032);
    BOOST_TEST(std::abs(bash.at("p95_ms").to_number<double>() - 4000.0) <= 4000 * 0.032);
    BOOST_TEST(bash.at("max_ms").to_number<std::int64_t>() == 4000);
    BOOST_TEST(bash.at("series").as_array().size() == 60u);
    const HttpResult m = http_request(server.port(), "/metrics");
    BOOST_TEST(m.body.find("agentpulse_tool_latency_ms_bucket{tool=\"Bash\",le=\"250\"} 15") !=
               std::string::npos);
    BOOST_TEST(m.body.find("agentpulse_tool_latency_ms_count{tool=\"Bash\"} 30") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(zones_are_honoured_and_unknown_zones_reported) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    LiveServer server(dir.path(), store, {"--no-watcher"});

    for (const char* tz : {"America/New_York", "Australia/Lord_Howe", "Europe/Berlin", "UTC"}) {
        SseClient c(server.port(), {.target = std::string("/api/live/stream?tz=") + tz});
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        BOOST_TEST(payload_of(*ready).at("tz").as_string() == tz);
        BOOST_TEST(!payload_of(*ready).contains("tz_error"));
        auto tick = c.next_of("burn_tick", Millis(2000));
        BOOST_REQUIRE(tick);
        const auto p = payload_of(*tick);
        BOOST_TEST(p.at("tz").as_string() == tz);
        const auto cal = calendar_at(now_epoch_ms(), tz);
        BOOST_TEST(int_of(p.at("utc_offset_minutes")) == cal->utc_offset_minutes, tz);
        BOOST_TEST(p.at("budget").is_null());  // no --budget
    }

    SseClient bad(server.port(), {.target = "/api/live/stream?tz=Mars%2FOlympus"});
    BOOST_TEST(bad.status() == 200);  // an EventSource must not give up over a zone name
    auto ready = bad.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    const auto rp = payload_of(*ready);
    BOOST_TEST(rp.at("tz").as_string() == "UTC");
    BOOST_TEST(rp.at("tz_error").as_string().find("Mars/Olympus") != std::string::npos);
    auto tick = bad.next_of("burn_tick", Millis(2000));
    BOOST_REQUIRE(tick);
    BOOST_TEST(payload_of(*tick).at("tz").as_string() == "UTC");

    const auto stats = server.stats("?tz=Nowhere%2FLand");
    BOOST_TEST(stats.at("tz").as_string() == "UTC");
    BOOST_TEST(stats.contains("tz_error"));
}

BOOST_AUTO_TEST_SUITE_END()
