// See Broadcaster.hpp.
#include "live/Broadcaster.hpp"

#include "core/SseFrame.hpp"

namespace agentpulse {

Broadcaster::Broadcaster(std::size_t ring_capacity)
    : ring_(ring_capacity), heartbeat_(std::make_shared<const std::string>(sse_comment("heartbeat"))) {}

void Broadcaster::publish(const FrameBatch& batch) {
    if (batch.frames.empty()) return;
    const std::uint64_t first = ring_.end_seq();
    for (const RingFrame& f : batch.frames) ring_.push(f);
    const std::uint64_t end = ring_.end_seq();
    head_ = batch.head;
    ++stats_.batches;
    stats_.frames += batch.frames.size();
    for_each([&](Subscriber* s) { s->on_frames(first, end, batch.joined); });
}

void Broadcaster::publish_burn(const std::string& tz, std::shared_ptr<const std::string> frame) {
    burn_[tz] = frame;
    for_each([&](Subscriber* s) {
        if (s->tz() == tz) s->on_control(ControlSlot::Burn, frame);
    });
}

void Broadcaster::publish_sessions(std::shared_ptr<const std::string> frame) {
    sessions_ = frame;
    for_each([&](Subscriber* s) { s->on_control(ControlSlot::Sessions, frame); });
}

void Broadcaster::publish_watcher(std::shared_ptr<const std::string> frame) {
    watcher_ = frame;
    for_each([&](Subscriber* s) { s->on_control(ControlSlot::Watcher, frame); });
}

void Broadcaster::sweep(std::int64_t now_ms, std::int64_t idle_ms, std::int64_t stall_ms) {
    for_each([&](Subscriber* s) {
        if (s->write_pending_ms(now_ms) > stall_ms) {
            ++stats_.stalled_drops;
            s->on_stalled();
        } else if (s->idle_ms(now_ms) >= idle_ms) {
            s->on_control(ControlSlot::Heartbeat, heartbeat_);
        }
    });
}

void Broadcaster::close_all() {
    for_each([](Subscriber* s) { s->close(); });
}

void Broadcaster::subscribe(Subscriber* s) {
    s->slot_ = subs_.size();
    subs_.push_back(s);
    ++stats_.subscribers_total;
    if (tz_count_[s->tz()]++ == 0 && tz_listener_) tz_listener_(time_zones());
}

void Broadcaster::unsubscribe(Subscriber* s) {
    if (s->slot_ == SIZE_MAX) return;
    // Swap-and-pop keeps the list contiguous (cheap to walk with 10,000 subscribers).
    Subscriber* last = subs_.back();
    subs_[s->slot_] = last;
    last->slot_ = s->slot_;
    subs_.pop_back();
    s->slot_ = SIZE_MAX;
    auto it = tz_count_.find(s->tz());
    if (it != tz_count_.end() && --it->second == 0) {
        tz_count_.erase(it);
        if (tz_listener_) tz_listener_(time_zones());
    }
}

std::shared_ptr<const std::string> Broadcaster::latest_burn(const std::string& tz) const {
    auto it = burn_.find(tz);
    return it == burn_.end() ? nullptr : it->second;
}

std::vector<std::string> Broadcaster::time_zones() const {
    std::vector<std::string> out;
    for (const auto& [tz, n] : tz_count_) out.push_back(tz);
    return out;
}

}  // namespace agentpulse
