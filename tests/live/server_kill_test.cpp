// (k) kill -9 of the server under 1,000 subscribers while rows land: the server (`serve --no-watcher`)
// reads a store this test process writes without pause; 1,000 SSE clients (one epoll thread, SseFleet)
// follow it. The server is killed with SIGKILL at a random moment and restarted on the same port while
// rows keep landing; every client reconnects with Last-Event-ID (jittered 50-250 ms retries, as
// EventSource's retry does) and ends with every row exactly once, in order (StreamChecker), no resync.
// The time from the kill until every client is resumed is recorded as a FIGURE.
//
// Under ASan and TSan (kSanitized) the same sequence runs with 100 clients and a commit every 100 ms
// instead of 1,000 and 20 ms: 1,000 clients at about 200 rows/s need 200,000 frames/s from the test's one
// reading thread, which parses every frame's JSON, and instrumented it reads a small fraction of that
// (docs/RELIABILITY.md, "Sanitizers"). Its clients then fall more than 15 s behind and the server drops
// them as stalled: the slow-consumer policy, not what this test checks. What it checks (kill -9 while
// rows land, a restart that rebuilds the ring from the store, every client resumed with Last-Event-ID to
// every row exactly once, no resync) is the same at the smaller load.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <random>
#include <sstream>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "SseFleet.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

BOOST_AUTO_TEST_SUITE(server_kill)

