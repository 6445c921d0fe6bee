// Fans every frame out to every live subscriber. Lives on the io thread, which is its strand: the poller
// thread hands it batches with post(), so publish, subscribe and unsubscribe never race. A batch is
// serialized once (one shared buffer) and the same bytes go to every client that keeps up; a client that
// is behind reads from the ring at its own pace, and gets `resync` if the ring moved past it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "live/FrameRing.hpp"

namespace agentpulse {

// Frames that are not rows: only the newest of each kind matters to a client.
enum class ControlSlot : std::uint8_t { Burn = 0, Sessions, Watcher, Resync, Heartbeat, Count };

struct FrameBatch {
    std::vector<RingFrame> frames;
    std::shared_ptr<const std::string> joined;  // every frame's bytes, back to back
    Watermark head;                             // composite after the last frame
};

class Subscriber {
public:
    virtual ~Subscriber() = default;
    // Frames [first, end) were appended to the ring; `joined` holds exactly their bytes.
    virtual void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) = 0;
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

struct BroadcastStats {
    std::uint64_t batches = 0, frames = 0, bytes = 0, subscribers_total = 0, resyncs = 0, stalled_drops = 0;
};

class Broadcaster {
public:
    explicit Broadcaster(std::size_t ring_capacity);

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

    FrameRing ring_;
    Watermark head_;
    std::vector<Subscriber*> subs_;
    std::map<std::string, std::size_t> tz_count_;
    std::map<std::string, std::shared_ptr<const std::string>> burn_;
    std::shared_ptr<const std::string> sessions_, watcher_, heartbeat_;
    std::function<void(std::vector<std::string>)> tz_listener_;
    BroadcastStats stats_;
};

}  // namespace agentpulse
