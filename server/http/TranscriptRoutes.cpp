// See TranscriptRoutes.hpp and docs/live-api.md ("Conversation").
#include "http/TranscriptRoutes.hpp"

#include <boost/json.hpp>

#include <charconv>

#include "http/Auth.hpp"
#include "viewer/TranscriptReader.hpp"

namespace agentpulse {

namespace {

std::optional<std::int64_t> positive(std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < 1) return std::nullopt;
    return v;
}

}  // namespace

std::optional<Route> transcript_route(const HttpRequest& req, ServerContext& ctx) {
    constexpr std::string_view kPrefix = "/api/sessions/", kSuffix = "/transcript";
    const std::string_view path = req.path;
    if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) || path.size() <= kPrefix.size() + kSuffix.size())
        return std::nullopt;
    const auto row = positive(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
    if (!row) return HttpResponse::error(404, "no such API route: " + req.path.substr(0, 200));
    if (!private_text_allowed(req, ctx.token)) return private_text_refusal();
    if (!ctx.redactor) return HttpResponse::error(503, "the conversation viewer is not available in this server");
    TranscriptQuery q;
    q.session = *row;
    q.after = req.param("after");
    q.before = req.param("before");
    q.item = req.param("item");
    for (const auto& [key, field] : {std::pair{"file", &q.file}, std::pair{"message", &q.message}}) {
        const std::string v = req.param(key);
        if (v.empty()) continue;
        *field = positive(v);
        if (!*field) return HttpResponse::error(400, std::string(key) + " must be a positive integer");
    }
    if (const std::string v = req.param("limit"); !v.empty()) {
        const auto n = positive(v);
        if (!n || *n > 1000) return HttpResponse::error(400, "limit must be an integer from 1 to 1000");
        q.limit = static_cast<int>(*n);
    }
    const Redactor* redactor = ctx.redactor;
    return QueryRoute{[q, redactor](ReportQueries& rq) {
        TranscriptAnswer a = read_transcript(rq.db(), q, *redactor);
        if (a.status != 200) return HttpResponse::error(a.status, a.error);
        HttpResponse r = HttpResponse::json(boost::json::serialize(a.body));
        r.headers.emplace_back("Cache-Control", "no-store");
        return r;
    }};
}

}  // namespace agentpulse
