// See ReportQueries.hpp. Every statement is reset on every path (ResetGuard). The session list is two
// steps: pick the page's ids in SQL (sorted and filtered, with the per-session sums joined in only when
// the sort needs them), then fill in each row's sums with indexed lookups.
#include "report/ReportQueries.hpp"
#include "store/LimitStore.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <unordered_map>

namespace agentpulse {

namespace {

constexpr const char* kSessionCols =
    "SELECT s.id, s.session_id, s.provider, p.display_name, s.project_id, coalesce(s.model,''), "
    "coalesce(s.started_at,''), coalesce(s.last_at,''), coalesce(s.cwd,''), coalesce(s.git_branch,'') "
    "FROM sessions s JOIN projects p ON p.id = s.project_id ";

// ?1 project, ?2 model, ?3 provider, ?4 search pattern ('' = none).
constexpr const char* kSessionFilter =
    "WHERE (?1 = '' OR p.display_name = ?1) AND (?2 = '' OR s.model = ?2) AND (?3 = '' OR s.provider = ?3) "
    "AND (?4 = '' OR s.session_id LIKE ?4 ESCAPE '\\' OR p.display_name LIKE ?4 ESCAPE '\\' "
    "OR coalesce(s.cwd,'') LIKE ?4 ESCAPE '\\') ";

constexpr const char* kUsageBySession =
    "LEFT JOIN (SELECT session_id, sum(cost_usd) AS cost, count(*) AS events, "
    "sum(input_tokens + output_tokens + cache_read_tokens + cache_create_tokens) AS tokens "
    "FROM usage_events GROUP BY session_id) u ON u.session_id = s.id ";
constexpr const char* kToolsBySession =
    "LEFT JOIN (SELECT session_id, count(*) AS calls, sum(coalesce(is_error,0)) AS errors "
    "FROM message_tool_mart GROUP BY session_id) t ON t.session_id = s.id ";

struct SortKey {
    std::string_view key, expr;
    int joins;  // 0 none, 1 usage sums, 2 tool sums
};
constexpr std::array<SortKey, 11> kSorts = {{
    {"last_at", "s.last_at", 0},
    {"started_at", "s.started_at", 0},
    {"duration", "(julianday(s.last_at) - julianday(s.started_at))", 0},
    {"project", "p.display_name COLLATE NOCASE", 0},
    {"model", "s.model", 0},
    {"provider", "s.provider", 0},
    {"cost", "coalesce(u.cost,0)", 1},
    {"tokens", "coalesce(u.tokens,0)", 1},
    {"events", "coalesce(u.events,0)", 1},
    {"tool_calls", "coalesce(t.calls,0)", 2},
    {"errors", "coalesce(t.errors,0)", 2},
}};

const SortKey* find_sort(std::string_view key) {
    for (const SortKey& k : kSorts)
        if (k.key == key) return &k;
    return nullptr;
}

std::string like_pattern(const std::string& s) {
    if (s.empty()) return {};
    std::string out = "%";
    for (char c : s) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

TokenCounts read_tokens(const Statement& s, int first) {
    return {s.column_int(first), s.column_int(first + 1), s.column_int(first + 2),
            s.column_int(first + 3), s.column_int(first + 4), s.column_int(first + 5)};
}

SessionSummary read_session(const Statement& s) {
    SessionSummary r;
    r.row = s.column_int(0);
    r.session_id = s.column_text(1);
    r.provider = s.column_text(2);
    r.project = s.column_text(3);
    r.project_id = s.column_int(4);
    r.model = s.column_text(5);
    r.started_at = s.column_text(6);
    r.last_at = s.column_text(7);
    r.cwd = s.column_text(8);
    r.git_branch = s.column_text(9);
    const auto a = parse_iso8601(r.started_at), b = parse_iso8601(r.last_at);
    if (a && b && *b >= *a) r.duration_s = static_cast<double>(*b - *a) / 1000.0;
    return r;
}

}  // namespace

bool is_session_sort_key(std::string_view key) { return find_sort(key) != nullptr; }

struct ReportQueries::Statements {
    explicit Statements(Database& db)
        : usage_rows(db, "SELECT provider, model, project_id, cost_usd, input_tokens, output_tokens, "
                         "cache_read_tokens, cache_create_tokens, cache_create_1h_tokens, reasoning_tokens, "
                         "cost_source = 'unpriced', cost_source = 'estimate_model_unknown' "
                         "FROM usage_events WHERE ts >= ?1 AND ts < ?2")
        , usage_head(db, "SELECT (SELECT coalesce(max(id),0) FROM usage_events), "
                         "(SELECT coalesce(max(update_seq),0) FROM usage_events WHERE update_seq > 0)")
        , first_ts_after(db, "SELECT min(ts) FROM (SELECT min(ts) AS ts FROM usage_events WHERE id > ?1 "
                             "UNION ALL SELECT min(ts) FROM usage_events WHERE update_seq > ?2)")
        , cost_between(db, "SELECT coalesce(sum(cost_usd),0) FROM usage_events WHERE ts >= ?1 AND ts < ?2 "
                           "AND (?3 = '' OR provider = ?3)")
        , projects(db, "SELECT id, display_name FROM projects")
        , activity(db, "SELECT EXISTS(SELECT 1 FROM usage_events) OR EXISTS(SELECT 1 FROM message_tool_mart)")
        , count(db, std::string("SELECT count(*) FROM sessions s JOIN projects p ON p.id = s.project_id ") +
                        kSessionFilter)
        , session(db, std::string(kSessionCols) + "WHERE s.id = ?")
        , usage_sums(db, "SELECT coalesce(sum(cost_usd),0), coalesce(sum(input_tokens),0), "
                         "coalesce(sum(output_tokens),0), coalesce(sum(cache_read_tokens),0), "
                         "coalesce(sum(cache_create_tokens),0), coalesce(sum(cache_create_1h_tokens),0), "
                         "coalesce(sum(reasoning_tokens),0), count(*), coalesce(sum(cost_source = 'unpriced'),0), "
                         "coalesce(sum(cost_source = 'estimate_model_unknown'),0) FROM usage_events WHERE session_id = ?")
        , tool_sums(db, "SELECT count(*), coalesce(sum(coalesce(is_error,0)),0) FROM message_tool_mart "
                        "WHERE session_id = ?")
        , session_projects(db, "SELECT DISTINCT p.display_name FROM sessions s JOIN projects p ON p.id = s.project_id "
                               "ORDER BY p.display_name COLLATE NOCASE LIMIT 500")
        , session_models(db, "SELECT DISTINCT model FROM sessions WHERE coalesce(model,'') <> '' ORDER BY model LIMIT 500")
        , tool_calls(db, "SELECT id, call_index, ts, tool_name, tool_use_id, file_path, result_ts, byte_count, "
                         "latency_ms, result_bytes, coalesce(is_error,0), result_ts IS NOT NULL "
                         "FROM message_tool_mart WHERE session_id = ? ORDER BY ts, id LIMIT ?")
        , tool_count(db, "SELECT count(*) FROM message_tool_mart WHERE session_id = ?")
        , costs(db, "SELECT ts, model, cost_source, cost_usd, input_tokens, output_tokens, cache_read_tokens, "
                    "cache_create_tokens, cache_create_1h_tokens, reasoning_tokens FROM usage_events "
                    "WHERE session_id = ? ORDER BY ts, id LIMIT ?")
        , files(db, "SELECT provider, kind, count(*), coalesce(sum(size),0) FROM transcript_files "
                    "GROUP BY provider, kind ORDER BY provider, kind") {}

