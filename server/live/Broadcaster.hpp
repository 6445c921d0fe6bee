// Fans every frame out to every live subscriber. It is bound to one strand of the server's io_context and
// every entry point runs on it (the poller hands it batches with post(), sessions run their coroutines on
// it), so publish, subscribe and the fan-out never race however many threads run the io_context.
// A batch is serialized once (one shared buffer) and the same bytes go to every client that keeps up; a
// client that is behind reads from the ring at its own pace, and gets `resync` if the ring moved past it.
// Fan-out is a pass over the subscriber list in chunks (other work on the strand runs between chunks):
// each visit writes everything the client lacks in one send, so rows that land while a pass is under way
// reach the clients it has not visited yet in that same send, and the next pass brings the rest up to date.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/StreamEvents.hpp"  // ControlSlot
#include "live/FrameRing.hpp"
#include "live/Tally.hpp"

namespace agentpulse {

struct FrameBatch {
    std::vector<RingFrame> frames;
    std::shared_ptr<const std::string> joined;  // every frame's bytes, back to back
    Watermark head;                             // composite after the last frame
};

// A client as the broadcaster sees it. Data in: its time zone, and two fields it keeps current that the
// broadcaster's sweep reads (when its pending write started, when it last wrote); the broadcaster leaves the
// newest control frame of each kind in `control` for the client's next visit. Behaviour out: a visit, and
// an end. All of it on the broadcaster's strand.
class Subscriber {
public:
    explicit Subscriber(std::string tz) : tz_(std::move(tz)) {}
    virtual ~Subscriber() = default;

    // A fan-out pass visits the client: frames [first, end) are the newest batch and `joined` holds exactly
    // their bytes; the client writes whatever it lacks (control frames and ring frames) in one send.
    virtual void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) = 0;
    enum class End : std::uint8_t { Shutdown, Stalled };
    // Close the client: the server stops (a clean end of stream), or it stayed stalled too long.
    virtual void end(End why) = 0;

    const std::string& tz() const { return tz_; }
    // Steady-clock milliseconds: when its current write started (0: not writing), and its last write.
    std::int64_t write_started_ms = 0, last_write_ms = 0;
    // Frames that are not rows, newest of each kind, waiting for the next visit (the client takes them).
    std::array<std::shared_ptr<const std::string>, static_cast<std::size_t>(ControlSlot::Count)> control;
    std::shared_ptr<const std::string>& control_slot(ControlSlot s) { return control[static_cast<std::size_t>(s)]; }
    bool control_pending() const {
        for (const auto& c : control)
            if (c) return true;
        return false;
    }

private:
    friend class Broadcaster;
    const std::string tz_;
    std::size_t slot_ = SIZE_MAX;
};

// A published batch as one buffer: a client that stands at `first` can take [first, end) in one piece.
struct BatchRef {
    std::uint64_t first = 0, end = 0;
    std::shared_ptr<const std::string> joined;
};

// Written on the strand, read by /metrics from anywhere.
struct BroadcastStats {
    Tally batches, frames, subscribers_total, resyncs, stalled_drops;
    Tally passes;  // fan-out passes over the subscriber list
};

class Broadcaster {
public:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    Broadcaster(Strand strand, std::size_t ring_capacity);

    // Where every entry point below runs (except the poller's preload into ring() and set_head(), before
    // the io_context runs).
    const Strand& strand() const { return strand_; }
    // Subscribers visited before a fan-out pass yields the strand (accepts and polls interleave).
    static constexpr std::size_t kPassChunk = 256;

    // Row frames from the poller (first load included).
    void publish(const FrameBatch& batch);
    void publish_burn(const std::string& tz, std::shared_ptr<const std::string> frame);
    void publish_sessions(std::shared_ptr<const std::string> frame);
    void publish_watcher(std::shared_ptr<const std::string> frame);
    void publish_limits(std::shared_ptr<const std::string> frame);
    // An alert that fired: to every client connected now (not kept for the preamble).
    void publish_alert(std::shared_ptr<const std::string> frame);
    // Heartbeat comment to clients idle for at least `idle_ms`; closes clients whose write has been
    // pending longer than `stall_ms`.
    void sweep(std::int64_t now_ms, std::int64_t idle_ms, std::int64_t stall_ms);

    // Server shutdown: every subscriber gets a clean end of stream, and closed() turns true.
    void close_all();
    bool closed() const { return closed_; }

    void subscribe(Subscriber* s);
    void unsubscribe(Subscriber* s);
    std::size_t subscribers() const { return subs_.size(); }

    const FrameRing& ring() const { return ring_; }
    // The newest batches still wholly in the ring, oldest first, contiguous in sequence.
    const std::deque<BatchRef>& recent_batches() const { return recent_; }
    FrameRing& ring() { return ring_; }
    const Watermark& head() const { return head_; }
    void set_head(const Watermark& w) { head_ = w; }
    std::shared_ptr<const std::string> latest_burn(const std::string& tz) const;
    std::shared_ptr<const std::string> latest_sessions() const { return sessions_; }
    std::shared_ptr<const std::string> latest_watcher() const { return watcher_; }
    std::shared_ptr<const std::string> latest_limits() const { return limits_; }

    // Time zones with subscribers changed (the poller computes burn ticks for exactly these).
    void on_time_zones(std::function<void(std::vector<std::string>)> fn) { tz_listener_ = std::move(fn); }
    std::vector<std::string> time_zones() const;

    BroadcastStats& stats() { return stats_; }
    const BroadcastStats& stats() const { return stats_; }

private:
    // Walks subscribers from the back: one that unsubscribes during the call is swapped with the last,
    // which was already visited, so nobody is skipped or visited twice and nothing is copied.
    template <class Fn>
    void for_each(Fn&& fn) {
        for (std::size_t i = subs_.size(); i-- > 0;) {
            if (i >= subs_.size()) continue;
            fn(subs_[i]);
        }
    }

    // One pass at a time; a publish during a pass asks for another (the clients already visited lack it).
    void request_pass();
    void pass_step();

    bool on_strand() const { return strand_.running_in_this_thread(); }

    Strand strand_;
    FrameRing ring_;
    Watermark head_;
    bool passing_ = false, again_ = false, closed_ = false;
    std::size_t cursor_ = 0;                   // visits go from the back of subs_ down to index 0
    std::uint64_t last_first_ = 0, last_end_ = 0;  // the newest batch, for the visits' direct path
    std::shared_ptr<const std::string> last_joined_;
    std::deque<BatchRef> recent_;
    std::vector<Subscriber*> subs_;
    std::map<std::string, std::size_t> tz_count_;
    std::map<std::string, std::shared_ptr<const std::string>> burn_;
    std::shared_ptr<const std::string> sessions_, watcher_, limits_, heartbeat_;
    std::function<void(std::vector<std::string>)> tz_listener_;
    BroadcastStats stats_;
};

}  // namespace agentpulse
