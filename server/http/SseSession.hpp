// One Server-Sent Events client, served by coroutines on the broadcaster's strand. The session's own
// coroutine (serve) owns its life: it sends the preamble, subscribes, and keeps one read pending, so a
// disconnect or reset is noticed at once and ends the session. A client that keeps up gets each batch
// written straight from the broadcaster's visit (a non-blocking send: no queue, no wake); a send the socket
// does not take whole starts the writer coroutine (write_out), which finishes it and pulls whatever the
// client lacks from the shared ring as its socket drains, then returns; `resync` if the ring moved past it.
// Per idle client: the socket, the reader coroutine and its pending read; a client behind adds the writer
// and at most one in-flight gather of ring frames.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <array>
#include <atomic>
#include <exception>
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

    // Where the stream starts, before serve: `preamble` (HTTP header, retry, ready and the latest control
    // frames), ring sequence `start_seq`; `base`: the client's watermark when it resumed (frames it
    // already has are skipped, and ids never go below it); `resync`: tell it first that rows were skipped.
    void prepare(std::string preamble, std::uint64_t start_seq, std::optional<Watermark> base, bool resync);
    // The session's life; co_spawn it on the broadcaster's strand. Subscribes, sends the preamble and
    // streams until the client leaves (its read ends) or the server stops (stop() closes the socket).
    static boost::asio::awaitable<void> serve(std::shared_ptr<SseSession> self);
    // Ends the stream (graceful: the client sees EOF); the coroutines then return. Idempotent.
    void stop();

    void on_frames(std::uint64_t first, std::uint64_t end, const std::shared_ptr<const std::string>& joined) override;
    void end(End why) override;

private:
    // Finishes the send the socket did not take whole, then writes what the client still lacks; returns
    // when it has caught up (or the session ends).
    static boost::asio::awaitable<void> write_out(std::shared_ptr<SseSession> self);
    // Writes what the client lacks with non-blocking sends; a send the socket does not take whole goes to
    // the writer coroutine (go_async); a long replay continues on the strand's next turn.
    void pump();
    void pump_later();
    // Fills buffers_/inflight_ with control frames and the ring frames the client lacks (at most
    // kGatherBytes / kGatherFrames). False when there is nothing to send.
    bool gather();
    // Tries a non-blocking send of the whole buffer; the rest, if any, goes to the writer coroutine.
    void send_now(std::shared_ptr<const std::string> bytes);
    void go_async();
    std::shared_ptr<const std::string> resync_frame(std::string_view reason);

    boost::asio::ip::tcp::socket socket_;
    Broadcaster& b_;
    SseCounters& counters_;
    std::uint64_t next_seq_ = 0;
    std::optional<Watermark> base_;
    std::shared_ptr<const std::string> preamble_;  // until serve sends it
    bool writing_ = false;         // buffers_ hold a write the writer coroutine owns until it completes
    bool writer_running_ = false;  // write_out is spawned (it loops while writing_)
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

// A co_spawn completion handler that logs what the coroutine `what` threw (nothing when it returned).
struct LogIfThrown {
    const char* what;
    void operator()(std::exception_ptr e) const;
};

}  // namespace agentpulse
