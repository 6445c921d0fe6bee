// See LiveQueries.hpp. Every statement is reset on every path (ResetGuard), so no read snapshot
// outlives its query.
#include "store/LiveQueries.hpp"

#include <algorithm>

namespace agentpulse {

namespace {

// The rows' machine and user (schema 8); a read-only server on an older store reads them as ''.
std::string usage_cols(bool machines) {
    return std::string("SELECT u.id, u.update_seq, u.project_id, u.session_id, u.provider, u.ts, u.model, u.cost_source, "
                       "p.display_name, s.session_id, u.input_tokens, u.output_tokens, u.cache_read_tokens, "
                       "u.cache_create_tokens, u.cache_create_1h_tokens, u.reasoning_tokens, u.cost_usd, "
                       "coalesce(u.updated_at, u.ts), ") +
           (machines ? "u.machine, coalesce(u.user_name, '') " : "'', '' ") +
           "FROM usage_events u JOIN projects p ON p.id = u.project_id JOIN sessions s ON s.id = u.session_id ";
}

std::string tool_cols(bool machines) {
    return std::string("SELECT t.id, t.project_id, t.session_id, t.call_index, t.provider, t.tool_use_id, t.tool_name, "
                       "t.ts, p.display_name, s.session_id, t.ts_ms, t.file_path, t.byte_count, t.result_ts, "
                       "t.latency_ms, t.result_bytes, t.result_seq, coalesce(t.is_error, 0), ") +
           (machines ? "t.machine, coalesce(t.user_name, '') " : "'', '' ") +
           "FROM message_tool_mart t JOIN projects p ON p.id = t.project_id JOIN sessions s ON s.id = t.session_id ";
}

bool rows_know_machines(Database& db) {
    Statement s(db, "SELECT count(*) FROM pragma_table_info('usage_events') WHERE name = 'machine'");
    ResetGuard g(s);
    return s.step() && s.column_int(0) == 1;
}

UsageRow read_usage(Statement& s) {
    UsageRow r;
    r.id = s.column_int(0);
    r.update_seq = s.column_int(1);
    r.project_id = s.column_int(2);
    r.session_row = s.column_int(3);
    r.provider = s.column_text(4);
    r.ts = s.column_text(5);
    r.model = s.column_text(6);
    r.cost_source = s.column_text(7);
    r.project = s.column_text(8);
    r.session = s.column_text(9);
    r.tokens = {s.column_int(10), s.column_int(11), s.column_int(12), s.column_int(13), s.column_int(14), s.column_int(15)};
    r.cost_usd = s.column_double(16);
    r.updated_at = s.column_text(17);
    r.machine = s.column_text(18);
    r.user = s.column_text(19);
    return r;
}

ToolRow read_tool(Statement& s) {
    ToolRow r;
    r.id = s.column_int(0);
    r.project_id = s.column_int(1);
    r.session_row = s.column_int(2);
    r.call_index = s.column_int(3);
    r.provider = s.column_text(4);
    r.tool_use_id = s.column_text(5);
    r.tool_name = s.column_text(6);
    r.ts = s.column_text(7);
    r.project = s.column_text(8);
    r.session = s.column_text(9);
    r.ts_ms = s.column_int(10);
    if (!s.column_is_null(11)) r.file_path = s.column_text(11);
    r.byte_count = s.column_opt_int(12);
    if (!s.column_is_null(13)) r.result_ts = s.column_text(13);
    r.latency_ms = s.column_opt_int(14);
    r.result_bytes = s.column_opt_int(15);
    r.result_seq = s.column_opt_int(16);
    r.is_error = s.column_int(17) != 0;
    r.machine = s.column_text(18);
    r.user = s.column_text(19);
    return r;
}

template <class Row, class Reader>
std::vector<Row> collect(Statement& s, Reader read, bool reverse = false) {
    ResetGuard g(s);
    std::vector<Row> out;
    while (s.step()) out.push_back(read(s));
    if (reverse) std::reverse(out.begin(), out.end());
    return out;
}

}  // namespace

struct LiveQueries::Statements {
    Statements(Database& db, bool m)
        : usage_after(db, usage_cols(m) + "WHERE u.id > ? ORDER BY u.id LIMIT ?")
        , updates_after(db, usage_cols(m) + "WHERE u.update_seq > ? ORDER BY u.update_seq LIMIT ?")
        , calls_after(db, tool_cols(m) + "WHERE t.id > ? ORDER BY t.id LIMIT ?")
        , results_after(db, tool_cols(m) + "WHERE t.result_seq > ? ORDER BY t.result_seq LIMIT ?")
        , usage_last(db, usage_cols(m) + "ORDER BY u.id DESC LIMIT ?")
        , updates_last(db, usage_cols(m) + "WHERE u.update_seq > 0 ORDER BY u.update_seq DESC LIMIT ?")
        , calls_last(db, tool_cols(m) + "ORDER BY t.id DESC LIMIT ?")
        , results_last(db, tool_cols(m) + "WHERE t.result_seq IS NOT NULL ORDER BY t.result_seq DESC LIMIT ?")
        , keys_before(db, "SELECT (SELECT coalesce(max(id),0) FROM usage_events WHERE id < ?1), "
                          "(SELECT coalesce(max(id),0) FROM message_tool_mart WHERE id < ?2), "
                          "(SELECT coalesce(max(result_seq),0) FROM message_tool_mart WHERE result_seq < ?3), "
                          "(SELECT coalesce(max(update_seq),0) FROM usage_events WHERE update_seq > 0 AND update_seq < ?4)")
        , head(db, "SELECT (SELECT coalesce(max(id),0) FROM usage_events), "
                   "(SELECT coalesce(max(id),0) FROM message_tool_mart), "
                   "(SELECT coalesce(max(result_seq),0) FROM message_tool_mart), "
                   "(SELECT coalesce(max(update_seq),0) FROM usage_events)")
        , usage_totals(db, "SELECT count(*), coalesce(sum(cost_usd),0), count(DISTINCT session_id), "
                           "coalesce(sum(input_tokens),0), coalesce(sum(output_tokens),0), "
                           "coalesce(sum(cache_read_tokens),0), coalesce(sum(cache_create_tokens),0), "
                           "coalesce(sum(cache_create_1h_tokens),0), coalesce(sum(reasoning_tokens),0) "
                           "FROM usage_events WHERE ts > ?1 AND ts <= ?2")
        , tool_totals(db, "SELECT count(*), coalesce(sum(is_error),0) FROM message_tool_mart WHERE ts > ?1 AND ts <= ?2")
        , cost_between(db, "SELECT coalesce(sum(cost_usd),0) FROM usage_events WHERE ts >= ? AND ts < ?")
        , cost_rows(db, "SELECT ts, cost_usd FROM usage_events WHERE ts >= ?")
        , latency_rows(db, "SELECT tool_name, ts_ms, latency_ms, coalesce(is_error,0) FROM message_tool_mart "
                           "WHERE ts >= ? AND result_ts IS NOT NULL")
        , in_flight(db, "SELECT s.id, s.provider, s.session_id, p.display_name, coalesce(s.model,''), "
                        "coalesce(s.started_at,''), coalesce(s.last_at,'') FROM sessions s "
                        "JOIN projects p ON p.id = s.project_id WHERE s.last_at >= ?1 AND s.last_at <= ?3 "
                        "ORDER BY s.last_at DESC LIMIT ?2")
        , session_cost(db, "SELECT coalesce(sum(cost_usd),0), count(*) FROM usage_events WHERE session_id = ?")
        , session_calls(db, "SELECT count(*) FROM message_tool_mart WHERE session_id = ?")
        , running_tool(db, "SELECT tool_name, ts FROM message_tool_mart WHERE session_id = ? AND result_ts IS NULL "
                           "AND ts >= ? ORDER BY ts DESC LIMIT 1")
        , sequences(db, "SELECT name, seq FROM sqlite_sequence") {}

