// See SseSession.hpp. Everything here runs on the io thread.
#include "http/SseSession.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/SseFrame.hpp"
#include "live/LiveFrames.hpp"

namespace agentpulse {
namespace net = boost::asio;
using tcp = net::ip::tcp;

namespace {
constexpr std::size_t kGatherBytes = 64 * 1024;  // most bytes in one write, and in flight per client
constexpr std::size_t kGatherFrames = 512;
constexpr int kSendBuffer = 64 * 1024;  // the kernel doubles it: ~128 KB queued per stalled client at most
}  // namespace

std::int64_t steady_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

SseSession::SseSession(tcp::socket socket, Broadcaster& broadcaster, SseCounters& counters, std::string tz)
    : socket_(std::move(socket)), b_(broadcaster), counters_(counters) {
    tz_ = std::move(tz);
    ++counters_.active;
    ++counters_.opened;
    boost::system::error_code ec;
    socket_.set_option(tcp::no_delay(true), ec);
    socket_.set_option(net::socket_base::send_buffer_size(kSendBuffer), ec);
    socket_.non_blocking(true, ec);
    last_write_ms_ = steady_now_ms();
}

SseSession::~SseSession() {
    if (subscribed_) b_.unsubscribe(this);
    --counters_.active;
    ++counters_.closed;
}

void SseSession::start(std::string preamble, std::uint64_t start_seq, std::optional<Watermark> base, bool resync) {
    next_seq_ = start_seq;
    base_ = base;
    if (resync) control_[static_cast<std::size_t>(ControlSlot::Resync)] = resync_frame("replay_window_exceeded");
    b_.subscribe(this);
    subscribed_ = true;
    net::co_spawn(socket_.get_executor(), read_until_closed(), [self = shared_from_this()](std::exception_ptr e) {
        if (e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("sse session reader failed: {}", ex.what());
            }
        }
    });
    send_now(std::make_shared<const std::string>(std::move(preamble)));
}

net::awaitable<void> SseSession::read_until_closed() {
    auto self = shared_from_this();
    char buf[256];
    std::size_t total = 0;
    for (;;) {
        auto [ec, n] = co_await socket_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
        if (ec) break;
        total += n;
        if (total > 64 * 1024) break;  // a stream client has nothing to say; one that talks is hostile
    }
    stop();
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

void SseSession::on_stalled() {
    ++counters_.stalled;
    stop();
}

std::int64_t SseSession::write_pending_ms(std::int64_t now_ms) const { return writing_ ? now_ms - write_started_ms_ : 0; }
std::int64_t SseSession::idle_ms(std::int64_t now_ms) const { return writing_ ? 0 : now_ms - last_write_ms_; }

bool SseSession::control_pending() const {
    for (const auto& c : control_)
        if (c) return true;
    return false;
}

bool SseSession::caught_up() const { return next_seq_ == b_.ring().end_seq() && !base_ && !control_pending(); }

void SseSession::on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) {
    if (closed_ || writing_) return;  // a write in progress pulls the new frames when it completes
    if (next_seq_ == first && !base_ && !control_pending()) {
        next_seq_ = end;
        ++counters_.frames_direct;
        send_now(joined);
        return;
    }
    pump();
}

void SseSession::on_control(ControlSlot slot, const std::shared_ptr<const std::string>& frame) {
    if (closed_) return;
    if (!writing_ && caught_up()) {
        send_now(frame);
        return;
    }
    control_[static_cast<std::size_t>(slot)] = frame;
    if (!writing_) pump();
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
    last_write_ms_ = steady_now_ms();
    if (n == bytes->size()) return;
    buffers_.assign(1, net::buffer(*bytes) + n);
    inflight_.assign(1, std::move(bytes));
    write_async();
}

std::shared_ptr<const std::string> SseSession::resync_frame(std::string_view reason) {
    ++counters_.resyncs;
    ++b_.stats().resyncs;
    boost::json::object p;
    p["reason"] = reason;
    p["watermarks"] = watermark_payload(b_.head());
    const std::string data = sse_data_json("resync", p, now_epoch_ms());
    return std::make_shared<const std::string>(sse_frame("resync", b_.head().to_string(), data));
}

void SseSession::pump() {
    if (writing_ || closed_) return;
    buffers_.clear();
    inflight_.clear();
    std::size_t bytes = 0;
    auto add = [&](std::shared_ptr<const std::string> s) {
        bytes += s->size();
        buffers_.push_back(net::buffer(*s));
        inflight_.push_back(std::move(s));
    };
    const FrameRing& ring = b_.ring();
    if (next_seq_ < ring.begin_seq()) {
        // The ring moved past this client: say so, and go on from now.
        control_[static_cast<std::size_t>(ControlSlot::Resync)] = resync_frame("fell_behind");
        next_seq_ = ring.end_seq();
        base_.reset();
    }
    for (auto& c : control_) {
        if (c) add(std::move(c));
        c.reset();
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
        add(f.bytes);
    }
    if (next_seq_ == ring.end_seq() && base_ && base_->covered_by(b_.head())) base_.reset();
    if (buffers_.empty()) return;
    write_async();
}

void SseSession::write_async() {
    writing_ = true;
    write_started_ms_ = steady_now_ms();
    ++counters_.writes_async;
    net::async_write(socket_, buffers_, [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
        self->counters_.bytes += n;
        self->on_written(ec);
    });
}

void SseSession::on_written(const boost::system::error_code& ec) {
    writing_ = false;
    inflight_.clear();
    buffers_.clear();
    last_write_ms_ = steady_now_ms();
    if (ec) {
        if (ec != net::error::operation_aborted) ++counters_.write_errors;
        stop();
        return;
    }
    pump();
}

}  // namespace agentpulse
