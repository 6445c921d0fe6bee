// See Router.hpp. Every /api route and /metrics require the token when one is configured; /healthz and
// the dashboard's static files do not (the page itself carries no data).
#include "http/Router.hpp"

#include <boost/json.hpp>

#include "core/ZonedCalendar.hpp"
#include "http/Auth.hpp"
#include "http/Metrics.hpp"
#include "http/ReportRoutes.hpp"
#include "http/TranscriptRoutes.hpp"

namespace agentpulse {

namespace {

HttpResponse healthz(const ServerContext& ctx) {
    boost::json::object o;
    o["status"] = "ok";
    o["version"] = AGENTPULSE_VERSION;
    o["subscribers"] = ctx.sse.active.load();
    o["watcher"] = ctx.poller.watcher_state().state;
    return HttpResponse::json(boost::json::serialize(o));
}

int int_param(const HttpRequest& req, const std::string& key, int fallback, int lo, int hi) {
    const std::string v = req.param(key);
    if (v.empty()) return fallback;
    try {
        std::size_t used = 0;
        const int n = std::stoi(v, &used);
        if (used != v.size()) return fallback;
        return std::clamp(n, lo, hi);
    } catch (const std::exception&) {
        return fallback;
    }
}

}  // namespace

// One piece on purpose: it is the route table, read top to bottom (method, auth, then each path).
Route route(const HttpRequest& req, ServerContext& ctx) {
    const bool read_method = req.method == "GET" || req.method == "HEAD";
    const bool api = req.path == "/metrics" || req.path == "/api" || req.path.starts_with("/api/");
    if (!read_method) {
        HttpResponse r = HttpResponse::error(405, "method not allowed: this server only answers GET and HEAD");
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    if (req.path == "/healthz") return healthz(ctx);
    if (!api) return ctx.static_files.serve(req);
    if (ctx.loopback_only && ctx.token.empty() && !host_allowed_without_token(req.host)) {
        // A page on another site reaching 127.0.0.1 through DNS rebinding: no data without a token.
        return HttpResponse::error(403, "host name '" + req.host.substr(0, 100) +
                                            "' not allowed without a token (DNS rebinding defence): use "
                                            "127.0.0.1 or localhost, or start the server with --token");
    }
    if (!authorized(req, ctx.token)) {
        HttpResponse r = HttpResponse::error(401, "missing or wrong token (Authorization: Bearer <token>, "
                                                  "cookie agentpulse_token or ?token=)");
        r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"agentpulse\"");
        return r;
    }
    if (req.path == "/api/live/stream") {
        if (req.method == "HEAD") {
            // The stream's headers without a body that would never end.
            HttpResponse r;
            r.content_type = "text/event-stream; charset=utf-8";
            r.headers.emplace_back("Cache-Control", "no-cache");
            r.headers.emplace_back("X-Accel-Buffering", "no");
            return r;
        }
        StreamRoute s;
        s.from = Watermark::parse(req.last_event_id);
        if (!s.from && req.last_event_id.empty()) s.from = Watermark::parse(req.param("since"));
        const std::string tz = req.param("tz", "UTC");
        if (known_time_zone(tz)) {
            s.tz = tz.empty() ? "UTC" : tz;
        } else {
            s.tz_error = "unknown time zone '" + tz.substr(0, 64) + "'; using UTC";
        }
        return s;
    }
    if (req.path == "/api/live/stats") {
        const std::string tz = req.param("tz", "UTC");
        const int window = int_param(req, "window_hours", 24, 1, ToolLatencyIndex::kMaxWindowHours);
        const bool demo = ctx.info && ctx.info->demo;
        return PollerRoute{[tz, window, demo](Poller& p) {
            boost::json::value doc = p.stats_snapshot(tz, window);
            doc.as_object()["demo"] = demo;
            return HttpResponse::json(boost::json::serialize(doc));
        }};
    }
    if (req.path == "/metrics") {
        std::string io_part = metrics_io_part(ctx);
        if (ctx.otlp_counters) io_part += otlp_metrics(*ctx.otlp_counters);
        const IngestStats* ingest = ctx.ingest;
        return PollerRoute{[io_part = std::move(io_part), ingest](Poller& p) {
            HttpResponse r;
            r.content_type = "text/plain; version=0.0.4; charset=utf-8";
            r.body = io_part + metrics_poller_part(p, ingest);
            r.headers.emplace_back("Cache-Control", "no-store");
            return r;
        }};
    }
    if (auto r = transcript_route(req, ctx)) return std::move(*r);
    if (auto r = report_route(req, ctx)) return std::move(*r);
    return HttpResponse::error(404, "no such API route: " + req.path.substr(0, 200));
}

Route route_request(HttpRequest& req, ServerContext& ctx) {
    if (!parse_target(req.target, req.path, req.query)) return HttpResponse::error(400, "malformed request target");
    if (ctx.otlp) return route_otlp(req, ctx);
    return route(req, ctx);
}

HttpResponse run_query(QueryPool& pool, const QueryRoute& r) {
    HttpResponse out;
    const JobOutcome o = pool.run([&](ReportQueries& q) { out = r.run(q); });
    switch (o.status) {
        case JobStatus::Done: return out;
        case JobStatus::NotRunning: return HttpResponse::error(503, o.error);
        case JobStatus::StoreFailed: return HttpResponse::error(500, "store read failed: " + o.error);
        case JobStatus::Failed: return HttpResponse::error(500, o.error);
    }
    return HttpResponse::error(500, "unknown job status");
}

}  // namespace agentpulse
