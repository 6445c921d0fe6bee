// See SseSession.hpp. Everything here runs on the broadcaster's strand: both coroutines are spawned there,
// and the broadcaster's visits (on_frames, end) come from it.
#include "http/SseSession.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"
#include "live/LiveFrames.hpp"

namespace agentpulse {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr std::size_t kGatherBytes = 64 * 1024;  // most bytes in one write, and in flight per client
constexpr std::size_t kGatherFrames = 64;         // one sendmsg takes at most 64 buffers (Asio's limit)
constexpr int kPumpRounds = 64;                   // non-blocking writes per visit before yielding the strand
constexpr int kSendBuffer = 64 * 1024;  // the kernel doubles it: ~128 KB queued per stalled client at most
constexpr std::size_t kTalkLimit = 64 * 1024;  // a stream client has nothing to say; one that talks is hostile
}  // namespace

void LogIfThrown::operator()(std::exception_ptr e) const {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{} failed: {}", what, ex.what());
    }
}

std::int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

SseSession::SseSession(tcp::socket socket, Broadcaster& broadcaster, SseCounters& counters, std::string tz)
    : Subscriber(std::move(tz)), socket_(std::move(socket)), b_(broadcaster), counters_(counters) {
    ++counters_.opened;
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.set_option(net::socket_base::send_buffer_size(kSendBuffer), ec);
    socket_.non_blocking(true, ec);
    last_write_ms = steady_now_ms();
}

SseSession::~SseSession() {
    if (subscribed_) b_.unsubscribe(this);
    counters_.active.fetch_sub(1, std::memory_order_relaxed);
    ++counters_.closed;
}

void SseSession::prepare(std::string preamble, std::uint64_t start_seq, std::optional<Watermark> base, bool resync) {
    preamble_ = std::make_shared<const std::string>(std::move(preamble));
    next_seq_ = start_seq;
    base_ = base;
    if (resync) control_slot(ControlSlot::Resync) = resync_frame("replay_window_exceeded");
}

net::awaitable<void> SseSession::serve(std::shared_ptr<SseSession> self) {
    // Only `self` lives in this frame: with 10,000 idle streams each byte here counts 10,000 times.
    if (self->b_.closed()) {  // the server began to stop while this stream was being set up
        self->stop();
        co_return;
    }
    self->b_.subscribe(self.get());
    self->subscribed_ = true;
    self->send_now(std::move(self->preamble_));
    // The replay (Last-Event-ID) and a resync go out on the strand's next turn, not now: in a reconnect
    // storm every client gets its `ready` before the replays, which are most of the storm's work.
    self->pump_later();
    while (!self->closed_) {
        auto [ec, n] = co_await self->socket_.async_read_some(net::buffer(self->read_buf_),
                                                              net::as_tuple(net::use_awaitable));
        self->read_total_ += n;
        if (ec || self->read_total_ > kTalkLimit) break;
    }
    self->stop();
}

net::awaitable<void> SseSession::write_out(std::shared_ptr<SseSession> self) {
    SseSession& s = *self;
    while (s.writing_ && !s.closed_) {
        auto [ec, n] = co_await net::async_write(s.socket_, s.buffers_, net::as_tuple(net::use_awaitable));
        s.counters_.bytes += n;
        s.writing_ = false;
        s.write_started_ms = 0;
        s.inflight_.clear();
        s.buffers_.clear();
        s.last_write_ms = steady_now_ms();
        if (ec) {
            if (ec != net::error::operation_aborted) ++s.counters_.write_errors;
            s.stop();
            break;
        }
        s.pump();  // what arrived while the write was under way; may leave another write (writing_)
    }
    s.writer_running_ = false;
}

void SseSession::stop() {
    if (closed_) return;
    closed_ = true;
    if (subscribed_) {
        b_.unsubscribe(this);
        subscribed_ = false;
    }
    boost::system::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
}

void SseSession::end(End why) {
    if (why == End::Stalled) {
        ++counters_.stalled;
        // Reset, not FIN: a FIN would queue behind the unsent bytes of a reader that stopped, and the kernel
        // would keep the orphaned socket and its full send buffer for minutes.
        boost::system::error_code ec;
        socket_.set_option(net::socket_base::linger(true, 0), ec);
    }
    stop();
}

void SseSession::on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) {
    if (closed_ || writing_) return;  // the writer pulls the new frames when its write completes
    if (next_seq_ == first && first < end && end == b_.ring().end_seq() && joined && !base_ && !control_pending()) {
        next_seq_ = end;
        ++counters_.frames_direct;
        send_now(joined);
        return;
    }
    pump();
}

void SseSession::send_now(std::shared_ptr<const std::string> bytes) {
    boost::system::error_code ec;
    const std::size_t n = socket_.write_some(net::buffer(*bytes), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) {
        ++counters_.write_errors;
        stop();
        return;
    }
    counters_.bytes += n;
    last_write_ms = steady_now_ms();
    if (n == bytes->size()) return;
    buffers_.assign(1, net::buffer(*bytes) + n);
    inflight_.assign(1, std::move(bytes));
    go_async();
}

