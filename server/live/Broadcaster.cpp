// See Broadcaster.hpp. The asserts say which entry points must be on the strand: they are checked in
// Debug and sanitizer builds, where the live suite runs with several io threads.
#include "live/Broadcaster.hpp"

#include <boost/asio/post.hpp>

#include <cassert>

#include "core/SseFrame.hpp"

namespace agentpulse {

Broadcaster::Broadcaster(Strand strand, std::size_t ring_capacity)
    : strand_(std::move(strand))
    , ring_(ring_capacity)
    , heartbeat_(std::make_shared<const std::string>(sse_comment("heartbeat"))) {}

void Broadcaster::publish(const FrameBatch& batch) {
    assert(on_strand());
    if (batch.frames.empty()) return;
    const std::uint64_t first = ring_.end_seq();
    for (const RingFrame& f : batch.frames) ring_.push(f);
    const std::uint64_t end = ring_.end_seq();
    head_ = batch.head;
    ++stats_.batches;
    stats_.frames += batch.frames.size();
    last_first_ = first;
    last_end_ = end;
    last_joined_ = batch.joined;
    if (batch.joined) {
        if (!recent_.empty() && recent_.back().end != first) recent_.clear();  // keep them contiguous
        recent_.push_back({first, end, batch.joined});
        while (!recent_.empty() && (recent_.size() > 1024 || recent_.front().first < ring_.begin_seq())) recent_.pop_front();
    }
    request_pass();
}

void Broadcaster::request_pass() {
    if (passing_) {
        again_ = true;
        return;
    }
    passing_ = true;
    cursor_ = subs_.size();
    // The first chunk runs on the strand's next turn, not now: publishes handed over together (a tick's
    // burn frames and sessions list) then leave in the same send.
    boost::asio::post(strand_, [this] { pass_step(); });
}

void Broadcaster::pass_step() {
    assert(on_strand());
    // Visit one chunk. A subscriber that leaves during a visit is swapped with the last, which was visited
    // already (or, if the list shrank below the cursor, is re-checked: a visit to a client that has
    // everything writes nothing).
    for (std::size_t n = 0; cursor_ > 0 && n < kPassChunk; ++n) {
        --cursor_;
        if (cursor_ < subs_.size()) subs_[cursor_]->on_frames(last_first_, last_end_, last_joined_);
    }
    if (cursor_ == 0) {
        ++stats_.passes;
        if (!again_) {
            passing_ = false;
            return;
        }
        again_ = false;
        cursor_ = subs_.size();
    }
    boost::asio::post(strand_, [this] { pass_step(); });
}

void Broadcaster::publish_burn(const std::string& tz, std::shared_ptr<const std::string> frame) {
    assert(on_strand());
    burn_[tz] = frame;
    for_each([&](Subscriber* s) {
        if (s->tz() == tz) s->control_slot(ControlSlot::Burn) = frame;
    });
    request_pass();
}

void Broadcaster::publish_sessions(std::shared_ptr<const std::string> frame) {
    assert(on_strand());
    sessions_ = frame;
    for_each([&](Subscriber* s) { s->control_slot(ControlSlot::Sessions) = frame; });
    request_pass();
}

void Broadcaster::publish_watcher(std::shared_ptr<const std::string> frame) {
    assert(on_strand());
    watcher_ = frame;
    for_each([&](Subscriber* s) { s->control_slot(ControlSlot::Watcher) = frame; });
    request_pass();
}

void Broadcaster::publish_limits(std::shared_ptr<const std::string> frame) {
    assert(on_strand());
    limits_ = frame;
    for_each([&](Subscriber* s) { s->control_slot(ControlSlot::Limits) = frame; });
    request_pass();
}

void Broadcaster::publish_alert(std::shared_ptr<const std::string> frame) {
    assert(on_strand());
    for_each([&](Subscriber* s) { s->control_slot(ControlSlot::Alert) = frame; });
    request_pass();
}

void Broadcaster::sweep(std::int64_t now_ms, std::int64_t idle_ms, std::int64_t stall_ms) {
    assert(on_strand());
    bool beat = false;
    for_each([&](Subscriber* s) {
        if (s->write_started_ms != 0 && now_ms - s->write_started_ms > stall_ms) {
            ++stats_.stalled_drops;
            s->end(Subscriber::End::Stalled);
        } else if (s->write_started_ms == 0 && now_ms - s->last_write_ms >= idle_ms) {
            s->control_slot(ControlSlot::Heartbeat) = heartbeat_;
            beat = true;
        }
    });
    if (beat) request_pass();
}

void Broadcaster::close_all() {
    assert(on_strand());
    closed_ = true;
    for_each([](Subscriber* s) { s->end(Subscriber::End::Shutdown); });
}

void Broadcaster::subscribe(Subscriber* s) {
    assert(on_strand());
    s->slot_ = subs_.size();
    subs_.push_back(s);
    ++stats_.subscribers_total;
    if (tz_count_[s->tz()]++ == 0 && tz_listener_) tz_listener_(time_zones());
}

void Broadcaster::unsubscribe(Subscriber* s) {
    assert(on_strand());
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
