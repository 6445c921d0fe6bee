// See ReportRoutes.hpp and docs/live-api.md ("Dashboard endpoints").
#include "http/ReportRoutes.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <charconv>

#include "agents/AgentRegistry.hpp"
#include "core/BurnMath.hpp"
#include "core/RateLimits.hpp"
#include "core/Redactor.hpp"
#include "core/ZonedCalendar.hpp"
#include "http/Auth.hpp"
#include "report/AlertsReport.hpp"
#include "report/ReportJson.hpp"
#include "report/SearchJson.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

std::optional<std::int64_t> parse_int(std::string_view s) {
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
    return v;
}

// An integer parameter in [lo, hi]; a missing one is `fallback`, anything else is an error message.
std::optional<std::string> int_param(const HttpRequest& req, const char* key, int lo, int hi, int& out) {
    const std::string v = req.param(key);
    if (v.empty()) return std::nullopt;
    const auto n = parse_int(v);
    if (!n || *n < lo || *n > hi)
        return std::string(key) + " must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi);
    out = static_cast<int>(*n);
    return std::nullopt;
}

// An agent filter: empty (every agent) or an agent this build reads; anything else answers 400 naming them.
std::optional<HttpResponse> check_provider(const std::string& provider) {
    if (provider.empty() || find_agent(provider)) return std::nullopt;
    std::string names;
    for (const AgentSource* a : agent_sources()) names += (names.empty() ? "" : ", ") + std::string(a->name());
    return HttpResponse::error(400, "provider must be one of " + names);
}

HttpResponse json_response(const json::value& v) {
    HttpResponse r = HttpResponse::json(json::serialize(v));
    r.headers.emplace_back("Cache-Control", "no-store");
    return r;
}

Route overview(const HttpRequest& req, ServerContext& ctx) {
    int days = 30;
    if (auto e = int_param(req, "days", 1, 92, days)) return HttpResponse::error(400, *e);
    // One agent's figures only: every sum below (days, models, projects, agents, token mix, cache saved,
    // burn, today, month, projection) is taken from that agent's rows; the day cache keeps every agent's.
    const std::string provider = req.param("provider");
    if (auto e = check_provider(provider)) return *e;
    const std::string machine = req.param("machine").substr(0, 200);  // one machine's figures only
    std::string tz = req.param("tz", "UTC");
    std::string tz_error;
    if (!known_time_zone(tz)) {
        tz_error = "unknown time zone '" + tz.substr(0, 64) + "'; using UTC";
        tz = "UTC";
    }
    const std::optional<double> budget = ctx.info ? ctx.info->budget : std::nullopt;
    std::shared_ptr<const PriceBook> prices = ctx.prices;
    UsageDayCache* cache = ctx.queries ? &ctx.queries->day_cache() : nullptr;
    return QueryRoute{[tz, tz_error, days, provider, machine, budget, prices, cache](ReportQueries& q) {
        const EpochMs now = now_epoch_ms();
        OverviewInputs in;
        in.now = now;
        in.calendar = *calendar_at(now, tz);
        in.tz = in.calendar.tz;
        in.day_starts = *local_day_starts(now, tz, days);
        for (const EpochMs s : in.day_starts) in.day_labels.push_back(calendar_at(s, tz)->local_date);
        in.end = in.calendar.next_day_start;
        in.slices = q.usage_by_day(in.day_starts, in.end, cache, now, provider, machine);
        in.provider = provider;
        in.machine = machine;
        in.projects = q.project_names();
        in.prices = prices.get();
        in.has_activity = q.has_activity();
        // The same burn block as burn_tick and /api/live/stats, summed from the store.
        BurnInputs b;
        b.now = now;
        b.month_start = in.calendar.month_start;
        b.next_month_start = in.calendar.next_month_start;
        b.window_ms = kBurnWindowMs;
        b.cost_window = q.cost_between(now - kBurnWindowMs, now + 1, provider, machine);
        // Today and month to date from the same per-day sums (past days come from the cache: summing a
        // month of a big store each time would cost most of this request).
        std::vector<EpochMs> month_days;
        const auto recent = local_day_starts(now, tz, 32);  // named: the loop must not outlive it
        for (const EpochMs d : *recent)
            if (d >= in.calendar.month_start) month_days.push_back(d);
        b.month_to_date = 0;
        b.today = 0;
        for (const UsageSlice& u : q.usage_by_day(month_days, in.end, cache, now, provider, machine)) {
            b.month_to_date += u.cost_usd;
            if (static_cast<std::size_t>(u.day) + 1 == month_days.size()) b.today += u.cost_usd;
        }
        b.budget = budget;
        in.burn = compute_burn(b);
        json::value doc = overview_payload(in);
        if (!tz_error.empty()) doc.as_object()["tz_error"] = tz_error;
        return json_response(doc);
    }};
}

