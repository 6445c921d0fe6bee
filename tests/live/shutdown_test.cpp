// (g) SIGTERM and SIGINT while rows land: every reading stream client sees a clean end of stream (FIN,
// not a reset, and no cut frame), idle keep-alive and half-sent requests are closed too, a client that
// stopped reading does not hold the exit up, and the process exits 0 within 2 s (embedded watcher on).
// Also: no hang when the signal lands among requests answered on the poller thread.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

void shutdown_with(int sig) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(50, 1, 50);
    LiveServer server(dir.path(), store, {});  // embedded watcher
    BOOST_REQUIRE(eventually([&] { return server.healthz().at("watcher").as_string() == "running"; },
                             std::chrono::seconds(5)));

    // 20 clients reading as browsers do (half HTTP/1.0), each on its own thread, until the stream ends.
    constexpr int kStreams = 20;
    std::vector<std::unique_ptr<SseClient>> streams;
    for (int i = 0; i < kStreams; ++i) {
        streams.push_back(
            std::make_unique<SseClient>(server.port(), SseClient::Options{.http_minor = i % 2}));
        BOOST_REQUIRE(streams.back()->next_of("ready", Millis(3000)));
    }
    std::vector<int> frames(kStreams, 0);
    std::vector<double> eof_ms(kStreams, -1);
    Clock::time_point signalled{};
    std::atomic<bool> sent{false};
    std::atomic<bool> abandon{false};
    std::vector<std::jthread> readers;
    for (int i = 0; i < kStreams; ++i)
        readers.emplace_back([&, i] {
            const auto until = Clock::now() + std::chrono::seconds(20);
            while (Clock::now() < until && !streams[i]->eof() && !abandon)
                if (streams[i]->next(Millis(100))) ++frames[i];
            if (streams[i]->eof() && sent) eof_ms[i] = ms_since(signalled);
        });
    // A client that stopped reading, an idle keep-alive connection, a request cut in its headers.
    SseClient stalled(server.port(), {.rcvbuf = 4096});
    LoopbackSocket idle(server.port());
    idle.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    std::string idle_in;
    BOOST_REQUIRE(idle.recv_some(idle_in, Millis(2000)) > 0);
    LoopbackSocket half(server.port());
    half.send_all("GET /api/live/stats HTTP/1.1\r\nHost: x\r\nX-Half: ");
    // Rows keep landing while the signal arrives, so writes are in flight.
    std::atomic<bool> stop_writing{false};
    std::jthread writer([&] {
        for (int i = 0; i < 400 && !stop_writing && !abandon; ++i) {
            feed.responses(50, 0, 50);
            std::this_thread::sleep_for(Millis(5));
        }
    });
    RaiseOnExit guard{abandon};
    std::this_thread::sleep_for(Millis(500));

    signalled = Clock::now();
    sent = true;
    server.process().signal(sig);
    const auto st = server.process().wait_for(std::chrono::seconds(2));
    const double exit_ms = ms_since(signalled);
    stop_writing = true;
    writer.join();
    for (auto& t : readers) t.join();
    BOOST_REQUIRE_MESSAGE(st, "serve still running 2 s after signal " << sig);
    BOOST_TEST(st->exited);
    BOOST_TEST(st->code == 0);
    BOOST_TEST(exit_ms < 2000.0);
    double last_eof = 0;
    for (int i = 0; i < kStreams; ++i) {
        BOOST_TEST_CONTEXT("stream " << i) {
            BOOST_TEST(streams[i]->eof());
            BOOST_TEST(eof_ms[i] >= 0);
            BOOST_TEST(frames[i] > 0);
            // A clean end: the stream stops between two frames, not inside one.
            BOOST_TEST(streams[i]->pending().empty(), "cut frame: " << streams[i]->pending().substr(0, 120));
            last_eof = std::max(last_eof, eof_ms[i]);
        }
    }
    std::string rest;
    ssize_t n;
    while ((n = idle.recv_some(rest, Millis(3000))) > 0) {
    }
    BOOST_TEST(n == 0, "idle keep-alive connection not closed cleanly");
    while ((n = half.recv_some(rest, Millis(3000))) > 0) {
    }
    BOOST_TEST(n == 0, "half-sent request's connection not closed");
    BOOST_TEST(stalled.wait_closed(Millis(3000)));
    LIVE_FIGURE("signal " << sig << " with rows landing: " << kStreams << " reading streams saw EOF within "
                          << last_eof << " ms; process exited (code " << st->code << ") " << exit_ms
                          << " ms after the signal");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(graceful_shutdown)

BOOST_AUTO_TEST_CASE(sigterm_ends_every_stream_and_exits_within_2s) {
    shutdown_with(SIGTERM);
}
BOOST_AUTO_TEST_CASE(sigint_too) {
    shutdown_with(SIGINT);
}

BOOST_AUTO_TEST_CASE(sigterm_while_snapshots_are_being_served) {
    // Requests answered on the poller thread (stats, metrics) arriving as the server stops must not keep
    // it alive: each attempt signals a server under a stream of such requests.
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(200, 2, 100);
    feed.results(300);
    double worst = 0;
    for (int attempt = 0; attempt < 6; ++attempt) {
        LiveServer server(dir.path(), store, {"--no-watcher"});
        std::atomic<bool> stop{false};
        std::vector<std::jthread> load;
        for (int t = 0; t < 6; ++t)
            load.emplace_back([&, t] {
                const std::string req =
                    t % 2 ? "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
                          : "GET /api/live/stats?tz=Europe/Berlin HTTP/1.1\r\nHost: x\r\n\r\n";
                while (!stop) {
                    try {
                        // Pipelined on one connection, so requests are read while others are answered.
                        LoopbackSocket s(server.port());
                        s.send_all(req + req + req + req);
                        std::string in;
                        while (!stop && s.recv_some(in, Millis(200)) > 0) {
                        }
                    } catch (const std::exception&) {
                        std::this_thread::sleep_for(Millis(2));  // refused once the server is gone
                    }
                }
            });
        RaiseOnExit guard{stop};
        std::this_thread::sleep_for(Millis(150 + 37 * attempt));
        const auto t0 = Clock::now();
        server.process().signal(SIGTERM);
        const auto st = server.process().wait_for(std::chrono::seconds(3));
        const double took = ms_since(t0);
        stop = true;
        for (auto& t : load) t.join();
        BOOST_REQUIRE_MESSAGE(
            st, "attempt " << attempt << ": serve did not exit within 3 s of SIGTERM under load");
        BOOST_TEST(st->code == 0);
        BOOST_TEST(took < 2000.0);
        worst = std::max(worst, took);
    }
    LIVE_FIGURE("SIGTERM under a stream of /api/live/stats and /metrics requests: worst exit "
                << worst << " ms (6 runs)");
}

BOOST_AUTO_TEST_SUITE_END()
