// Fans every frame out to every live subscriber. Lives on the io thread, which is its strand: the poller
// thread hands it batches with post(), so publish, subscribe and unsubscribe never race. A batch is
// serialized once (one shared buffer) and the same bytes go to every client that keeps up; a client that
// is behind reads from the ring at its own pace, and gets `resync` if the ring moved past it.
// Fan-out is a pass over the subscriber list in chunks (other io work runs between chunks): each visit
// writes everything the client lacks in one send, so rows that land while a pass is under way reach the
// clients it has not visited yet in that same send, and the next pass brings the rest up to date.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/StreamEvents.hpp"  // ControlSlot
#include "live/FrameRing.hpp"

namespace agentpulse {

struct FrameBatch {
    std::vector<RingFrame> frames;
    std::shared_ptr<const std::string> joined;  // every frame's bytes, back to back
    Watermark head;                             // composite after the last frame
};

class Subscriber {
public:
    virtual ~Subscriber() = default;
    // A fan-out pass visits the client: frames [first, end) are the newest batch and `joined` holds exactly
    // their bytes; the client writes whatever it lacks (control frames and ring frames) in one send.
    virtual void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) = 0;
    // Keeps the newest frame of that kind for the next visit (a pass follows every control publish).
    virtual void on_control(ControlSlot slot, const std::shared_ptr<const std::string>& frame) = 0;
    // Close the client: it stayed stalled too long.
    virtual void on_stalled() = 0;
    // Close the client cleanly (server shutdown).
    virtual void close() = 0;
    // Milliseconds (steady clock) since its current write started, 0 when not writing.
    virtual std::int64_t write_pending_ms(std::int64_t now_ms) const = 0;
    virtual std::int64_t idle_ms(std::int64_t now_ms) const = 0;
    const std::string& tz() const { return tz_; }

protected:
    std::string tz_ = "UTC";

private:
    friend class Broadcaster;
    std::size_t slot_ = SIZE_MAX;
};

// A published batch as one buffer: a client that stands at `first` can take [first, end) in one piece.
struct BatchRef {
    std::uint64_t first = 0, end = 0;
    std::shared_ptr<const std::string> joined;
};

struct BroadcastStats {
    std::uint64_t batches = 0, frames = 0, bytes = 0, subscribers_total = 0, resyncs = 0, stalled_drops = 0;
    std::uint64_t passes = 0;  // fan-out passes over the subscriber list
};

class Broadcaster {
public:
    explicit Broadcaster(std::size_t ring_capacity);

    // How a fan-out pass continues after a chunk of subscribers: post onto the io thread. Without one
    // (unit tests) a pass visits everybody at once.
    void set_defer(std::function<void(std::function<void()>)> defer) { defer_ = std::move(defer); }
    static constexpr std::size_t kPassChunk = 256;

    // Row frames from the poller (first load included).
    void publish(const FrameBatch& batch);
    void publish_burn(const std::string& tz, std::shared_ptr<const std::string> frame);
    void publish_sessions(std::shared_ptr<const std::string> frame);
    void publish_watcher(std::shared_ptr<const std::string> frame);
    // Heartbeat comment to clients idle for at least `idle_ms`; closes clients whose write has been
    // pending longer than `stall_ms`.
    void sweep(std::int64_t now_ms, std::int64_t idle_ms, std::int64_t stall_ms);

    // Server shutdown: every subscriber gets a clean end of stream.
    void close_all();

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

    FrameRing ring_;
    Watermark head_;
    std::function<void(std::function<void()>)> defer_;
    bool passing_ = false, again_ = false;
    std::size_t cursor_ = 0;                   // visits go from the back of subs_ down to index 0
    std::uint64_t last_first_ = 0, last_end_ = 0;  // the newest batch, for the visits' direct path
    std::shared_ptr<const std::string> last_joined_;
    std::deque<BatchRef> recent_;
    std::vector<Subscriber*> subs_;
    std::map<std::string, std::size_t> tz_count_;
    std::map<std::string, std::shared_ptr<const std::string>> burn_;
    std::shared_ptr<const std::string> sessions_, watcher_, heartbeat_;
    std::function<void(std::vector<std::string>)> tz_listener_;
    BroadcastStats stats_;
};

}  // namespace agentpulse
