// live/FrameRing: eviction keeps the newest N frames and moves evicted_through per stream; first_needed
// finds where a resuming client starts; with_id rewrites only the id line. Also live/Broadcaster's
// subscriber bookkeeping (unsubscribe during a walk, time zones, sweep, passes in chunks on its strand),
// without sockets.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/test/unit_test.hpp>

#include <memory>
#include <vector>

#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"
#include "live/Broadcaster.hpp"
#include "live/FrameRing.hpp"

using namespace agentpulse;

namespace {

// A row frame as the poller builds it: `key` in `stream`, carrying the composite watermark `w`.
RingFrame frame(Stream stream, std::int64_t key, const Watermark& w) {
    RingFrame f;
    f.stream = stream;
    f.key = key;
    f.composite = w;
    SseIdFrame s = sse_id_frame(event_name(row_event(stream)), w.to_string(), "{\"k\":" + std::to_string(key) + "}");
    f.bytes = std::make_shared<const std::string>(std::move(s.bytes));
    f.id_begin = s.id_begin;
    f.id_end = s.id_end;
    return f;
}

// Alternates events and tool calls: u1, t1, u2, t2, ...
std::vector<RingFrame> alternating(int n) {
    std::vector<RingFrame> out;
    Watermark w;
    for (int i = 1; i <= n; ++i) {
        w.usage = i;
        out.push_back(frame(Stream::Usage, i, w));
        w.tool_call = i;
        out.push_back(frame(Stream::ToolCall, i, w));
    }
    return out;
}

struct FakeSub : Subscriber {
    explicit FakeSub(std::string tz, Broadcaster* b = nullptr) : Subscriber(std::move(tz)), b_(b) {}
    void on_frames(std::uint64_t first, std::uint64_t end,
                   const std::shared_ptr<const std::string>&) override {
        got.emplace_back(first, end);
        if (leave_on_frames && b_) b_->unsubscribe(this);
    }
    void end(End why) override { (why == End::Stalled ? stalled : closed) = true; }
    std::shared_ptr<const std::string> waiting(ControlSlot s) const { return control[static_cast<std::size_t>(s)]; }
    Broadcaster* b_;
    bool leave_on_frames = false, stalled = false, closed = false;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> got;
};

// A broadcaster on a strand of its own io_context; on() runs a step on the strand, then everything it
// posted (fan-out passes), as the server's io threads would.
struct OnStrand {
    boost::asio::io_context io;
    Broadcaster b;
    explicit OnStrand(std::size_t ring) : b(boost::asio::make_strand(io), ring) {}
    template <class Fn>
    void on(Fn fn) {
        boost::asio::dispatch(b.strand(), std::move(fn));
        io.restart();
        io.run();
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(frame_ring)

BOOST_AUTO_TEST_CASE(keeps_the_newest_and_tracks_evictions) {
    FrameRing ring(5);
    BOOST_TEST(ring.empty());
    for (RingFrame& f : alternating(4)) ring.push(std::move(f));  // 8 frames: u1 t1 u2 t2 u3 t3 u4 t4
    BOOST_TEST(ring.size() == 5u);
    BOOST_TEST(ring.begin_seq() == 3u);
    BOOST_TEST(ring.end_seq() == 8u);
    // Evicted: u1 t1 u2 -> usage through 2, tool calls through 1.
    BOOST_TEST(ring.evicted_through().usage == 2);
    BOOST_TEST(ring.evicted_through().tool_call == 1);
    BOOST_TEST(ring.evicted_through().result == 0);
    BOOST_TEST((ring.at(3).stream == Stream::ToolCall));
    BOOST_TEST(ring.at(3).key == 2);
    BOOST_TEST(ring.at(7).key == 4);
    std::size_t bytes = 0;
    for (std::uint64_t s = ring.begin_seq(); s < ring.end_seq(); ++s) bytes += ring.at(s).bytes->size();
    BOOST_TEST(ring.bytes() == bytes);
}

BOOST_AUTO_TEST_CASE(preset_eviction_mark_is_kept_until_overtaken) {
    FrameRing ring(3);
    ring.set_evicted_through({10, 20, 30, 40});  // a preloaded ring: older rows exist but are not held
    Watermark w{10, 20, 30, 40};
    w.usage = 11;
    ring.push(frame(Stream::Usage, 11, w));
    BOOST_TEST((ring.evicted_through() == Watermark{10, 20, 30, 40}));
    for (int i = 12; i <= 14; ++i) {
        w.usage = i;
        ring.push(frame(Stream::Usage, i, w));
    }
    BOOST_TEST((ring.evicted_through() == Watermark{11, 20, 30, 40}));
}

BOOST_AUTO_TEST_CASE(first_needed_for_resuming_clients) {
    FrameRing ring(100);
    for (RingFrame& f : alternating(5)) ring.push(std::move(f));  // seq 0..9: u1 t1 u2 t2 ... u5 t5
    BOOST_TEST(ring.first_needed({0, 0, 0, 0}) == 0u);
    BOOST_TEST(ring.first_needed({1, 0, 0, 0}) == 1u);  // has u1: starts at t1
    BOOST_TEST(ring.first_needed({1, 1, 0, 0}) == 2u);
    BOOST_TEST(ring.first_needed({3, 3, 0, 0}) == 6u);
    BOOST_TEST(ring.first_needed({5, 5, 0, 0}) == 10u);  // up to date: nothing to replay
    BOOST_TEST(ring.first_needed({9, 9, 9, 9}) == 10u);
    // Ahead in one stream, behind in another: the first frame it lacks decides (the session then skips
    // frames whose key it already has).
    BOOST_TEST(ring.first_needed({5, 2, 0, 0}) == 5u);  // t3 at seq 5
    FrameRing empty(10);
    BOOST_TEST(empty.first_needed({3, 3, 3, 3}) == 0u);
}

BOOST_AUTO_TEST_CASE(first_needed_after_eviction_is_within_the_ring) {
    FrameRing ring(4);
    for (RingFrame& f : alternating(5)) ring.push(std::move(f));  // keeps seq 6..9: u4 t4 u5 t5
    BOOST_TEST(ring.begin_seq() == 6u);
    BOOST_TEST(ring.first_needed({3, 3, 0, 0}) == 6u);
    BOOST_TEST(ring.first_needed({4, 4, 0, 0}) == 8u);
    // A client behind the ring is detected by the caller through evicted_through.
    BOOST_TEST(!ring.evicted_through().covered_by({2, 2, 0, 0}));
    BOOST_TEST(ring.evicted_through().covered_by({3, 3, 0, 0}));
}

BOOST_AUTO_TEST_CASE(with_id_rewrites_only_the_id_line) {
    const RingFrame f = frame(Stream::ToolCall, 7, {3, 7, 1, 0});
    BOOST_TEST(*f.bytes == "event: tool_call\nid: u3.t7.r1.g0\ndata: {\"k\":7}\n\n");
    BOOST_TEST(f.with_id({30, 7, 12, 5}) == "event: tool_call\nid: u30.t7.r12.g5\ndata: {\"k\":7}\n\n");
}

BOOST_AUTO_TEST_CASE(broadcaster_fans_out_and_survives_unsubscribe_mid_walk) {
    OnStrand st(100);
    Broadcaster& b = st.b;
    std::vector<std::unique_ptr<FakeSub>> subs;
    st.on([&] {
        for (int i = 0; i < 5; ++i) {
            subs.push_back(std::make_unique<FakeSub>(i % 2 ? "Europe/Berlin" : "UTC", &b));
            b.subscribe(subs.back().get());
        }
    });
    subs[1]->leave_on_frames = true;
    subs[4]->leave_on_frames = true;
    FrameBatch batch;
    for (RingFrame& f : alternating(2)) batch.frames.push_back(std::move(f));
    batch.joined = std::make_shared<const std::string>("x");
    batch.head = {2, 2, 0, 0};
    st.on([&] { b.publish(batch); });
    for (const auto& s : subs) {
        BOOST_REQUIRE(s->got.size() == 1u);  // everyone once, nobody skipped or twice
        BOOST_TEST(s->got[0].first == 0u);
        BOOST_TEST(s->got[0].second == 4u);
    }
    BOOST_TEST(b.subscribers() == 3u);
    BOOST_TEST((b.head() == Watermark{2, 2, 0, 0}));
    st.on([&] { b.publish(batch); });
    BOOST_TEST(subs[1]->got.size() == 1u);
    BOOST_TEST(subs[0]->got.size() == 2u);
    BOOST_TEST(subs[0]->got[1].first == 4u);
}

BOOST_AUTO_TEST_CASE(broadcaster_time_zones_and_controls) {
    OnStrand st(10);
    Broadcaster& b = st.b;
    std::vector<std::vector<std::string>> seen;
    b.on_time_zones([&](std::vector<std::string> tzs) { seen.push_back(std::move(tzs)); });
    FakeSub a("UTC"), c("UTC"), d("Asia/Kolkata");
    st.on([&] {
        b.subscribe(&a);
        b.subscribe(&c);  // same zone: no change
        b.subscribe(&d);
    });
    BOOST_REQUIRE(seen.size() == 2u);
    BOOST_TEST(seen[1] == (std::vector<std::string>{"Asia/Kolkata", "UTC"}),
               boost::test_tools::per_element());
    auto tick = std::make_shared<const std::string>("burn");
    st.on([&] { b.publish_burn("Asia/Kolkata", tick); });
    BOOST_TEST(!a.control_pending());
    BOOST_TEST(d.waiting(ControlSlot::Burn) == tick);
    BOOST_TEST(d.got.size() == 1u);  // a pass follows every control publish
    BOOST_TEST(b.latest_burn("Asia/Kolkata") == tick);
    BOOST_TEST(!b.latest_burn("UTC"));
    st.on([&] { b.publish_sessions(tick); });
    BOOST_TEST(a.waiting(ControlSlot::Sessions) == tick);
    st.on([&] { b.unsubscribe(&d); });
    BOOST_REQUIRE(seen.size() == 3u);
    BOOST_TEST(seen[2] == (std::vector<std::string>{"UTC"}), boost::test_tools::per_element());
    st.on([&] { b.unsubscribe(&d); });  // twice: harmless
    BOOST_TEST(b.subscribers() == 2u);
    // Sweep: a write pending past the stall bound is dropped, a client idle past the heartbeat gets one,
    // a client writing is not idle.
    a.write_started_ms = 1'000;
    c.last_write_ms = 4'000;
    st.on([&] { b.sweep(20'000, 15'000, 15'000); });
    BOOST_TEST(a.stalled);
    BOOST_TEST(!a.closed);
    BOOST_TEST(b.stats().stalled_drops == 1u);
    BOOST_TEST(c.waiting(ControlSlot::Heartbeat));
    c.control = {};
    c.write_started_ms = 19'000;
    st.on([&] { b.sweep(20'000, 15'000, 15'000); });
    BOOST_TEST(!c.waiting(ControlSlot::Heartbeat));
    BOOST_TEST(!c.stalled);
    BOOST_TEST(!b.closed());
    st.on([&] { b.close_all(); });
    BOOST_TEST(c.closed);
    BOOST_TEST(b.closed());
}

BOOST_AUTO_TEST_CASE(broadcaster_pass_yields_the_strand_between_chunks) {
    // 600 subscribers: a pass visits them in three chunks, and other work on the strand runs between.
    OnStrand st(10);
    Broadcaster& b = st.b;
    std::vector<std::unique_ptr<FakeSub>> subs;
    for (int i = 0; i < 600; ++i) subs.push_back(std::make_unique<FakeSub>("UTC"));
    st.on([&] {
        for (auto& s : subs) b.subscribe(s.get());
    });
    FrameBatch batch;
    for (RingFrame& f : alternating(1)) batch.frames.push_back(std::move(f));
    batch.joined = std::make_shared<const std::string>("x");
    std::size_t visited_when_other_work_ran = SIZE_MAX;
    st.on([&] {
        b.publish(batch);
        boost::asio::post(b.strand(), [&] {  // queued behind the pass's first chunk
            std::size_t n = 0;
            for (auto& s : subs) n += s->got.size();
            visited_when_other_work_ran = n;
        });
    });
    BOOST_TEST(visited_when_other_work_ran == Broadcaster::kPassChunk);
    for (auto& s : subs) BOOST_TEST(s->got.size() == 1u);
    BOOST_TEST(b.stats().passes == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
