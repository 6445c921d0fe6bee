// See FrameRing.hpp.
#include "live/FrameRing.hpp"

#include "core/SseFrame.hpp"

namespace agentpulse {

std::string RingFrame::with_id(const Watermark& id) const { return sse_with_id(*bytes, id_begin, id_end, id.to_string()); }

void FrameRing::push(RingFrame f) {
    std::size_t bytes = bytes_.load(std::memory_order_relaxed) + f.bytes->size();
    frames_.push_back(std::move(f));
    while (frames_.size() > capacity_) {
        const RingFrame& old = frames_.front();
        evicted_[old.stream] = std::max(evicted_[old.stream], old.key);
        bytes -= old.bytes->size();
        frames_.pop_front();
        ++first_seq_;
    }
    bytes_.store(bytes, std::memory_order_relaxed);
    held_.store(frames_.size(), std::memory_order_relaxed);
}

std::uint64_t FrameRing::first_needed(const Watermark& w) const {
    // Composites only grow along the ring: the first frame whose composite is not covered by w.
    std::size_t lo = 0, hi = frames_.size();
    while (lo < hi) {
        const std::size_t mid = (lo + hi) / 2;
        if (frames_[mid].composite.covered_by(w))
            lo = mid + 1;
        else
            hi = mid;
    }
    return first_seq_ + lo;
}

}  // namespace agentpulse
