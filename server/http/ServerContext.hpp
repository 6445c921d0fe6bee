// What the HTTP layer needs from the rest of the server, gathered in one place by ServeCommand.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/Redactor.hpp"
#include "http/OtlpReceiver.hpp"
#include "http/SseSession.hpp"
#include "http/StaticFiles.hpp"
#include "model/IngestStats.hpp"
#include "live/Broadcaster.hpp"
#include "live/Poller.hpp"
#include "report/QueryPool.hpp"
#include "report/ReportJson.hpp"

namespace agentpulse {

struct ServerLimits {
    std::size_t max_connections = 19'000;        // the process may hold 20,000 files
    std::size_t header_limit = 16 * 1024;       // request line + headers, else 431
    std::size_t target_limit = 8 * 1024;        // the request target alone, else 414
    std::size_t body_limit = 16 * 1024;
    std::int64_t request_timeout_ms = 10'000;    // to receive a whole request (slowloris)
    std::int64_t keepalive_timeout_ms = 30'000;  // idle between requests
    std::int64_t heartbeat_ms = 15'000;          // SSE comment to idle streams
    std::int64_t stall_ms = 15'000;              // a write pending this long drops the client
    std::int64_t retry_ms = 1'000;               // SSE retry: how long a dropped stream waits to reconnect
};

struct ServerContext {
    Broadcaster& broadcaster;
    Poller& poller;
    SseCounters sse;
    StaticFiles static_files;
    std::string token;
    ServerLimits limits;
    const IngestStats* ingest = nullptr;  // embedded watcher's counters, when there is one
    std::atomic<std::uint64_t> connections{0};  // open HTTP connections not (yet) streams; + sse.active = all
    Tally rejected;                             // refused with 503 at the cap (by the accept loop)
    std::int64_t started_ms = 0;
    QueryPool* queries = nullptr;            // dashboard reports (Overview, Sessions); null = 503
    const ServeInfo* info = nullptr;         // what /api/config reports (watched roots, demo)
    std::shared_ptr<const PriceBook> prices; // for the money cache saved
    int io_threads = 1;                      // threads running the io_context (HttpServer's strands)
    bool loopback_only = false;              // bound to a loopback address: see host_allowed_without_token (Auth.hpp)
    OtlpReceiver* otlp = nullptr;            // set on the OTLP listener's context: it answers only /v1/*
    const OtlpCounters* otlp_counters = nullptr;  // the receiver's counters, for /metrics (null: no receiver)
    const Redactor* redactor = nullptr;      // masks secrets in transcript text (viewer, search); null = 503
    // /api/alerts: the configured rules and channels (alert_rules_json); null = none configured.
    std::shared_ptr<const boost::json::value> alert_config;
};

}  // namespace agentpulse