BOOST_AUTO_TEST_CASE(kill_9_under_1000_subscribers_while_rows_land) {
    constexpr int kClients = kSanitized ? 100 : 1000;
    constexpr Millis kWriteEvery{kSanitized ? 100 : 20};
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(100, 1, 50);
    feed.results(60);

    auto server = std::make_unique<LiveServer>(dir.path(), store, std::vector<std::string>{"--no-watcher"}, "kill");
    const unsigned short port = server->port();
    SseFleet fleet(port, kClients);
    fleet.connect_all();
    using C = SseFleet::Client;
    BOOST_REQUIRE_MESSAGE(
        fleet.run_until([&] { return fleet.count([](const C& c) { return c.have_base; }) == kClients; },
                        Millis(30'000)),
        "only " << fleet.count([](const C& c) { return c.have_base; }) << " of " << kClients << " clients connected");
    const double connected_ms = ms_since(fleet.t0());

    // What the server and the reading thread have done so far, for the messages of a failing check.
    std::atomic<int> commits{0};
    auto state = [&] {
        std::ostringstream o;
        o << "at " << ms_since(fleet.t0()) << " ms: " << commits << " commits; server: " << server->metric("agentpulse_subscribers")
          << " subscribers, " << server->metric("agentpulse_polls_total") << " polls (max "
          << server->metric("agentpulse_poll_duration_max_seconds") << " s), "
          << server->metric("agentpulse_rows_published_total") << " rows and "
          << server->metric("agentpulse_frames_published_total") << " frames published, "
          << server->metric("agentpulse_stream_bytes_sent_total") << " bytes sent ("
          << server->metric("agentpulse_stream_async_writes_total") << " async writes), "
          << server->metric("agentpulse_stream_resyncs_total") << " resyncs, "
          << server->metric("agentpulse_stream_stalled_drops_total") << " stalled drops; clients: "
          << fleet.frames() << " frames read, " << fleet.count([](const SseFleet::Client& c) { return c.rows > 0; })
          << " with rows";
        return o.str();
    };

    // The writer: two responses (one with a tool call), a result and now and then a growth every 20 ms
    // (100 ms under sanitizers),
    // from before the kill until after every client has resumed.
    std::atomic<bool> stop_writing{false};
    std::jthread writer([&] {
        int i = 0;
        while (!stop_writing) {
            std::vector<ParsedLine> lines;
            lines.push_back(feed.response(1));
            lines.push_back(feed.response(0));
            if (feed.open_calls() > 1) lines.push_back(feed.result(80 + i % 300));
            if (i % 4 == 0) lines.push_back(feed.growth(feed.responses() - 2));
            feed.commit(std::move(lines));
            ++commits;
            ++i;
            std::this_thread::sleep_for(kWriteEvery);
        }
    });
    RaiseOnExit stop_guard{stop_writing};

    // Rows flow to every client for a random 0.8-1.3 s, then SIGKILL.
    std::mt19937 rng(std::random_device{}());
    const int before_kill_ms = 800 + static_cast<int>(rng() % 500);
    BOOST_TEST(fleet.run_until([&] { return fleet.count([](const C& c) { return c.rows > 0; }) == kClients; },
                               Millis(15'000)),
               "only " << fleet.count([](const C& c) { return c.rows > 0; }) << " clients got rows");
    BOOST_TEST_MESSAGE("before the kill: " << state());
    fleet.run_until([] { return false; }, Millis(before_kill_ms));
    const int commits_at_kill = commits;

    // SIGKILL; the clients see their streams end and retry (refused: nothing listens) while rows keep
    // landing for a random 100-500 ms; then the server is started again on the same port. (From this
    // thread: a child started by another thread would get PR_SET_PDEATHSIG's SIGKILL when that thread ends.)
    const double kill_ms = ms_since(fleet.t0());
    server->process().signal(SIGKILL);
    const auto st = server->process().wait_for(std::chrono::seconds(5));
    BOOST_REQUIRE_MESSAGE(st && !st->exited && st->signal == SIGKILL, "the server did not die by SIGKILL");
    const int down_ms = 100 + static_cast<int>(rng() % 400);
    fleet.run_until([] { return false; }, Millis(down_ms));
    server = std::make_unique<LiveServer>(dir.path(), store,
                                          std::vector<std::string>{"--no-watcher", "--port", std::to_string(port)},
                                          "kill-restarted");
    BOOST_REQUIRE(server->port() == port);
    const double restart_up_ms = ms_since(fleet.t0());

    // Every client resumed: it got a ready frame from the new server.
    auto resumed = [&](const C& c) { return c.readies >= 2 && c.last_ready_ms > kill_ms; };
    const bool all_resumed = fleet.run_until([&] { return fleet.count(resumed) == kClients; }, Millis(40'000));
    std::vector<double> resume_ms, reconnect_ms;  // kill -> ready from the new server; end seen -> that ready
    for (const C& c : fleet.clients()) {
        resume_ms.push_back(c.last_ready_ms - kill_ms);
        reconnect_ms.push_back(c.last_ready_ms - c.last_end_ms);
    }
    std::sort(resume_ms.begin(), resume_ms.end());
    std::sort(reconnect_ms.begin(), reconnect_ms.end());
    // When a client noticed the end of its stream depends on how far behind the reading thread was (it
    // reads 1,000 streams and parses every frame); from then on, reconnecting is the server's business.
    const double end_seen_p50 = [&] {
        std::vector<double> v;
        for (const C& c : fleet.clients()) v.push_back(c.last_end_ms - kill_ms);
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    }();
    const double last_resume_ms = resume_ms.back() + kill_ms;
    const double resume_p50 = resume_ms[resume_ms.size() / 2], resume_p99 = resume_ms[resume_ms.size() * 99 / 100];
    BOOST_TEST(all_resumed, fleet.count(resumed) << " of " << kClients << " resumed");
    BOOST_TEST_MESSAGE("resumed: " << state());
    if (!all_resumed) BOOST_TEST_MESSAGE("restarted server's stderr: " << server->process().err().substr(0, 3000));
    BOOST_REQUIRE_MESSAGE(server->process().running(), "the restarted server died: " << server->process().err().substr(0, 3000));

    // Rows keep landing for a while after the restart, then stop; every client catches up to the head.
    fleet.run_until([] { return false; }, Millis(1000));
    stop_writing = true;
    writer.join();
    const Watermark head = feed.head();
    const bool all_caught_up =
        fleet.run_until([&] { return fleet.count([&](const C& c) { return c.check.caught_up(head); }) == kClients; },
                        Millis(30'000));
    BOOST_TEST(all_caught_up,
               fleet.count([&](const C& c) { return c.check.caught_up(head); }) << " of " << kClients << " caught up");
    BOOST_TEST_MESSAGE("caught up: " << state());

    // Every row exactly once, in order, for every client; nobody was told to resync.
    int bad = 0, resynced = 0, reconnects = 0, refused = 0;
    for (std::size_t i = 0; i < fleet.clients().size(); ++i) {
        C& c = fleet.clients()[i];
        c.check.expect_exactly(head, "client " + std::to_string(i));
        if (!c.check.resyncs.empty()) ++resynced;
        reconnects += c.connects - 1;
        refused += c.refused;
        if (!c.check.errors.empty() && ++bad <= 5)
            for (const auto& e : c.check.errors) BOOST_TEST_ERROR("client " << i << ": " << e);
    }
    BOOST_TEST(bad == 0, bad << " clients with gaps, duplicates or disorder");
    BOOST_TEST(resynced == 0, resynced << " clients were told to resync");
    BOOST_TEST(reconnects >= kClients);
    const Watermark base = fleet.clients().front().check.base();
    BOOST_TEST(head.usage - base.usage > (kSanitized ? 40 : 100));
    BOOST_TEST(commits - commits_at_kill > 10);  // rows landed after the kill
    BOOST_TEST_REQUIRE(eventually([&] { return server->subscribers() == kClients; }, std::chrono::seconds(10)));

    LIVE_FIGURE("kill -9 under " << kClients << " subscribers (connected in " << connected_ms
                                 << " ms): server down " << down_ms << " ms + restart, up again "
                                 << restart_up_ms - kill_ms << " ms after the kill; all " << kClients
                                 << " clients resumed with Last-Event-ID " << last_resume_ms - kill_ms
                                 << "  ms after the kill (p50 " << resume_p50 << " ms, p99 " << resume_p99 << " ms; the reading thread saw the "
                                 << "streams end " << end_seen_p50 << " ms after the kill (p50), and from there each "
                                 << "client was back in " << reconnect_ms[reconnect_ms.size() / 2] << " ms (p50), "
                                 << reconnect_ms[reconnect_ms.size() * 99 / 100] << " ms (p99), "
                                 << reconnect_ms.back() << " ms (max); " << refused << " refused attempts meanwhile); "
                                 << head.usage - base.usage << " events, " << head.tool_call - base.tool_call
                                 << " tool calls, " << head.result - base.result << " results per client, "
                                 << fleet.frames() << " frames in all, none lost or repeated");
}

BOOST_AUTO_TEST_SUITE_END()
