// The read side of the Overview and Sessions tabs: per-day usage sums over local-day ranges of the
// usage_events.ts index, the session list (filtered, sorted, paged in SQL) and one session's tool calls
// and cost over time. One instance per read-only connection (the query pool gives each thread its own);
// not thread-safe. No Asio, no JSON: ReportJson shapes the results.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/RateLimits.hpp"
#include "core/TokenCounts.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

// The usage of one (day, provider, model, project) group.
struct UsageSlice {
    int day = 0;  // index into the day starts the query was given
    std::string provider, model;
    std::int64_t project_id = 0;
    std::string machine;  // '' in a store from before schema 8
    double cost_usd = 0;
    TokenCounts tokens;
    std::int64_t events = 0, unpriced_events = 0;
    std::int64_t estimated_events = 0;  // priced as the card's estimate for usage naming no model
};

// Usage sums of whole past days, shared by the query pool's threads: a closed day is summed once and
// reused until a row lands in it (a late backfill, a growing response: found from the rows past the
// watermark the cache last saw) or `ttl` passes (a reprice rewrites costs in place).
struct UsageDayCache {
    std::mutex mu;
    std::int64_t usage_head = -1, update_head = -1;
    std::int64_t ttl_ms = 300'000;
    struct Day {
        EpochMs stored_at = 0;
        std::vector<UsageSlice> slices;  // `day` fields are 0; the caller's index is set on the way out
    };
    std::map<std::pair<EpochMs, EpochMs>, Day> days;  // by [start, end)
    std::uint64_t hits = 0, misses = 0;
};

struct SessionQuery {
    std::string project;   // exact display name; empty = any
    std::string model;     // exact model id; empty = any
    std::string provider;  // an agent's name (AgentSource::name); empty = any
    std::string search;    // substring of the session id, project or cwd
    std::string machine;   // exact machine name; empty = any
    std::string sort = "last_at";  // see kSessionSortKeys
    bool descending = true;
    int limit = 50;
    int offset = 0;
};

// The keys a session list can be sorted by (anything else is refused by the caller).
inline const char* const kSessionSortKeys[] = {"last_at", "started_at", "duration", "project", "model", "provider",
                                               "cost",    "tokens",     "events",   "tool_calls", "errors"};
bool is_session_sort_key(std::string_view key);

struct SessionSummary {
    std::int64_t row = 0, project_id = 0;
    std::string session_id, provider, project, model, started_at, last_at, cwd, git_branch;
    std::string machine, user;
    double cost_usd = 0;
    TokenCounts tokens;
    std::int64_t events = 0, unpriced_events = 0, estimated_events = 0, tool_calls = 0, tool_errors = 0;
    std::optional<double> duration_s;  // last_at - started_at
};

struct SessionPage {
    std::int64_t total = 0;  // sessions matching the filter
    std::vector<SessionSummary> rows;
};

struct SessionToolCall {
    std::int64_t id = 0, call_index = 0;
    std::string ts, tool_name, tool_use_id;
    std::optional<std::string> file_path, result_ts;
    std::optional<std::int64_t> byte_count, latency_ms, result_bytes;
    bool is_error = false, has_result = false;
};

struct SessionCostPoint {
    std::string ts, model, cost_source;
    double cost_usd = 0;
    TokenCounts tokens;
};

// One usage event (the block report walks them in time order).
struct UsageEventRow {
    EpochMs ts = 0;
    std::int64_t session_row = 0, project_id = 0;
    std::string provider, model;
    double cost_usd = 0;
    TokenCounts tokens;
    bool unpriced = false, estimated = false;
};

// The usage of one (session, model) pair within a time range.
struct SessionModelUsage {
    std::int64_t session_row = 0;
    std::string session_id;
    UsageSlice usage;  // provider, model, project, sums (its `day` unused)
    EpochMs first_at = 0, last_at = 0;
};

struct TranscriptFileCount {
    std::string provider, kind;
    std::int64_t files = 0, bytes = 0;
};

class ReportQueries {
public:
    explicit ReportQueries(Database& db);
    ~ReportQueries();

    Database& db() { return db_; }
    // Every agent's plan limit windows and the estimated block (store/LimitStore).
    std::vector<LimitState> limits(EpochMs now);

    // Usage grouped by day, provider, model and project; day i is [starts[i], starts[i+1]) and the last
    // one ends at `end`. One indexed range scan per day, summed here (a hash of groups: SQLite's GROUP BY
    // would sort every row). With a cache, days that ended before `now` are reused while still valid.
    // A non-empty `provider` keeps that agent's slices only: they are dropped on the way out, so the
    // cache holds every agent's sums once and needs no key per filter.
    std::vector<UsageSlice> usage_by_day(const std::vector<EpochMs>& starts, EpochMs end,
                                         UsageDayCache* cache = nullptr, EpochMs now = 0,
                                         std::string_view provider = {}, std::string_view machine = {});
    // The cost of usage events with ts in [from, to), of one agent's when `provider` is not empty, of one
    // machine's when `machine` is not.
    double cost_between(EpochMs from, EpochMs to, std::string_view provider = {}, std::string_view machine = {});
    std::map<std::int64_t, std::string> project_names();
    // The terminal reports' reads (app/ReportCommand): usage with ts in [from, to), of one agent's when
    // `provider` is not empty: per (session, model), and event by event in time order.
    std::vector<SessionModelUsage> usage_by_session(EpochMs from, EpochMs to, std::string_view provider = {});
    std::vector<UsageEventRow> usage_events(EpochMs from, EpochMs to, std::string_view provider = {});
    // The same events one at a time, without holding them all (a year of a big store is millions).
    void for_each_usage_event(EpochMs from, EpochMs to, std::string_view provider,
                              const std::function<void(const UsageEventRow&)>& fn);
    // The time of the first usage event (of one agent's), nullopt when there is none.
    std::optional<EpochMs> first_usage_at(std::string_view provider = {});
    bool has_activity();  // any usage event or tool call at all

    SessionPage sessions(const SessionQuery& q);
    std::optional<SessionSummary> session(std::int64_t row);
    std::vector<std::string> session_projects();  // distinct project names that have sessions
    std::vector<std::string> session_models();
    std::vector<std::string> session_machines();  // distinct machines that have sessions
    // A session's tool calls in time order (at most `limit`), and how many it has in all.
    std::vector<SessionToolCall> session_tool_calls(std::int64_t row, int limit, std::int64_t* total);
    // A session's usage events in time order (at most `limit`).
    std::vector<SessionCostPoint> session_costs(std::int64_t row, int limit);

    std::vector<TranscriptFileCount> transcript_files();

private:
    void fill_aggregates(SessionSummary& s);
    std::vector<UsageSlice> sum_range(EpochMs from, EpochMs to);
    void invalidate(UsageDayCache& cache);

    struct Statements;
    Database& db_;
    bool sums_;  // the store keeps usage_slots and session_totals (schema 4 and later)
    bool machines_;  // rows know their machine (schema 8 and later)
    std::unique_ptr<Statements> st_;
};

}  // namespace agentpulse
