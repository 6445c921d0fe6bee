// The subscriber side of the load harness: one single-threaded epoll loop holding up to ~19,000
// EventSource-style streams (the process may open 20,000 files), opened at a paced rate from many
// 127.x.y.z source addresses. It checks that every client sees every usage id once and in order, times
// each row from its commit stamp to receipt, reconnects with Last-Event-ID like a browser, and can make
// some clients stop reading (the stalled-client scenario).
#pragma once

#include <cstdint>
#include <queue>
#include <string>
#include <unordered_map>
#include <vector>

#include "LatencyHdr.hpp"
#include "SseStreamParser.hpp"

namespace agentpulse::load {

struct PoolOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    std::string path = "/api/live/stream";
    int clients = 1;
    double connect_rate = 2000;    // new connections per second
    std::uint32_t source_base = 0;  // first source address (host order); 0 = 127.10.0.1
    int per_source = 100;           // connections per source address
    double duration_s = 60;         // hard bound on the whole run
    int reconnect_ms = -1;          // delay before reconnecting; -1 = the server's `retry:`
    int reconnect_jitter_ms = 500;  // plus a uniform random part, like browsers spreading out
    int attempt_timeout_ms = 15000; // no `ready` this long after connect(): give up and retry
    int stall_count = 0;            // the first N clients stop reading ...
    int stall_after_ms = 2000;      // ... this long after their `ready`
    std::string ready_file;         // written once every client has had its first `ready`
    std::string stop_file;          // the run ends when this file appears
    std::string until_file;         // holds a usage id: the run ends once every healthy client has it
    std::string result_file;
    bool verbose = false;
};

class SubscriberPool {
public:
    explicit SubscriberPool(PoolOptions opts);
    ~SubscriberPool();
    // Runs until the duration, a stop file or SIGINT/SIGTERM; writes the result file. Returns 0 on
    // success (the checks are judged by the caller), 1 when the run could not be made at all.
    int run();

private:
    enum class St : std::uint8_t { Idle, Connecting, Requesting, Streaming, Stalled, Dropped };
    struct Conn {
        int fd = -1;
        St st = St::Idle;
        bool ever_ready = false, stall = false, after_resync = false, reached = false;
        SseStreamParser parser;
        std::int64_t first_usage = -1, last_usage = -1;
        std::uint64_t usage_count = 0;
        std::uint32_t gaps = 0, dups = 0, resyncs = 0, reconnects = 0;
        std::int64_t attempt_ns = 0;   // monotonic: when the current connection attempt began
        std::int64_t stall_at_ns = 0;  // monotonic: when it stops reading
        std::int64_t stalled_ns = 0;   // monotonic: when it stopped reading
    };

    void open(std::size_t i);
    void on_writable(std::size_t i);
    void on_readable(std::size_t i, std::int64_t now_wall);
    void on_message(std::size_t i, const SseMessage& m, std::int64_t now_wall);
    void close_conn(std::size_t i, bool reconnect);
    void schedule_reconnect(std::size_t i);
    void stall(std::size_t i);
    std::uint32_t source_of(std::size_t i) const;
    void note_streaming_change();
    void progress(std::int64_t now_mono);
    bool write_results();

    PoolOptions o_;
    int ep_ = -1;
    std::vector<Conn> conns_;
    using Due = std::pair<std::int64_t, std::size_t>;  // monotonic ns, client index
    std::priority_queue<Due, std::vector<Due>, std::greater<>> reconnect_q_;
    std::vector<char> buf_;
    std::uint64_t rng_ = 0x9e3779b97f4a7c15ULL;

    // Counters.
    std::size_t opened_ = 0, first_ready_ = 0, streaming_ = 0, healthy_target_ = 0;
    std::uint64_t connect_failures_ = 0, http_failures_ = 0, disconnects_ = 0, reconnects_ = 0;
    std::uint64_t http_closed_ = 0, http_status_ = 0, attempt_timeouts_ = 0;  // kinds of http_failures_
    int last_bad_status_ = 0;
    std::uint64_t deliveries_ = 0, events_ = 0, bytes_ = 0, resyncs_ = 0, skipped_by_resync_ = 0;
    std::uint64_t gaps_ = 0, gap_events_ = 0, dups_ = 0, stamped_ = 0, heartbeats_ = 0, control_frames_ = 0;
    std::int64_t first_delivery_ns_ = 0, last_delivery_ns_ = 0;
    std::int64_t all_ready_ns_ = 0;
    // Outages: time from the first healthy stream lost to every healthy stream back (reconnect storm).
    bool all_streaming_seen_ = false, in_outage_ = false;
    std::int64_t outage_start_ns_ = 0, last_recovery_ns_ = 0, max_outage_ns_ = 0, first_outage_ns_ = 0;
    std::int64_t outage_first_attempt_ns_ = 0;  // first reconnect attempt of the last outage (wall)
    std::uint64_t outages_ = 0;
    std::size_t stalled_ = 0, stalled_dropped_ = 0;
    std::int64_t stall_drop_ms_max_ = 0, stall_drop_ms_min_ = -1;
    LatencyHdr latency_;
    std::unordered_map<std::int64_t, std::uint64_t> row_last_us_;  // per usage id: its slowest client
    // Per second since the first delivery: deliveries and the slowest one (to see when a tail happened).
    std::vector<std::pair<std::uint64_t, std::uint64_t>> per_second_;
    std::size_t max_held_ = 0;
    std::int64_t until_id_ = -1;  // from until_file
    std::size_t reached_ = 0;     // healthy clients that have until_id_
};

}  // namespace agentpulse::load