Route session_list(const HttpRequest& req) {
    SessionQuery q;
    q.project = req.param("project").substr(0, 500);
    q.model = req.param("model").substr(0, 200);
    q.provider = req.param("provider");
    q.search = req.param("q").substr(0, 200);
    q.machine = req.param("machine").substr(0, 200);
    if (auto e = check_provider(q.provider)) return *e;
    q.sort = req.param("sort", "last_at");
    if (!is_session_sort_key(q.sort)) {
        std::string keys;
        for (const char* k : kSessionSortKeys) keys += (keys.empty() ? "" : ", ") + std::string(k);
        return HttpResponse::error(400, "sort must be one of " + keys);
    }
    const std::string dir = req.param("dir", "desc");
    if (dir != "asc" && dir != "desc") return HttpResponse::error(400, "dir must be asc or desc");
    q.descending = dir == "desc";
    if (auto e = int_param(req, "limit", 1, 200, q.limit)) return HttpResponse::error(400, *e);
    if (auto e = int_param(req, "offset", 0, 100'000'000, q.offset)) return HttpResponse::error(400, *e);
    return QueryRoute{[q](ReportQueries& rq) {
        const SessionPage page = rq.sessions(q);
        return json_response(
            session_page_payload(page, q, rq.session_projects(), rq.session_models(), rq.session_machines()));
    }};
}

