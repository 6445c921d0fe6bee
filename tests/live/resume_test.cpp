// (d) Resume: a client that disconnected while 1,000 rows landed reconnects with Last-Event-ID (or a
// first connection with ?since=) and receives exactly the rows it missed, in order; the same after a
// server restart (the replay ring is rebuilt from the store), including rows whose times disagree with
// their keys; a Last-Event-ID older than the replay window, or ahead of the server, gets `resync`;
// garbage is ignored.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <random>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

struct Resumed {
    boost::json::object ready;
    StreamChecker check;
    bool caught_up = false;
    double ms = 0;  // connect -> caught up
};

// Connects (with Last-Event-ID `last_id`, or to `target`), reads until it has everything up to `head`.
Resumed reconnect(unsigned short port, const std::string& last_id, const Watermark& base,
                  const Watermark& head, const std::string& target = "/api/live/stream") {
    Resumed r;
    r.check.set_base(base);
    const auto t0 = Clock::now();
    SseClient c(port, {.target = target, .last_event_id = last_id});
    BOOST_REQUIRE(c.status() == 200);
    auto ready = c.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    r.ready = payload_of(*ready);
    r.caught_up = r.check.drain(c, head, Millis(15000));
    r.ms = ms_since(t0);
    return r;
}

// Reads a fresh client up to the head; returns its last id.
Watermark follow_to(unsigned short port, const Watermark& head) {
    SseClient c(port);
    auto ready = c.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    StreamChecker check;
    check.set_base(ready_watermark(*ready));
    BOOST_REQUIRE(check.drain(c, head, Millis(10000)));
    BOOST_TEST(check.errors.empty());
    return check.last_id();
}

void expect_clean(Resumed& r, const Watermark& head, const std::string& who) {
    BOOST_TEST(r.caught_up, who);
    BOOST_TEST(r.check.resyncs.empty(), who);
    r.check.expect_exactly(head, who);
    for (const auto& e : r.check.errors) BOOST_TEST_ERROR(who << ": " << e);
}

// 1,000 responses (every other with a tool call), results and growths, in commits of 50.
void thousand_rows(RowFeeder& feed) {
    for (int c = 0; c < 20; ++c) {
        std::vector<ParsedLine> lines;
        for (int i = 0; i < 50; ++i) {
            lines.push_back(feed.response(i % 2));
            if (i % 3 == 0 && feed.open_calls() > 1) lines.push_back(feed.result(120));
            if (i % 10 == 0) lines.push_back(feed.growth(feed.responses() - 3));
        }
        feed.commit(std::move(lines));
    }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(resume)

BOOST_AUTO_TEST_CASE(reconnect_gets_exactly_the_missed_rows) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(100, 1, 25);
    feed.results(50);
    LiveServer server(dir.path(), store, {"--no-watcher"});

    const Watermark before = feed.head();
    const Watermark last = follow_to(server.port(), before);
    BOOST_TEST((last == before));

    thousand_rows(feed);  // while the client is away
    const Watermark head = feed.head();
    BOOST_TEST(head.usage - before.usage == 1000);
    BOOST_TEST_REQUIRE(eventually(
        [&] { return server.stats().at("watermarks").at("last_event_id").as_string() == head.to_string(); },
        std::chrono::seconds(5)));

    Resumed r = reconnect(server.port(), last.to_string(), last, head);
    expect_clean(r, head, "Last-Event-ID");
    BOOST_TEST(r.ready.at("replay").at("requested").as_string() == last.to_string());
    BOOST_TEST(r.ready.at("replay").at("resync").as_bool() == false);
    const auto frames =
        r.check.events.size() + r.check.calls.size() + r.check.results.size() + r.check.updates.size();
    BOOST_TEST(int_of(r.ready.at("replay").at("frames")) == static_cast<std::int64_t>(frames));
    LIVE_FIGURE("resume after 1,000 missed rows (" << frames << " frames): caught up " << r.ms
                                                   << " ms after connect");

    // ?since= on a first connection does the same.
    Resumed s = reconnect(server.port(), "", last, head, "/api/live/stream?since=" + last.to_string());
    expect_clean(s, head, "?since=");
    BOOST_TEST(s.check.events == r.check.events);
    BOOST_TEST(s.check.results == r.check.results);

    // A client resuming from the middle gets only what follows its position.
    const Watermark mid{before.usage + 500, before.tool_call, before.result, before.update};
    SseClient m(server.port(), {.last_event_id = mid.to_string()});
    StreamChecker mc;
    mc.set_base(mid);
    BOOST_TEST(mc.drain(m, head, Millis(10000)));
    BOOST_TEST(mc.errors.empty());
    BOOST_TEST(mc.events.size() == 500u);
    BOOST_TEST(mc.events.front() == before.usage + 501);
}

