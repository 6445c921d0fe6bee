// Maps a request to what answers it: an immediate response, a snapshot computed on the poller thread,
// a report run on the query pool, or the live stream. Auth, 404 and 405 are decided here. No Beast, no sockets: tested directly.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "core/Watermark.hpp"
#include "http/HttpMessage.hpp"
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

using Route = std::variant<HttpResponse, PollerRoute, StreamRoute, QueryRoute>;

// Runs a report on a pool thread (call it there) and answers with its response, or with 503 / 500 when the
// pool is stopped or the store read failed.
HttpResponse run_query(QueryPool& pool, const QueryRoute& r);

Route route(const HttpRequest& req, ServerContext& ctx);
// What a connection does with a request read off the wire: splits its target into req.path and req.query
// (400 when malformed), then route().
Route route_request(HttpRequest& req, ServerContext& ctx);

}  // namespace agentpulse
