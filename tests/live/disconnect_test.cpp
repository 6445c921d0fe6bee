// (c) Disconnect cleanup: 500 stream clients connect and vanish, half with a clean close (FIN), half
// with a reset (SO_LINGER 0), several rounds. /healthz's subscriber count returns to 0 within a bounded
// wait every round, and the server's RSS after later rounds stays near its RSS after the first round
// (tolerance: 3 MiB), so sessions are freed, not leaked.
#include <boost/test/unit_test.hpp>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

// Opens `n` streams (each has read its response head) and returns them.
std::vector<std::unique_ptr<SseClient>> open_streams(unsigned short port, int n) {
    std::vector<std::unique_ptr<SseClient>> out;
    out.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        out.push_back(std::make_unique<SseClient>(port, SseClient::Options(), Millis(5000)));
    return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(disconnect)

BOOST_AUTO_TEST_CASE(five_hundred_clients_vanish_and_are_freed) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(200, 1, 50);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const long boot_kb = server.rss_kb();
    constexpr int kClients = 500;
    constexpr long kToleranceKb = 3 * 1024;

    long after_first_kb = 0, peak_kb = 0;
    std::vector<long> after_round;
    for (int round = 0; round < 4; ++round) {
        auto t0 = Clock::now();
        auto clients = open_streams(server.port(), kClients);
        const double open_ms = ms_since(t0);
        // Every stream is live: one poll's rows reach them all.
        BOOST_TEST_REQUIRE(
            eventually([&] { return server.subscribers() == kClients; }, std::chrono::seconds(5)));
        feed.responses(5, 0, 5);
        int got = 0;
        for (auto& c : clients)
            if (c->next_of("event", Millis(3000))) ++got;
        BOOST_TEST(got == kClients);
        peak_kb = std::max(peak_kb, server.rss_kb());
        // Streams are subscribers, not HTTP connections: the only connection is this /metrics request.
        BOOST_TEST(server.metric("agentpulse_subscribers") == kClients);
        BOOST_TEST(server.metric("agentpulse_http_connections") == 1.0);

        t0 = Clock::now();
        for (int i = 0; i < kClients; ++i) {
            if (i % 2)
                clients[static_cast<std::size_t>(i)]->socket().reset();
            else
                clients[static_cast<std::size_t>(i)]->socket().close();
        }
        clients.clear();
        const bool zero = eventually([&] { return server.subscribers() == 0; }, std::chrono::seconds(5));
        const double gone_ms = ms_since(t0);
        BOOST_TEST_REQUIRE(zero, "round " << round << ": subscribers still " << server.subscribers());
        BOOST_TEST(server.metric("agentpulse_http_connections") <= 1.0);  // only the /metrics request itself
        // Let the allocator settle (the last sessions are freed on the io thread just after the count drops).
        std::this_thread::sleep_for(Millis(200));
        const long rss = server.rss_kb();
        after_round.push_back(rss);
        if (round == 0) after_first_kb = rss;
        LIVE_FIGURE("disconnect round " << round << ": " << kClients << " streams opened in " << open_ms
                                        << " ms, all gone (250 FIN + 250 RST) in " << gone_ms << " ms; RSS "
                                        << rss << " KiB");
    }
    for (std::size_t r = 1; r < after_round.size() && kRssIsMeaningful; ++r)
        BOOST_TEST(after_round[r] <= after_first_kb + kToleranceKb, "round " << r << " RSS " << after_round[r]
                                                                             << " KiB vs " << after_first_kb
                                                                             << " KiB after round 0");
    LIVE_FIGURE("RSS at boot " << boot_kb << " KiB, with 500 streams (peak) " << peak_kb
                               << " KiB, after rounds " << after_round[0] << "/" << after_round[1] << "/"
                               << after_round[2] << "/" << after_round[3] << " KiB");
    BOOST_TEST(server.metric("agentpulse_streams_opened_total") == 4.0 * kClients);
}

BOOST_AUTO_TEST_CASE(idle_stream_notices_a_reset_without_a_write) {
    // A pending read sees EOF/RST at once: the count drops although nothing is written to the client.
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    auto c = std::make_unique<SseClient>(server.port());
    BOOST_REQUIRE(c->next_of("ready", Millis(3000)));
    BOOST_TEST_REQUIRE(eventually([&] { return server.subscribers() == 1; }, std::chrono::seconds(3)));
    const auto t0 = Clock::now();
    c->socket().reset();
    BOOST_TEST(eventually([&] { return server.subscribers() == 0; }, std::chrono::seconds(2)));
    LIVE_FIGURE("idle stream reset -> unsubscribed in " << ms_since(t0) << " ms (includes /healthz polling)");
}

BOOST_AUTO_TEST_SUITE_END()
