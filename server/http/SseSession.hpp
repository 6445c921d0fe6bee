// One Server-Sent Events client, served by one coroutine (serve) on the broadcaster's strand that owns its
// life: it sends the preamble, subscribes, keeps one read pending (so a disconnect or reset is noticed at
// once), and writes whatever could not go out at once, waking on a timer used as a condition variable. The
// fast path needs no wake: a client that keeps up gets each batch written straight from the broadcaster's
// visit (non-blocking send, no queue); one that is behind pulls frames from the shared ring as its socket
// drains, and gets `resync` if the ring moved past it. Per-client memory: the socket, the coroutine's frame,
// its timer and at most one in-flight gather of ring frames.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <array>
#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include "live/Broadcaster.hpp"
#include "live/Tally.hpp"

namespace agentpulse {

struct SseCounters;

class SseSession final : public Subscriber, public std::enable_shared_from_this<SseSession> {
public:
    // The server counted the stream in counters.active when it handed the socket over; the session gives
    // it back when it is destroyed.
    SseSession(boost::asio::ip::tcp::socket socket, Broadcaster& broadcaster, SseCounters& counters, std::string tz);
    ~SseSession() override;

    // The session's life; co_spawn it on the broadcaster's strand. Sends `preamble` (HTTP header, retry,
    // ready and the latest control frames), subscribes, and streams from ring sequence `start_seq` until
    // the client leaves or the server stops. `base`: the client's watermark when it resumed (frames it
    // already has are skipped, and ids never go below it). `resync`: tell it first that rows were skipped.
    static boost::asio::awaitable<void> serve(std::shared_ptr<SseSession> self, std::string preamble,
                                              std::uint64_t start_seq, std::optional<Watermark> base, bool resync);
    // Ends the stream (graceful: the client sees EOF) and wakes the coroutine, which then returns. Idempotent.
    void stop();

    void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) override;
    void end(End why) override;

private:
    void read_some();
    void wake() { wake_.cancel(); }
    // Writes what the client lacks with non-blocking sends; a send the socket does not take whole leaves
    // the rest for the coroutine (mark_async), as does a long replay (pump_due_).
    void pump();
    // Fills buffers_/inflight_ with control frames and the ring frames the client lacks (at most
    // kGatherBytes / kGatherFrames). False when there is nothing to send.
    bool gather();
    // Tries a non-blocking send of the whole buffer; the rest, if any, goes to the coroutine.
    void send_now(std::shared_ptr<const std::string> bytes);
    void mark_async();
    std::shared_ptr<const std::string> resync_frame(std::string_view reason);

    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer wake_;  // never expires: cancel() is the notify
    Broadcaster& b_;
    SseCounters& counters_;
    std::uint64_t next_seq_ = 0;
    std::optional<Watermark> base_;
    bool writing_ = false;    // buffers_ hold a write the coroutine owns until it completes
    bool pump_due_ = false;   // more to send after this strand turn (a replay, a long catch-up)
    bool closed_ = false, subscribed_ = false;
    std::vector<std::shared_ptr<const std::string>> inflight_;  // keeps gathered frames alive
    std::vector<const std::shared_ptr<const std::string>*> borrowed_;  // ring frames of a synchronous write
    std::vector<boost::asio::const_buffer> buffers_;
    std::array<char, 32> read_buf_{};
    std::size_t read_total_ = 0;
};

// Shared by all sessions (written on the broadcaster's strand), read by /metrics and /healthz from any
// thread. `active` is also counted up by the server when it hands a stream over (its connection cap).
struct SseCounters {
    std::atomic<std::uint64_t> active{0};
    Tally opened, closed, frames_direct, writes_async, resyncs, write_errors, stalled;
    Tally writes_gathered;  // non-blocking gathered writes (catch-up, control frames, replay)
    Tally bytes;
};

std::int64_t steady_now_ms();

}  // namespace agentpulse