Route session_detail(const HttpRequest& req, std::string_view id) {
    const auto row = parse_int(id);
    if (!row || *row <= 0) return HttpResponse::error(400, "a session is addressed by its numeric session_row");
    int limit = 2000;
    if (auto e = int_param(req, "calls_limit", 1, 20'000, limit)) return HttpResponse::error(400, *e);
    const std::int64_t r = *row;
    return QueryRoute{[r, limit](ReportQueries& q) {
        const auto s = q.session(r);
        if (!s) return HttpResponse::error(404, "no session with session_row " + std::to_string(r));
        std::int64_t total = 0;
        const auto calls = q.session_tool_calls(r, limit, &total);
        const auto costs = q.session_costs(r, 200'000);
        return json_response(session_detail_payload(*s, calls, total, costs));
    }};
}

Route config(ServerContext& ctx) {
    ServeInfo info = ctx.info ? *ctx.info : ServeInfo{};
    return QueryRoute{[info](ReportQueries& q) {
        return json_response(config_payload(info, q.transcript_files(), q.has_activity()));
    }};
}

// Every agent's plan limit windows and the estimated block (docs/limits.md).
Route limits() {
    return QueryRoute{[](ReportQueries& q) {
        const EpochMs now = now_epoch_ms();
        return json_response(limits_json(q.limits(now), now));
    }};
}

// GET /api/search (docs/search.md): hits of the search index, newest first, with their snippet.
Route search_route(const HttpRequest& req, ServerContext& ctx) {
    if (!private_text_allowed(req, ctx.token)) return private_text_refusal();
    SearchQuery q;
    q.text = req.param("q").substr(0, 1000);
    if (q.text.find_first_not_of(" \t\r\n") == std::string::npos)
        return HttpResponse::error(400, "q is required: the words to look for");
    const std::string syntax = req.param("syntax", "words");
    if (syntax != "words" && syntax != "fts") return HttpResponse::error(400, "syntax must be words or fts");
    q.raw = syntax == "fts";
    // agent= (provider= as the other endpoints spell it)
    q.provider = req.param("agent", req.param("provider"));
    if (auto e = check_provider(q.provider)) return *e;
    q.project = req.param("project").substr(0, 500);
    q.model = req.param("model").substr(0, 200);
    q.kind = req.param("kind");
    if (!q.kind.empty() && q.kind != "prompt" && q.kind != "command" && q.kind != "file" && q.kind != "tool" &&
        q.kind != "text")
        return HttpResponse::error(400, "kind must be prompt, command, file, tool or text");
    q.machine = req.param("machine").substr(0, 200);
    for (auto [key, field] : {std::pair{"since", &q.since}, std::pair{"until", &q.until}}) {
        const std::string v = req.param(key);
        if (v.empty()) continue;
        *field = parse_search_time(v);
        if (!*field) return HttpResponse::error(400, std::string(key) + " must be an ISO 8601 time or a date YYYY-MM-DD");
    }
    if (auto e = int_param(req, "limit", 1, 200, q.limit)) return HttpResponse::error(400, *e);
    if (auto e = int_param(req, "per_session", 0, 200, q.per_session)) return HttpResponse::error(400, *e);
    // Snippets are transcript text: masked by the same rules as the viewer's (core/Redactor).
    const Redactor* redactor = ctx.redactor;
    const auto redact = [redactor](std::string_view text) { return redactor ? redactor->redact(text) : std::string(text); };
    return QueryRoute{[q, redact](ReportQueries& rq) {
        if (!has_search_index(rq.db()))
            return HttpResponse::error(503, "this store has no search index yet (schema older than 6): the writer "
                                            "adds it when it next opens the store");
        SearchResult r;
        try {
            r = search(rq.db(), q);
        } catch (const SearchSyntaxError& e) {
            return HttpResponse::error(400, std::string("query syntax (syntax=fts): ") + e.what());
        } catch (const SearchFilterError& e) {
            return HttpResponse::error(400, e.what());
        }
        redact_search_hits(r, redact);
        return json_response(search_payload(q, r));
    }};
}

// The alert rules, their state, recent firings and dead letters (docs/alerts.md).
Route alerts(ServerContext& ctx) {
    auto config = ctx.alert_config ? ctx.alert_config : std::make_shared<const json::value>(json::object{});
    return QueryRoute{[config](ReportQueries& q) { return json_response(alerts_report(q.db(), *config)); }};
}

}  // namespace

void redact_search_hits(SearchResult& r, const std::function<std::string(std::string_view)>& redact) {
    if (!redact) return;
    for (SearchHit& h : r.hits) {
        // Redacted without the match marks, which could split a secret so that no rule sees it whole; a
        // snippet that had something masked loses its marks (its text is the redacted one).
        const std::string plain = snippet_text(h.snippet);
        std::string masked = redact(plain);
        if (masked != plain) h.snippet = std::move(masked);
    }
}

std::optional<Route> report_route(const HttpRequest& req, ServerContext& ctx) {
    if (req.path == "/api/config") return config(ctx);
    if (req.path == "/api/overview") return overview(req, ctx);
    if (req.path == "/api/limits") return limits();
    if (req.path == "/api/search") return search_route(req, ctx);
    if (req.path == "/api/alerts") return alerts(ctx);
    if (req.path == "/api/sessions" || req.path == "/api/sessions/") return session_list(req);
    constexpr std::string_view prefix = "/api/sessions/";
    if (req.path.starts_with(prefix)) return session_detail(req, std::string_view(req.path).substr(prefix.size()));
    return std::nullopt;
}

}  // namespace agentpulse
