// One Server-Sent Events client. It keeps one read pending, so a disconnect or reset is
// noticed at once and the session unsubscribes and frees itself. Writes need no coroutine: a client that
// keeps up gets each batch written straight from the broadcaster (non-blocking send, no queue, no wake);
// one that is behind pulls frames from the shared ring as its socket drains, and gets `resync` if the ring
// moved past it. Per-client memory: the socket and at most one in-flight gather of ring frames.
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <array>
#include <memory>
#include <optional>
#include <vector>

#include "live/Broadcaster.hpp"

namespace agentpulse {

struct SseCounters;

class SseSession final : public Subscriber, public std::enable_shared_from_this<SseSession> {
public:
    SseSession(boost::asio::ip::tcp::socket socket, Broadcaster& broadcaster, SseCounters& counters, std::string tz);
    ~SseSession() override;

    // Sends `preamble` (HTTP header, retry, ready and the latest control frames), subscribes, and starts
    // streaming from ring sequence `start_seq`. `base`: the client's watermark when it resumed (frames it
    // already has are skipped, and ids never go below it). `resync`: tell it first that rows were skipped.
    void start(std::string preamble, std::uint64_t start_seq, std::optional<Watermark> base, bool resync);
    // Ends the stream (graceful: the client sees EOF). Idempotent.
    void stop();

    void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) override;
    void on_control(ControlSlot slot, const std::shared_ptr<const std::string>& frame) override;
    void on_stalled() override;
    void close() override { stop(); }
    std::int64_t write_pending_ms(std::int64_t now_ms) const override;
    std::int64_t idle_ms(std::int64_t now_ms) const override;

private:
    void read_some();
    void pump();
    // Fills buffers_/inflight_ with control frames and the ring frames the client lacks (at most
    // kGatherBytes / kGatherFrames). False when there is nothing to send.
    bool gather();
    bool control_pending() const;
    // Tries a non-blocking send of the whole buffer; the rest, if any, goes out asynchronously.
    void send_now(std::shared_ptr<const std::string> bytes);
    void write_async();
    void on_written(const boost::system::error_code& ec);
    std::shared_ptr<const std::string> resync_frame(std::string_view reason);

    boost::asio::ip::tcp::socket socket_;
    Broadcaster& b_;
    SseCounters& counters_;
    std::uint64_t next_seq_ = 0;
    std::optional<Watermark> base_;
    std::array<std::shared_ptr<const std::string>, static_cast<std::size_t>(ControlSlot::Count)> control_;
    bool writing_ = false, closed_ = false, subscribed_ = false;
    std::int64_t write_started_ms_ = 0, last_write_ms_ = 0;
    std::vector<std::shared_ptr<const std::string>> inflight_;  // keeps gathered frames alive
    std::vector<const std::shared_ptr<const std::string>*> borrowed_;  // ring frames of a synchronous write
    std::vector<boost::asio::const_buffer> buffers_;
    std::array<char, 32> read_buf_{};
    std::size_t read_total_ = 0;
};

// Shared by all sessions (io thread only), read by /metrics.
struct SseCounters {
    std::uint64_t active = 0, opened = 0, closed = 0, frames_direct = 0, writes_async = 0, resyncs = 0,
                  write_errors = 0, stalled = 0;
    std::uint64_t writes_gathered = 0;  // non-blocking gathered writes (catch-up, control frames, replay)
    std::uint64_t bytes = 0;
};

std::int64_t steady_now_ms();

}  // namespace agentpulse
