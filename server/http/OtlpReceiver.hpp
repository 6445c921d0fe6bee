// The OTLP/HTTP receiver's side of the HTTP layer (serve --otlp-listen): what a POST to /v1/logs,
// /v1/metrics or /v1/traces becomes, and its counters (in /metrics). Decoding and mapping are otlp/'s;
// the rows go to the store through the watcher's writer (BatchInbox), and the request is answered once
// they are committed. docs/otlp.md describes the endpoints and every answer.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "ingest/BatchInbox.hpp"
#include "otlp/OtlpDecode.hpp"

namespace agentpulse {

struct OtlpCounters {
    std::array<std::atomic<std::uint64_t>, 3> requests{};  // accepted requests, by signal (OtlpSignal order)
    std::array<std::atomic<std::uint64_t>, 3> items{};     // log records, data points, spans received
    std::array<std::atomic<std::uint64_t>, 2> encodings{}; // accepted requests, by encoding (OtlpEncoding order)
    std::atomic<std::uint64_t> gzip_requests{0};           // accepted requests whose body was gzip
    std::atomic<std::uint64_t> records_mapped{0};          // log records that became store records
    std::atomic<std::uint64_t> records_rejected{0};        // partial success: known events unusable
    std::atomic<std::uint64_t> rows_written{0};            // rows added or changed in the store
    std::atomic<std::uint64_t> refused_malformed{0}, refused_too_large{0}, refused_media_type{0},
        refused_unauthorized{0}, refused_busy{0}, refused_store{0};

    // Events not mapped, by name (at most kMaxNames names; the rest count under "(other)").
    void count_dropped(const std::map<std::string, std::int64_t>& by_name);
    std::map<std::string, std::uint64_t> dropped() const;
    static constexpr std::size_t kMaxNames = 200;

private:
    mutable std::mutex mu_;
    std::map<std::string, std::uint64_t> dropped_;
};

struct OtlpReceiver {
    BatchInbox& inbox;
    OtlpCounters& counters;
    std::size_t max_inflated = 64 * 1024 * 1024;  // a gzip body may not inflate past this (else 413)
    std::int64_t commit_wait_ms = 10'000;          // for the store's commit, else 503 (the write still lands)
};

// A request whose records go to the store: the job to queue, and the answer once it is committed.
struct OtlpWrite {
    InboxJob job;  // done() is set by the server
    OtlpSignal signal = OtlpSignal::Logs;
    OtlpEncoding encoding = OtlpEncoding::Protobuf;
    std::int64_t rejected = 0;
    std::string message;
};

// Prometheus text for /metrics.
std::string otlp_metrics(const OtlpCounters& c);

}  // namespace agentpulse
