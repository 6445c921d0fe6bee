// The last N row frames (event, tool_call, tool_result, event_update) in publish order, numbered by a
// global sequence. Live clients that fall behind, and reconnecting clients (Last-Event-ID), read from
// here: no per-client queues, so a slow client costs no memory beyond its socket buffer. The broadcaster's
// strand owns it; only its size and byte count may be read from other threads (/metrics).
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>

#include "core/Watermark.hpp"

namespace agentpulse {

struct RingFrame {
    Stream stream = Stream::Usage;
    std::int64_t key = 0;    // the row's key in its stream
    Watermark composite;     // the `id:` this frame carries (every stream's position after it)
    std::shared_ptr<const std::string> bytes;  // the whole SSE frame
    std::uint32_t id_begin = 0, id_end = 0;    // the "id: ...\n" line inside `bytes`

    // The frame with another id line (for clients resuming from a watermark ahead in some stream).
    std::string with_id(const Watermark& id) const;
};

class FrameRing {
public:
    explicit FrameRing(std::size_t capacity) : capacity_(capacity) {}

    void push(RingFrame f);
    std::uint64_t begin_seq() const { return first_seq_; }
    std::uint64_t end_seq() const { return first_seq_ + frames_.size(); }
    const RingFrame& at(std::uint64_t seq) const { return frames_[static_cast<std::size_t>(seq - first_seq_)]; }
    bool empty() const { return frames_.empty(); }
    std::size_t size() const { return held_.load(std::memory_order_relaxed); }
    std::size_t capacity() const { return capacity_; }
    // Per stream, the highest key no longer held (a client behind it must resync).
    const Watermark& evicted_through() const { return evicted_; }
    void set_evicted_through(const Watermark& w) { evicted_ = w; }
    std::size_t bytes() const { return bytes_.load(std::memory_order_relaxed); }

    // First sequence whose frame a client at watermark `w` has not seen: the client needs every frame at
    // or after it whose key is above w in its stream.
    std::uint64_t first_needed(const Watermark& w) const;

private:
    std::size_t capacity_;
    std::deque<RingFrame> frames_;
    std::uint64_t first_seq_ = 0;
    Watermark evicted_;
    std::atomic<std::size_t> held_{0}, bytes_{0};  // written by the owner only, read by anyone
};

}  // namespace agentpulse
