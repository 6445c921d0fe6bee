// (e) Slow consumers: one client stops reading (a small receive window) while rows keep landing; the
// other clients still get every row promptly; the stalled one is dropped within its bound (a write
// pending 15 s, checked by a 1 s sweep), seen on /metrics; the server's RSS does not grow with the
// backlog (no per-client queue: within 3 MiB of a warmed-up baseline). A client that only pauses
// reading falls behind the ring and is told `resync` (fell_behind), then goes on in order.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <mutex>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

BOOST_AUTO_TEST_SUITE(slow_consumer)

BOOST_AUTO_TEST_CASE(stalled_client_is_dropped_and_others_keep_up) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(100, 0, 100);
    LiveServer server(dir.path(), store, {"--no-watcher"});

    constexpr int kFast = 3;
    std::vector<std::unique_ptr<SseClient>> fast;
    std::vector<StreamChecker> checks(kFast);
    std::vector<std::mutex> check_locks(kFast);  // a reader thread feeds each checker while this one polls it
    auto caught_up = [&](int i, const Watermark& w) {
        std::lock_guard lock(check_locks[i]);
        return checks[i].caught_up(w);
    };
    const auto t0 = Clock::now();
    for (int i = 0; i < kFast; ++i) {
        fast.push_back(std::make_unique<SseClient>(server.port()));
        auto ready = fast.back()->next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        checks[i].set_base(ready_watermark(*ready));
        checks[i].t0 = t0;
    }
    std::atomic<bool> stop{false};
    std::vector<std::string> errors(kFast);
    std::vector<std::jthread> readers;
    for (int i = 0; i < kFast; ++i)
        readers.emplace_back([&, i] {
            try {
                while (!stop) {
                    if (auto e = fast[i]->next(Millis(50))) {
                        std::lock_guard lock(check_locks[i]);
                        checks[i].feed(*e);
                    }
                    else if (fast[i]->eof())
                        throw std::runtime_error("fast client's stream ended");
                }
            } catch (const std::exception& e) {
                errors[i] = e.what();
            }
        });

    RaiseOnExit guard{stop};
    // Warm the live path up first (the ring turns over, the allocator and SQLite's page cache settle), so
    // the RSS baseline is the steady state of a busy server with a full ring: ~8 MiB above a fresh one.
    // The fast clients' commit->client lag in this phase, with no slow client around, is the baseline
    // their lag while a client stalls is compared with.
    std::map<std::int64_t, double> baseline_committed_ms;
    for (int i = 0; i < 60; ++i) {
        feed.responses(200, 0, 200);
        if (i >= 20) baseline_committed_ms[feed.head().usage] = ms_since(t0);  // after the first turnovers
        std::this_thread::sleep_for(Millis(20));
    }
    const Watermark warm = feed.head();
    for (int i = 0; i < kFast; ++i) {
        const auto until = Clock::now() + std::chrono::seconds(10);
        while (!caught_up(i, warm) && Clock::now() < until) std::this_thread::sleep_for(Millis(10));
    }

    // The stalled client: a 4 KB receive window, and it never reads after the response head.
    SseClient stalled(server.port(), {.rcvbuf = 4096});
    BOOST_REQUIRE(stalled.status() == 200);
    const auto stalled_since = Clock::now();
    // The pausing client: reads nothing for a while, then reads everything.
    SseClient pausing(server.port(), {.rcvbuf = 4096});
    auto pready = pausing.next_of("ready", Millis(3000));
    BOOST_REQUIRE(pready);
    StreamChecker pcheck;
    pcheck.set_base(ready_watermark(*pready));
    BOOST_TEST_REQUIRE(
        eventually([&] { return server.subscribers() == kFast + 2; }, std::chrono::seconds(3)));
    std::this_thread::sleep_for(Millis(300));
    const long rss_before = server.rss_kb();

    // The pausing client reads nothing until 12,000 more rows have landed (more than the ring's 10,000
    // frames) or 12 s passed (its write must stay pending for less than the 15 s stall bound), then reads on.
    std::string pause_error;
    std::atomic<std::int64_t> rows_landed{0};
    readers.emplace_back([&] {
        const auto pause_until = Clock::now() + Millis(12'000);
        while (rows_landed < 12'000 && Clock::now() < pause_until) std::this_thread::sleep_for(Millis(20));
        try {
            while (!stop)
                if (auto e = pausing.next(Millis(50))) pcheck.feed(*e);
        } catch (const std::exception& e) {
            pause_error = e.what();
        }
    });

    // Rows keep landing for ~17 s: bursts of 200 responses every 100 ms (~30,000 rows, three rings' worth).
    // Under sanitizers (kSanitized) each round of this loop took 380-630 ms on a loaded 2-core machine, so
    // fewer than the ring's 10,000 rows landed while the pausing client paused and it was never overtaken:
    // bursts of 1,000 there, up to 14,000 rows (what the instrumented fast clients are known to keep up with).
    constexpr int kBurst = kSanitized ? 1000 : 200;
    std::map<std::int64_t, double> committed_ms;
    const auto write_until = Clock::now() + std::chrono::milliseconds(17'000);
    bool dropped = false;
    double dropped_at = 0;
    long rss_peak = rss_before;
    while (Clock::now() < write_until) {
        if (!kSanitized || rows_landed < 14'000) {
            feed.responses(kBurst, 0, kBurst);
            rows_landed += kBurst;
            committed_ms[feed.head().usage] = ms_since(t0);
        }
        std::this_thread::sleep_for(Millis(100));
        rss_peak = std::max(rss_peak, server.rss_kb());
        if (!dropped && server.metric("agentpulse_stream_stalled_drops_total") >= 1.0) {
            dropped = true;
            dropped_at = ms_since(stalled_since);
        }
    }
    const Watermark head = feed.head();
    for (int i = 0; i < kFast; ++i) {
        const auto until = Clock::now() + std::chrono::seconds(10);
        while (!caught_up(i, head) && Clock::now() < until) std::this_thread::sleep_for(Millis(10));
    }
    stop = true;
    for (auto& t : readers) t.join();
    if (!dropped) {
        dropped = eventually([&] { return server.metric("agentpulse_stream_stalled_drops_total") >= 1.0; },
                             std::chrono::seconds(5));
        dropped_at = ms_since(stalled_since);
    }

    // The fast clients got every row, in order, promptly.
    std::vector<double> lag;
    for (int i = 0; i < kFast; ++i) {
        BOOST_TEST_CONTEXT("fast client " << i) {
            BOOST_TEST(errors[i].empty(), errors[i]);
            checks[i].expect_exactly(head, "fast " + std::to_string(i));
            BOOST_TEST(checks[i].resyncs.empty());
            for (const auto& e : checks[i].errors) BOOST_TEST_ERROR(e);
            for (const auto& [id, at] : committed_ms)
                if (auto it = checks[i].arrival_ms.find(id); it != checks[i].arrival_ms.end())
                    lag.push_back(it->second - at);
        }
    }
    const double worst = lag.empty() ? 0 : *std::max_element(lag.begin(), lag.end());
    // The lag bounds are for the release build (the same CI run checks them there): under sanitizers the
    // bursts differ and the lag says how slow the instrumented processes are, not whether one stalled
    // client holds the others up. Every other check holds there too.
    if (!kSanitized) BOOST_TEST(worst < 1500.0);
    // ... and no worse than without a slow client (generous for a loaded 2-core machine, tight against a
    // stalled client that holds the others up).
    std::vector<double> base_lag;
    for (int i = 0; i < kFast; ++i)
        for (const auto& [id, at] : baseline_committed_ms)
            if (auto it = checks[i].arrival_ms.find(id); it != checks[i].arrival_ms.end())
                base_lag.push_back(it->second - at);
    auto p95 = [](std::vector<double> v) {
        if (v.empty()) return 0.0;
        std::sort(v.begin(), v.end());
        return v[std::min(v.size() - 1, v.size() * 95 / 100)];
    };
    const double base_p95 = p95(base_lag), stalled_p95 = p95(lag);
    BOOST_TEST(base_lag.size() >= 3u * 30u);
    if (!kSanitized)
        BOOST_TEST(stalled_p95 <= std::max(3 * base_p95, base_p95 + 250.0),
               "fast clients' p95 lag " << base_p95 << " ms without a stalled client, " << stalled_p95 << " ms with one");
    // The stalled client was dropped within its bound (15 s pending + the 1 s sweep, + scheduling slack).
    BOOST_TEST(dropped);
    BOOST_TEST(dropped_at < (kSanitized ? 22'000.0 : 18'000.0));
    BOOST_TEST(server.metric("agentpulse_stream_stalled_drops_total") == 1.0);
    // It sees the end of its stream once it reads (after whatever was in its buffers).
    BOOST_TEST(stalled.wait_closed(Millis(5000)));
    // No per-client backlog: ~34,000 rows later the server holds no more than the ring and buffers did.
    const long rss_after = server.rss_kb();
    if (kRssIsMeaningful)
        BOOST_TEST(rss_peak - rss_before < 3 * 1024, "RSS grew " << rss_peak - rss_before << " KiB");
    LIVE_FIGURE("slow consumer: " << head.usage << " rows, fast clients' commit->client lag p95 " << base_p95
                                  << " ms before the stall, " << stalled_p95 << " ms during it (worst " << worst
                                  << " ms); stalled client dropped " << dropped_at
                                  << " ms after it connected; RSS before " << rss_before << " KiB, peak "
                                  << rss_peak << " KiB, after " << rss_after << " KiB");

    // The pausing client was overtaken by the ring while it did not read: it was told to resync, then
    // followed in order.
    BOOST_TEST(pause_error.empty(), pause_error);
    feed.responses(5, 0, 5);
    const Watermark final_head = feed.head();
    BOOST_TEST(pcheck.drain(pausing, final_head, Millis(10000)));
    BOOST_REQUIRE(!pcheck.resyncs.empty());
    BOOST_TEST(pcheck.resyncs.front().at("reason").as_string() == "fell_behind");
    for (const auto& e : pcheck.errors) BOOST_TEST_ERROR("pausing: " << e);
    BOOST_TEST(pcheck.events.back() == final_head.usage);
    BOOST_TEST(server.metric("agentpulse_stream_resyncs_total") >= 1.0);
}

BOOST_AUTO_TEST_SUITE_END()