void SseSession::go_async() {
    writing_ = true;
    write_started_ms = steady_now_ms();
    ++counters_.writes_async;
    if (writer_running_) return;  // its loop takes this write next
    writer_running_ = true;
    net::co_spawn(b_.strand(), write_out(shared_from_this()), LogIfThrown{"stream writer"});
}

void SseSession::pump_later() {
    net::post(b_.strand(), [self = shared_from_this()] {
        if (!self->writing_ && !self->closed_) self->pump();
    });
}

std::shared_ptr<const std::string> SseSession::resync_frame(std::string_view reason) {
    ++counters_.resyncs;
    ++b_.stats().resyncs;
    boost::json::object p;
    p["reason"] = reason;
    p["watermarks"] = watermark_payload(b_.head());
    const std::string_view type = event_name(StreamEvent::Resync);
    return std::make_shared<const std::string>(sse_frame(type, b_.head().to_string(), sse_data_json(type, p, now_epoch_ms())));
}

void SseSession::pump() {
    // Each round gathers what the client lacks and tries a non-blocking write; the first write the socket
    // does not take whole goes to the writer coroutine (its completion pumps again).
    for (int round = 0; round < kPumpRounds && !writing_ && !closed_; ++round) {
        if (!gather()) return;
        std::size_t total = 0;
        for (const auto& b : buffers_) total += b.size();
        boost::system::error_code ec;
        std::size_t n = socket_.write_some(buffers_, ec);
        if (ec == net::error::would_block || ec == net::error::try_again) {
            ec = {};
            n = 0;
        }
        if (ec) {
            ++counters_.write_errors;
            stop();
            return;
        }
        counters_.bytes += n;
        ++counters_.writes_gathered;
        last_write_ms = steady_now_ms();
        if (n < total) {
            // Drop what was written from the front of the gather and leave the rest to the coroutine.
            std::size_t skip = 0;
            while (skip < buffers_.size() && n >= buffers_[skip].size()) n -= buffers_[skip++].size();
            buffers_.erase(buffers_.begin(), buffers_.begin() + static_cast<std::ptrdiff_t>(skip));
            if (!buffers_.empty()) buffers_[0] += n;
            for (const auto* s : borrowed_) inflight_.push_back(*s);  // now they must outlive this call
            borrowed_.clear();
            go_async();
            return;
        }
    }
    if (!writing_ && !closed_ && (next_seq_ < b_.ring().end_seq() || control_pending())) {
        // Still more after kPumpRounds full writes (a long replay): continue on the strand's next turn.
        pump_later();
    }
}

bool SseSession::gather() {
    buffers_.clear();
    inflight_.clear();
    borrowed_.clear();
    std::size_t bytes = 0;
    auto add = [&](std::shared_ptr<const std::string> s) {  // a frame only this client has
        bytes += s->size();
        buffers_.push_back(net::buffer(*s));
        inflight_.push_back(std::move(s));
    };
    // Ring frames and batches stay alive while the write is synchronous: no reference counting per frame
    // per client unless the write goes asynchronous (pump() then copies the references into inflight_).
    auto borrow = [&](const std::shared_ptr<const std::string>& s) {
        bytes += s->size();
        buffers_.push_back(net::buffer(*s));
        borrowed_.push_back(&s);
    };
    const FrameRing& ring = b_.ring();
    if (next_seq_ < ring.begin_seq()) {
        // The ring moved past this client: say so, and go on from now.
        control_slot(ControlSlot::Resync) = resync_frame("fell_behind");
        next_seq_ = ring.end_seq();
        base_.reset();
    }
    for (auto& c : control) {
        if (c) add(std::move(c));
        c.reset();
    }
    if (!base_) {
        // Usually the client stands where a batch begins (it had everything at its last visit): take whole
        // batches, one buffer each, instead of their frames one by one.
        const auto& recent = b_.recent_batches();
        auto it = std::lower_bound(recent.begin(), recent.end(), next_seq_,
                                   [](const BatchRef& r, std::uint64_t seq) { return r.first < seq; });
        for (; it != recent.end() && it->first == next_seq_ && bytes < kGatherBytes && buffers_.size() < kGatherFrames;
             ++it) {
            borrow(it->joined);
            next_seq_ = it->end;
        }
    }
    while (next_seq_ < ring.end_seq() && bytes < kGatherBytes && buffers_.size() < kGatherFrames) {
        const RingFrame& f = ring.at(next_seq_++);
        if (base_) {
            if (f.key <= (*base_)[f.stream]) continue;  // the client has it already
            if (!base_->covered_by(f.composite)) {
                add(std::make_shared<const std::string>(f.with_id(base_->max_with(f.composite))));
                continue;
            }
            base_.reset();
        }
        borrow(f.bytes);
    }
    if (next_seq_ == ring.end_seq() && base_ && base_->covered_by(b_.head())) base_.reset();
    return !buffers_.empty();
}

}  // namespace agentpulse
