// See FrameRing.hpp.
#include "live/FrameRing.hpp"

namespace agentpulse {

std::string RingFrame::with_id(const Watermark& id) const {
    std::string out;
    const std::string& b = *bytes;
    out.reserve(b.size() + 16);
    out.append(b, 0, id_begin).append("id: ").append(id.to_string()).push_back('\n');
    out.append(b, id_end, std::string::npos);
    return out;
}

void FrameRing::push(RingFrame f) {
    bytes_ += f.bytes->size();
    frames_.push_back(std::move(f));
    while (frames_.size() > capacity_) {
        const RingFrame& old = frames_.front();
        evicted_[old.stream] = std::max(evicted_[old.stream], old.key);
        bytes_ -= old.bytes->size();
        frames_.pop_front();
        ++first_seq_;
    }
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