    Statement usage_rows, usage_head, first_ts_after, cost_between, projects, activity, count, session, usage_sums, tool_sums,
        session_projects, session_models, tool_calls, tool_count, costs, files;
    std::map<std::string, std::unique_ptr<Statement>> page;  // by sort key and direction
};

ReportQueries::ReportQueries(Database& db) : db_(db), st_(std::make_unique<Statements>(db)) {}
ReportQueries::~ReportQueries() = default;

std::vector<UsageSlice> ReportQueries::sum_range(EpochMs from, EpochMs to) {
    std::vector<UsageSlice> out;
    std::unordered_map<std::string, std::size_t> groups;
    std::string key;
    Statement& s = st_->usage_rows;
    ResetGuard g(s);
    s.bind(1, format_iso8601(from)).bind(2, format_iso8601(to));
    while (s.step()) {
        const std::string_view provider = s.column_view(0), model = s.column_view(1);
        const std::int64_t project = s.column_int(2);
        key.assign(provider).append(1, '\x1f').append(model).append(1, '\x1f').append(std::to_string(project));
        auto [it, fresh] = groups.try_emplace(key, out.size());
        if (fresh) {
            UsageSlice u;
            u.provider = provider;
            u.model = model;
            u.project_id = project;
            out.push_back(std::move(u));
        }
        UsageSlice& u = out[it->second];
        u.cost_usd += s.column_double(3);
        u.tokens.input += s.column_int(4);
        u.tokens.output += s.column_int(5);
        u.tokens.cache_read += s.column_int(6);
        u.tokens.cache_create += s.column_int(7);
        u.tokens.cache_create_1h += s.column_int(8);
        u.tokens.reasoning += s.column_int(9);
        ++u.events;
        u.unpriced_events += s.column_int(10);
        u.estimated_events += s.column_int(11);
    }
    return out;
}

// Drops the cached days that rows written since the cache's watermark fall into.
void ReportQueries::invalidate(UsageDayCache& cache) {
    std::int64_t usage = 0, update = 0;
    {
        Statement& s = st_->usage_head;
        ResetGuard g(s);
        if (s.step()) usage = s.column_int(0), update = s.column_int(1);
    }
    if (usage == cache.usage_head && update == cache.update_head) return;
    if (cache.usage_head < 0 || usage < cache.usage_head || update < cache.update_head) {
        cache.days.clear();  // first use, or another store behind the same path
    } else {
        Statement& s = st_->first_ts_after;
        ResetGuard g(s);
        s.bind(1, cache.usage_head).bind(2, cache.update_head);
        if (s.step() && !s.column_is_null(0)) {
            if (const auto first = parse_iso8601(s.column_view(0))) {
                for (auto it = cache.days.begin(); it != cache.days.end();)
                    it = it->first.second > *first ? cache.days.erase(it) : std::next(it);
            }
        }
    }
    cache.usage_head = usage;
    cache.update_head = update;
}

std::vector<UsageSlice> ReportQueries::usage_by_day(const std::vector<EpochMs>& starts, EpochMs end,
                                                    UsageDayCache* cache, EpochMs now, std::string_view provider) {
    std::vector<UsageSlice> out;
    std::unique_lock<std::mutex> lock;
    if (cache) {
        lock = std::unique_lock(cache->mu);
        invalidate(*cache);
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        const EpochMs from = starts[i];
        const EpochMs to = i + 1 < starts.size() ? starts[i + 1] : end;
        std::vector<UsageSlice> day;
        const bool closed = cache && to <= now;
        const UsageDayCache::Day* hit = nullptr;
        if (closed) {
            const auto it = cache->days.find({from, to});
            if (it != cache->days.end() && now - it->second.stored_at < cache->ttl_ms) hit = &it->second;
        }
        if (hit) {
            day = hit->slices;
            ++cache->hits;
        } else {
            day = sum_range(from, to);
            if (cache) ++cache->misses;
            if (closed) cache->days[{from, to}] = UsageDayCache::Day{now, day};
        }
        for (UsageSlice& u : day) {
            if (!provider.empty() && u.provider != provider) continue;
            u.day = static_cast<int>(i);
            out.push_back(std::move(u));
        }
    }
    if (cache) {  // forget days no request has asked for in a while (another zone, an older range)
        for (auto it = cache->days.begin(); it != cache->days.end();)
            it = now - it->second.stored_at >= 2 * cache->ttl_ms ? cache->days.erase(it) : std::next(it);
    }
    return out;
}

double ReportQueries::cost_between(EpochMs from, EpochMs to, std::string_view provider) {
    Statement& s = st_->cost_between;
    ResetGuard g(s);
    s.bind(1, format_iso8601(from)).bind(2, format_iso8601(to)).bind(3, std::string(provider));  // never a null pointer: that would bind NULL
    s.step();
    return s.column_double(0);
}

std::map<std::int64_t, std::string> ReportQueries::project_names() {
    Statement& s = st_->projects;
    ResetGuard g(s);
    std::map<std::int64_t, std::string> out;
    while (s.step()) out[s.column_int(0)] = s.column_text(1);
    return out;
}

bool ReportQueries::has_activity() {
    Statement& s = st_->activity;
    ResetGuard g(s);
    return s.step() && s.column_int(0) != 0;
}

void ReportQueries::fill_aggregates(SessionSummary& r) {
    {
        Statement& s = st_->usage_sums;
        ResetGuard g(s);
        s.bind(1, r.row);
        if (s.step()) {
            r.cost_usd = s.column_double(0);
            r.tokens = read_tokens(s, 1);
            r.events = s.column_int(7);
            r.unpriced_events = s.column_int(8);
            r.estimated_events = s.column_int(9);
        }
    }
    Statement& s = st_->tool_sums;
    ResetGuard g(s);
    s.bind(1, r.row);
    if (s.step()) {
        r.tool_calls = s.column_int(0);
        r.tool_errors = s.column_int(1);
    }
}

SessionPage ReportQueries::sessions(const SessionQuery& q) {
    const SortKey* key = find_sort(q.sort);
    if (!key) key = &kSorts[0];
    const std::string pattern = like_pattern(q.search);
    auto bind_filter = [&](Statement& s) {
        s.bind(1, q.project).bind(2, q.model).bind(3, q.provider).bind(4, pattern);
    };
    SessionPage page;
    {
        Statement& s = st_->count;
        ResetGuard g(s);
        bind_filter(s);
        if (s.step()) page.total = s.column_int(0);
    }
    const std::string dir = q.descending ? " DESC" : " ASC";
    const std::string cache_key = std::string(key->key) + dir;
    auto& slot = st_->page[cache_key];
    if (!slot) {
        std::string sql = "SELECT s.id FROM sessions s JOIN projects p ON p.id = s.project_id ";
        if (key->joins == 1) sql += kUsageBySession;
        if (key->joins == 2) sql += kToolsBySession;
        sql += kSessionFilter;
        sql += "ORDER BY " + std::string(key->expr) + dir + ", s.id" + dir + " LIMIT ?5 OFFSET ?6";
        slot = std::make_unique<Statement>(db_, sql);
    }
    std::vector<std::int64_t> ids;
    {
        Statement& s = *slot;
        ResetGuard g(s);
        bind_filter(s);
        s.bind(5, std::clamp(q.limit, 1, 500)).bind(6, std::max(q.offset, 0));
        while (s.step()) ids.push_back(s.column_int(0));
    }
    for (const std::int64_t id : ids)
        if (auto r = session(id)) page.rows.push_back(std::move(*r));
    return page;
}

std::optional<SessionSummary> ReportQueries::session(std::int64_t row) {
    std::optional<SessionSummary> r;
    {
        Statement& s = st_->session;
        ResetGuard g(s);
        s.bind(1, row);
        if (!s.step()) return std::nullopt;
        r = read_session(s);
    }
    fill_aggregates(*r);
    return r;
}

std::vector<std::string> ReportQueries::session_projects() {
    Statement& s = st_->session_projects;
    ResetGuard g(s);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.column_text(0));
    return out;
}

std::vector<std::string> ReportQueries::session_models() {
    Statement& s = st_->session_models;
    ResetGuard g(s);
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.column_text(0));
    return out;
}