BOOST_AUTO_TEST_CASE(garbage_or_future_last_event_id) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(20, 1, 20);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const Watermark head = feed.head();

    // Garbage: ignored, the stream starts from now (no replay, no resync), live rows follow.
    for (const std::string garbage :
         {"hello", "u1.t2", "u-5.t0.r0.g0", "u99999999999999999999999.t0.r0.g0", "u1.t1.r1.g1 junk"}) {
        SseClient c(server.port(), {.last_event_id = garbage});
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        const auto p = payload_of(*ready);
        BOOST_TEST(p.at("replay").at("requested").is_null(), garbage);
        BOOST_TEST(int_of(p.at("replay").at("frames")) == 0);
        BOOST_TEST(p.at("replay").at("resync").as_bool() == false);
        BOOST_TEST((ready_watermark(*ready) == head));
        // ready's id is where the stream starts: a reconnect before any row resumes from there.
        BOOST_TEST(ready->id.value_or("none") == head.to_string(), garbage);
        auto e = c.next(Millis(300));
        while (e && e->event != "event" && e->event != "resync") e = c.next(Millis(300));
        BOOST_TEST(!e, garbage << ": got " << (e ? e->event : ""));
    }
    // Exactly at the head: nothing to replay, no resync.
    {
        SseClient c(server.port(), {.last_event_id = head.to_string()});
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        const auto p = payload_of(*ready);
        BOOST_TEST(p.at("replay").at("requested").as_string() == head.to_string());
        BOOST_TEST(int_of(p.at("replay").at("frames")) == 0);
        BOOST_TEST(ready->id.value_or("none") == head.to_string());
        BOOST_TEST(p.at("replay").at("resync").as_bool() == false);
        feed.responses(1);
        StreamChecker check(head);
        const Watermark next = feed.head();
        BOOST_TEST(check.drain(c, next, Millis(3000)));
        check.expect_exactly(next, "at head");
        BOOST_TEST(check.errors.empty());
    }
    const Watermark head2 = feed.head();
    // Garbage ?since= likewise.
    {
        SseClient c(server.port(), {.target = "/api/live/stream?since=%00%ff"});
        BOOST_TEST(c.status() == 400);  // a NUL in the query is a malformed target
        SseClient d(server.port(), {.target = "/api/live/stream?since=yesterday"});
        auto ready = d.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        BOOST_TEST(payload_of(*ready).at("replay").at("requested").is_null());
    }
    // Ahead of this server (another store, or a rebuilt one): resync, then live rows.
    {
        const Watermark future{head2.usage + 1000, head2.tool_call, head2.result, head2.update};
        SseClient c(server.port(), {.last_event_id = future.to_string()});
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        BOOST_TEST(payload_of(*ready).at("replay").at("resync").as_bool());
        auto rs = c.next_of("resync", Millis(3000));
        BOOST_REQUIRE(rs);
        BOOST_TEST((ready_watermark(*ready) == head2));
        feed.responses(1);
        auto ev = c.next_of("event", Millis(3000));
        BOOST_REQUIRE(ev);
        BOOST_TEST(int_of(payload_of(*ev).at("id")) == head2.usage + 1);
    }
}

BOOST_AUTO_TEST_CASE(older_than_the_replay_window_gets_resync) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(10, 1, 10);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const Watermark old = feed.head();
    for (int i = 0; i < 21; ++i) feed.responses(500, 0, 500);  // 10,500 frames: the ring holds 10,000
    const Watermark head = feed.head();
    BOOST_TEST_REQUIRE(eventually(
        [&] { return server.stats().at("watermarks").at("usage").to_number<std::int64_t>() == head.usage; },
        std::chrono::seconds(10)));

    SseClient c(server.port(), {.last_event_id = old.to_string()});
    auto ready = c.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    BOOST_TEST(payload_of(*ready).at("replay").at("resync").as_bool());
    BOOST_TEST(int_of(payload_of(*ready).at("replay").at("frames")) == 0);
    auto rs = c.next_of("resync", Millis(3000));
    BOOST_REQUIRE(rs);
    BOOST_TEST(payload_of(*rs).at("reason").as_string() == "replay_window_exceeded");
    BOOST_TEST(payload_of(*rs).at("watermarks").at("last_event_id").as_string() == head.to_string());
    for (const SseEvent& e : c.skipped()) BOOST_TEST(e.event != "event");  // nothing replayed before it
    // Then it goes on from now.
    feed.responses(3, 0, 3);
    StreamChecker check;
    check.set_base(head);
    const Watermark after = feed.head();
    BOOST_TEST(check.drain(c, after, Millis(5000)));
    check.expect_exactly(after, "after resync");
    BOOST_TEST(check.errors.empty());

    // Exactly at the edge of the window: the oldest row still held replays without resync.
    const auto ring_frames = server.metric("agentpulse_replay_ring_frames");
    BOOST_TEST(ring_frames == 10000.0);
}

