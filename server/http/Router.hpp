// Maps a request to what answers it: an immediate response, a snapshot computed on the poller thread,
// a report run on the query pool, or the live stream. Auth, 404 and 405 are decided here. No Beast, no sockets: tested directly.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "core/Watermark.hpp"
#include "http/HttpMessage.hpp"
#include "http/OtlpReceiver.hpp"
#include "http/ServerContext.hpp"
#include "report/ReportQueries.hpp"

namespace agentpulse {

struct StreamRoute {
    std::optional<Watermark> from;  // Last-Event-ID, else ?since=; garbage is ignored
    std::string tz = "UTC";
    std::string tz_error;
};

// Runs on the poller thread (it reads the poller's aggregates and its store connection).
struct PollerRoute {
    std::function<HttpResponse(Poller&)> run;
};

// Runs on a query-pool thread with that thread's read-only connection (the dashboard's reports).
struct QueryRoute {
    std::function<HttpResponse(ReportQueries&)> run;
};

using Route = std::variant<HttpResponse, PollerRoute, StreamRoute, QueryRoute, OtlpWrite>;

// Runs a report on a pool thread (call it there) and answers with its response, or with 503 / 500 when the
// pool is stopped or the store read failed.
HttpResponse run_query(QueryPool& pool, const QueryRoute& r);

Route route(const HttpRequest& req, ServerContext& ctx);
// The OTLP listener's routes (ctx.otlp set): POST /v1/logs, /v1/metrics, /v1/traces (OtlpReceiver.cpp).
// Takes the request's body.
Route route_otlp(HttpRequest& req, ServerContext& ctx);
// The answer to an OtlpWrite once the store said how it went (null: it did not say in time).
HttpResponse otlp_write_answer(const OtlpWrite& w, const InboxOutcome* outcome, OtlpCounters& counters);
// The answer when the inbox did not take the job: 429 while it is full, 503 once it is closed.
HttpResponse otlp_busy_answer(const OtlpWrite& w, bool closed, OtlpCounters& counters);
// What a connection does with a request read off the wire: splits its target into req.path and req.query
// (400 when malformed), then route().
Route route_request(HttpRequest& req, ServerContext& ctx);

}  // namespace agentpulse