std::vector<SessionToolCall> ReportQueries::session_tool_calls(std::int64_t row, int limit, std::int64_t* total) {
    if (total) {
        Statement& s = st_->tool_count;
        ResetGuard g(s);
        s.bind(1, row);
        *total = s.step() ? s.column_int(0) : 0;
    }
    Statement& s = st_->tool_calls;
    ResetGuard g(s);
    s.bind(1, row).bind(2, limit);
    std::vector<SessionToolCall> out;
    while (s.step()) {
        SessionToolCall c;
        c.id = s.column_int(0);
        c.call_index = s.column_int(1);
        c.ts = s.column_text(2);
        c.tool_name = s.column_text(3);
        c.tool_use_id = s.column_text(4);
        if (!s.column_is_null(5)) c.file_path = s.column_text(5);
        if (!s.column_is_null(6)) c.result_ts = s.column_text(6);
        c.byte_count = s.column_opt_int(7);
        c.latency_ms = s.column_opt_int(8);
        c.result_bytes = s.column_opt_int(9);
        c.is_error = s.column_int(10) != 0;
        c.has_result = s.column_int(11) != 0;
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<SessionCostPoint> ReportQueries::session_costs(std::int64_t row, int limit) {
    Statement& s = st_->costs;
    ResetGuard g(s);
    s.bind(1, row).bind(2, limit);
    std::vector<SessionCostPoint> out;
    while (s.step()) {
        SessionCostPoint p;
        p.ts = s.column_text(0);
        p.model = s.column_text(1);
        p.cost_source = s.column_text(2);
        p.cost_usd = s.column_double(3);
        p.tokens = read_tokens(s, 4);
        out.push_back(std::move(p));
    }
    return out;
}

std::vector<TranscriptFileCount> ReportQueries::transcript_files() {
    Statement& s = st_->files;
    ResetGuard g(s);
    std::vector<TranscriptFileCount> out;
    while (s.step()) out.push_back({s.column_text(0), s.column_text(1), s.column_int(2), s.column_int(3)});
    return out;
}

std::vector<LimitState> ReportQueries::limits(EpochMs now) {
    LimitReader reader(db_);
    return reader.current(now);
}

}  // namespace agentpulse