    Statement usage_after, updates_after, calls_after, results_after, usage_last, updates_last, calls_last,
        results_last, keys_before, head, usage_totals, tool_totals, cost_between, cost_rows, latency_rows, in_flight,
        session_cost, session_calls, running_tool, sequences;
    std::unique_ptr<Statement> heartbeat;
};

LiveQueries::LiveQueries(Database& db) : db_(db), st_(std::make_unique<Statements>(db, rows_know_machines(db))) {}
LiveQueries::~LiveQueries() = default;

LiveQueries::ReadTx::ReadTx(Database& db) : db_(db) { db_.exec("BEGIN"); }
LiveQueries::ReadTx::~ReadTx() { sqlite3_exec(db_.handle(), "COMMIT", nullptr, nullptr, nullptr); }

std::vector<UsageRow> LiveQueries::usage_after(std::int64_t id, int limit) {
    st_->usage_after.bind(1, id).bind(2, limit);
    return collect<UsageRow>(st_->usage_after, read_usage);
}
std::vector<UsageRow> LiveQueries::updates_after(std::int64_t seq, int limit) {
    st_->updates_after.bind(1, seq).bind(2, limit);
    return collect<UsageRow>(st_->updates_after, read_usage);
}
std::vector<ToolRow> LiveQueries::calls_after(std::int64_t id, int limit) {
    st_->calls_after.bind(1, id).bind(2, limit);
    return collect<ToolRow>(st_->calls_after, read_tool);
}
std::vector<ToolRow> LiveQueries::results_after(std::int64_t seq, int limit) {
    st_->results_after.bind(1, seq).bind(2, limit);
    return collect<ToolRow>(st_->results_after, read_tool);
}
std::vector<UsageRow> LiveQueries::usage_last(int n) {
    st_->usage_last.bind(1, n);
    return collect<UsageRow>(st_->usage_last, read_usage, true);
}
std::vector<UsageRow> LiveQueries::updates_last(int n) {
    st_->updates_last.bind(1, n);
    return collect<UsageRow>(st_->updates_last, read_usage, true);
}
std::vector<ToolRow> LiveQueries::calls_last(int n) {
    st_->calls_last.bind(1, n);
    return collect<ToolRow>(st_->calls_last, read_tool, true);
}
std::vector<ToolRow> LiveQueries::results_last(int n) {
    st_->results_last.bind(1, n);
    return collect<ToolRow>(st_->results_last, read_tool, true);
}

Watermark LiveQueries::keys_before(const Watermark& below) {
    Statement& s = st_->keys_before;
    ResetGuard g(s);
    s.bind(1, below.usage).bind(2, below.tool_call).bind(3, below.result).bind(4, below.update);
    s.step();
    return {s.column_int(0), s.column_int(1), s.column_int(2), s.column_int(3)};
}

Watermark LiveQueries::head() {
    Statement& s = st_->head;
    ResetGuard g(s);
    s.step();
    return {s.column_int(0), s.column_int(1), s.column_int(2), s.column_int(3)};
}

WindowTotals LiveQueries::totals_since(EpochMs from, EpochMs until) {
    WindowTotals t;
    const std::string since = format_iso8601(from), to = format_iso8601(until);
    {
        Statement& s = st_->usage_totals;
        ResetGuard g(s);
        s.bind(1, since).bind(2, to);
        s.step();
        t.events = s.column_int(0);
        t.cost_usd = s.column_double(1);
        t.sessions = s.column_int(2);
        t.tokens = {s.column_int(3), s.column_int(4), s.column_int(5), s.column_int(6), s.column_int(7), s.column_int(8)};
    }
    Statement& s = st_->tool_totals;
    ResetGuard g(s);
    s.bind(1, since).bind(2, to);
    s.step();
    t.tool_calls = s.column_int(0);
    t.tool_errors = s.column_int(1);
    return t;
}

double LiveQueries::cost_between(EpochMs from, EpochMs to) {
    Statement& s = st_->cost_between;
    ResetGuard g(s);
    s.bind(1, format_iso8601(from)).bind(2, format_iso8601(to));
    s.step();
    return s.column_double(0);
}

void LiveQueries::load_cost_slots(CostBuckets& into, EpochMs from) {
    Statement& s = st_->cost_rows;
    ResetGuard g(s);
    s.bind(1, format_iso8601(from));
    std::map<EpochMs, double> slots;
    while (s.step()) {
        if (const auto ts = parse_iso8601(s.column_view(0))) slots[CostBuckets::slot_of(*ts)] += s.column_double(1);
    }
    for (const auto& [slot, usd] : slots) into.set(slot, usd);
}

void LiveQueries::load_latency(ToolLatencyIndex& into, EpochMs from) {
    Statement& s = st_->latency_rows;
    ResetGuard g(s);
    s.bind(1, format_iso8601(from));
    while (s.step()) into.add(s.column_text(0), s.column_int(1), s.column_opt_int(2), s.column_int(3) != 0);
}

std::vector<InFlightSession> LiveQueries::sessions_in_flight(EpochMs active_since, int limit, EpochMs active_until) {
    std::vector<InFlightSession> out;
    const std::string since = format_iso8601(active_since);
    {
        Statement& s = st_->in_flight;
        ResetGuard g(s);
        s.bind(1, since).bind(2, limit).bind(3, format_iso8601(active_until));
        while (s.step()) {
            InFlightSession f;
            f.session_row = s.column_int(0);
            f.provider = s.column_text(1);
            f.session = s.column_text(2);
            f.project = s.column_text(3);
            f.model = s.column_text(4);
            f.started_at = s.column_text(5);
            f.last_at = s.column_text(6);
            out.push_back(std::move(f));
        }
    }
    for (InFlightSession& f : out) {
        {
            Statement& s = st_->session_cost;
            ResetGuard g(s);
            s.bind(1, f.session_row);
            s.step();
            f.cost_usd = s.column_double(0);
            f.events = s.column_int(1);
        }
        {
            Statement& s = st_->session_calls;
            ResetGuard g(s);
            s.bind(1, f.session_row);
            s.step();
            f.tool_calls = s.column_int(0);
        }
        Statement& s = st_->running_tool;
        ResetGuard g(s);
        s.bind(1, f.session_row).bind(2, since);
        if (s.step()) {
            f.running_tool = s.column_text(0);
            f.running_since = s.column_text(1);
        }
    }
    return out;
}

bool LiveQueries::has_heartbeat_table() {
    Statement s(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'watcher_heartbeat'");
    ResetGuard g(s);
    return s.step();
}

std::optional<Heartbeat> LiveQueries::heartbeat() {
    if (!st_->heartbeat) {
        if (!has_heartbeat_table()) return std::nullopt;
        st_->heartbeat = std::make_unique<Statement>(
            db_, "SELECT state, coalesce(reason,''), coalesce(hostname,''), coalesce(version,''), "
                 "coalesce(started_at,''), coalesce(beat_at,''), coalesce(pid,0), coalesce(beat_ms,0), "
                 "coalesce(interval_ms,0), coalesce(counters,'{}') FROM watcher_heartbeat WHERE id = 1");
    }
    Statement& s = *st_->heartbeat;
    ResetGuard g(s);
    if (!s.step()) return std::nullopt;
    Heartbeat h;
    h.state = s.column_text(0);
    h.reason = s.column_text(1);
    h.hostname = s.column_text(2);
    h.version = s.column_text(3);
    h.started_at = s.column_text(4);
    h.beat_at = s.column_text(5);
    h.pid = s.column_int(6);
    h.beat_ms = s.column_int(7);
    h.interval_ms = s.column_int(8);
    h.counters_json = s.column_text(9);
    return h;
}

std::vector<std::pair<std::string, std::int64_t>> LiveQueries::table_sequences() {
    Statement& s = st_->sequences;
    ResetGuard g(s);
    std::vector<std::pair<std::string, std::int64_t>> out;
    while (s.step()) out.emplace_back(s.column_text(0), s.column_int(1));
    return out;
}

}  // namespace agentpulse
