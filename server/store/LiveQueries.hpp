// The read side the live server needs: new rows past a watermark (one read transaction per poll), the
// aggregates behind burn ticks and snapshots, sessions in flight and the watcher heartbeat.
// One instance per connection; not thread-safe (each reader thread has its own).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/CostBuckets.hpp"
#include "core/ToolLatencyIndex.hpp"
#include "core/TokenCounts.hpp"
#include "core/Watermark.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

struct UsageRow {
    std::int64_t id = 0, update_seq = 0, project_id = 0, session_row = 0;
    std::string provider, ts, model, cost_source, project, session;
    std::string updated_at;  // time of the line that last grew it (= ts if it never grew)
    std::string machine, user;  // where it was read ('' in a store from before schema 8)
    TokenCounts tokens;
    double cost_usd = 0;
};

struct ToolRow {
    std::int64_t id = 0, project_id = 0, session_row = 0, call_index = 0;
    std::string provider, tool_use_id, tool_name, ts, project, session;
    std::string machine, user;
    EpochMs ts_ms = 0;
    std::optional<std::string> file_path;
    std::optional<std::int64_t> byte_count;
    // Set once the result landed.
    std::optional<std::string> result_ts;
    std::optional<std::int64_t> latency_ms, result_bytes, result_seq;
    bool is_error = false;
};

struct WindowTotals {
    double cost_usd = 0;
    std::int64_t events = 0, sessions = 0, tool_calls = 0, tool_errors = 0;
    TokenCounts tokens;
};

struct InFlightSession {
    std::int64_t session_row = 0;
    std::string provider, session, project, model, started_at, last_at;
    std::optional<std::string> running_tool, running_since;
    double cost_usd = 0;
    std::int64_t events = 0, tool_calls = 0;
};

struct Heartbeat {
    std::string state, reason, hostname, version, started_at, beat_at;
    std::int64_t pid = 0, beat_ms = 0, interval_ms = 0;
    std::string counters_json;
};

class LiveQueries {
public:
    explicit LiveQueries(Database& db);
    ~LiveQueries();

    // A consistent snapshot across several reads (BEGIN/COMMIT); never held between polls.
    class ReadTx {
    public:
        explicit ReadTx(Database& db);
        ~ReadTx();
        ReadTx(const ReadTx&) = delete;
        ReadTx& operator=(const ReadTx&) = delete;

    private:
        Database& db_;
    };
    Database& db() { return db_; }

    std::vector<UsageRow> usage_after(std::int64_t id, int limit);
    std::vector<UsageRow> updates_after(std::int64_t seq, int limit);
    std::vector<ToolRow> calls_after(std::int64_t id, int limit);
    std::vector<ToolRow> results_after(std::int64_t seq, int limit);
    // The newest `n` rows of each stream, oldest first (replay ring preload).
    std::vector<UsageRow> usage_last(int n);
    std::vector<UsageRow> updates_last(int n);
    std::vector<ToolRow> calls_last(int n);
    std::vector<ToolRow> results_last(int n);
    // Highest key of each stream strictly below `below` (what precedes a preloaded range), 0 if none.
    Watermark keys_before(const Watermark& below);

    Watermark head();
    // Rows timed in (from, until]: `until` is now, so rows timed in the future (a skewed clock, a bad
    // timestamp) do not sit in the rolling window until their time comes (docs/ingest.md, clock oddities).
    WindowTotals totals_since(EpochMs from, EpochMs until);
    double cost_between(EpochMs from, EpochMs to);
    void load_cost_slots(CostBuckets& into, EpochMs from);
    void load_latency(ToolLatencyIndex& into, EpochMs from);
    // Sessions whose latest line is timed in [active_since, active_until].
    std::vector<InFlightSession> sessions_in_flight(EpochMs active_since, int limit, EpochMs active_until);
    std::optional<Heartbeat> heartbeat();  // nullopt: no heartbeat row (or table)
    bool has_heartbeat_table();
    // sqlite_sequence per streamed table (= rows ever inserted; cheap on any store size).
    std::vector<std::pair<std::string, std::int64_t>> table_sequences();

private:
    struct Statements;
    Database& db_;
    std::unique_ptr<Statements> st_;
};

}  // namespace agentpulse