BOOST_AUTO_TEST_CASE(resume_across_a_server_restart) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(200, 1, 50);
    feed.results(150);
    auto server = std::make_unique<LiveServer>(dir.path(), store, std::vector<std::string>{"--no-watcher"});
    const Watermark before = feed.head();
    const Watermark last = follow_to(server->port(), before);
    const auto [status, stop_ms] = server->stop();
    BOOST_TEST(status.exited);
    BOOST_TEST(status.code == 0);
    server.reset();

    // While the server is down: 500 ordinary rows, then rows whose times disagree with their keys.
    thousand_rows(feed);
    const EpochMs now = now_epoch_ms();
    {
        // Two responses, then the later one grows first: update keys run against event times.
        feed.commit({feed.response(0, now - 2000)});
        const std::size_t e1 = feed.responses() - 1;
        feed.commit({feed.response(0, now - 1000)});
        const std::size_t e2 = feed.responses() - 1;
        feed.commit({feed.growth(e2, 5, now - 900)});
        feed.commit({feed.growth(e1, 5, now - 800)});
        // A call whose result line is timed before it (clock skew between files), and a call from long
        // ago whose result lands now (its result sorts after newer calls).
        feed.commit({feed.response(1, now - 500)});
        while (feed.open_calls() > 1) feed.results(1);
        feed.commit({feed.result(-400)});
        feed.commit({feed.response(1, now - 3 * 3'600'000)});
        feed.commit({feed.response(1, now - 100)});
        feed.results(2, 60'000);
    }
    const Watermark head = feed.head();

    LiveServer again(dir.path(), store, {"--no-watcher"});
    Resumed r = reconnect(again.port(), last.to_string(), last, head);
    expect_clean(r, head, "after restart");
    BOOST_TEST(r.ready.at("replay").at("resync").as_bool() == false);
    LIVE_FIGURE("restart: SIGTERM -> exit " << stop_ms << " ms; new server up in " << again.startup_ms()
                                            << " ms; resumed client caught up on " << r.check.events.size()
                                            << " events in " << r.ms << " ms");
    // And live rows keep flowing to it after the replay.
    BOOST_TEST(!r.check.updates.empty());
}

BOOST_AUTO_TEST_CASE(flapping_client_loses_nothing_while_rows_land) {
    // A client that keeps dropping (FIN or RST) and reconnecting with its Last-Event-ID while rows land
    // without pause: across all its connections it sees every row exactly once, in order (the hand-over
    // from replay to live rows races with new batches).
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(50, 1, 50);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    StreamChecker check;
    {
        SseClient c(server.port());
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        check.set_base(ready_watermark(*ready));
    }
    std::atomic<bool> done{false};
    std::jthread writer([&] {
        for (int i = 0; i < 300; ++i) {
            std::vector<ParsedLine> lines;
            for (int k = 0; k < 8; ++k) lines.push_back(feed.response(k % 2));
            if (feed.open_calls() > 2) lines.push_back(feed.result(90));
            if (i % 3 == 0) lines.push_back(feed.growth(feed.responses() - 2));
            feed.commit(std::move(lines));
            std::this_thread::sleep_for(Millis(4));
        }
        done = true;
    });
    int connections = 0;
    std::mt19937 rng(42);
    while (!done) {
        SseClient c(server.port(), {.last_event_id = check.last_id().to_string()});
        ++connections;
        const auto until = Clock::now() + Millis(20 + rng() % 150);
        while (Clock::now() < until)
            if (auto e = c.next(Millis(10))) check.feed(*e);
        if (rng() % 2) c.socket().reset();
    }
    writer.join();
    const Watermark head = feed.head();
    SseClient last(server.port(), {.last_event_id = check.last_id().to_string()});
    BOOST_TEST(check.drain(last, head, Millis(10000)));
    check.expect_exactly(head, "flapping client");
    BOOST_TEST(check.resyncs.empty());
    for (const auto& e : check.errors) BOOST_TEST_ERROR(e);
    BOOST_TEST(connections > 5);
    LIVE_FIGURE("flapping client: " << connections + 1 << " connections, " << check.events.size() << " events, "
                                    << check.results.size() << " results, " << check.updates.size()
                                    << " updates, none lost or repeated");
}

BOOST_AUTO_TEST_SUITE_END()
