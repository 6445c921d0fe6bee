#include "store/AlertStore.hpp"

#include "store/Statement.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kFiringColumns =
    "f.rule_id, f.subject, f.kind, f.level, f.threshold, f.value, f.unit, f.severity, f.title, f.text, "
    "f.fired_ms, "
    "f.idem_key, f.test";

// Reads kFiringColumns starting at column `at`.
AlertMessage read_firing(const Statement& st, int at) {
    AlertMessage m;
    m.rule_id = st.column_text(at);
    m.subject = st.column_text(at + 1);
    m.kind = st.column_text(at + 2);
    m.level = static_cast<int>(st.column_int(at + 3));
    m.threshold = st.column_double(at + 4);
    m.value = st.column_double(at + 5);
    m.unit = st.column_text(at + 6);
    m.severity = st.column_text(at + 7);
    m.title = st.column_text(at + 8);
    m.text = st.column_text(at + 9);
    m.fired_ms = st.column_int(at + 10);
    m.key = st.column_text(at + 11);
    m.test = st.column_int(at + 12) != 0;
    return m;
}

const std::string& job_select() {
    static const std::string sql =
        "SELECT o.id, o.firing_id, o.channel, o.channel_kind, o.url, o.status, o.attempts, o.created_ms, "
        "o.next_ms, "
        "o.done_ms, o.last_status, coalesce(o.last_error, ''), " +
        std::string(kFiringColumns) + " FROM alert_outbox o JOIN alert_firings f ON f.id = o.firing_id ";
    return sql;
}

OutboxJob read_job(const Statement& st) {
    OutboxJob j;
    j.id = st.column_int(0);
    j.firing_id = st.column_int(1);
    j.channel = st.column_text(2);
    j.channel_kind = st.column_text(3);
    j.url = st.column_text(4);
    j.status = st.column_text(5);
    j.attempts = static_cast<int>(st.column_int(6));
    j.created_ms = st.column_int(7);
    j.next_ms = st.column_int(8);
    j.done_ms = st.column_opt_int(9);
    j.last_status = st.column_opt_int(10);
    j.last_error = st.column_text(11);
    j.message = read_firing(st, 12);
    return j;
}

}  // namespace

bool AlertStore::has_tables() {
    Statement st(db_, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'alert_outbox'");
    return st.step() && st.column_int(0) == 1;
}

std::vector<AlertStateRow> AlertStore::states() {
    Statement st(db_,
                 "SELECT rule_id, subject, level, value, changed_ms, last_fired_ms FROM alert_state "
                 "ORDER BY rule_id, subject");
    std::vector<AlertStateRow> out;
    while (st.step()) {
        AlertStateRow r;
        r.rule_id = st.column_text(0);
        r.subject = st.column_text(1);
        r.level = static_cast<int>(st.column_int(2));
        r.value = st.column_double(3);
        r.changed_ms = st.column_int(4);
        r.last_fired_ms = st.column_opt_int(5);
        out.push_back(std::move(r));
    }
    return out;
}

void AlertStore::put_state(const AlertStateRow& s) {
    Statement st(
        db_,
        "INSERT INTO alert_state(rule_id, subject, level, value, changed_ms, last_fired_ms) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(rule_id, subject) DO UPDATE SET level = excluded.level, "
        "value = excluded.value, changed_ms = excluded.changed_ms, last_fired_ms = excluded.last_fired_ms");
    st.bind(1, s.rule_id)
        .bind(2, s.subject)
        .bind(3, s.level)
        .bind(4, s.value)
        .bind(5, s.changed_ms)
        .bind(6, s.last_fired_ms);
    st.run();
}

void AlertStore::drop_state(std::string_view rule_id, std::string_view subject) {
    Statement st(db_, "DELETE FROM alert_state WHERE rule_id = ? AND subject = ?");
    st.bind(1, rule_id).bind(2, subject);
    st.run();
}

std::int64_t AlertStore::add_firing(const AlertMessage& m, const std::vector<NotifyChannel>& channels,
                                    EpochMs now) {
    Statement f(
        db_,
        "INSERT INTO alert_firings(rule_id, subject, kind, level, threshold, value, unit, severity, title, "
        "text, fired_ms, idem_key, test) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    f.bind(1, m.rule_id)
        .bind(2, m.subject)
        .bind(3, m.kind)
        .bind(4, m.level)
        .bind(5, m.threshold)
        .bind(6, m.value);
    f.bind(7, m.unit)
        .bind(8, m.severity)
        .bind(9, m.title)
        .bind(10, m.text)
        .bind(11, m.fired_ms)
        .bind(12, m.key);
    f.bind(13, m.test ? 1 : 0);
    f.run();
    const std::int64_t id = db_.last_insert_rowid();
    Statement o(
        db_,
        "INSERT OR IGNORE INTO alert_outbox(firing_id, channel, channel_kind, url, created_ms, next_ms) "
        "VALUES (?, ?, ?, ?, ?, ?)");
    for (const NotifyChannel& c : channels) {
        o.bind(1, id)
            .bind(2, c.name)
            .bind(3, channel_kind_name(c.kind))
            .bind(4, c.url)
            .bind(5, now)
            .bind(6, now);
        o.run();
    }
    return id;
}

std::optional<OutboxJob> AlertStore::next_due(std::string_view channel, EpochMs now) {
    Statement st(db_, job_select() +
                          "WHERE o.status = 'pending' AND o.channel = ? AND o.next_ms <= ? ORDER BY "
                          "o.next_ms, o.id LIMIT 1");
    st.bind(1, channel).bind(2, now);
    if (!st.step()) return std::nullopt;
    return read_job(st);
}

std::optional<EpochMs> AlertStore::next_due_time(std::string_view channel) {
    Statement st(db_, "SELECT min(next_ms) FROM alert_outbox WHERE status = 'pending' AND channel = ?");
    st.bind(1, channel);
    if (!st.step() || st.column_is_null(0)) return std::nullopt;
    return st.column_int(0);
}

void AlertStore::mark_sent(std::int64_t id, int status, EpochMs now) {
    Statement st(
        db_,
        "UPDATE alert_outbox SET status = 'sent', attempts = attempts + 1, done_ms = ?, last_status = ?, "
        "last_error = NULL WHERE id = ?");
    st.bind(1, now).bind(2, status).bind(3, id);
    st.run();
}

void AlertStore::mark_retry(std::int64_t id, std::optional<int> status, std::string_view error,
                            EpochMs next_ms) {
    Statement st(db_,
                 "UPDATE alert_outbox SET attempts = attempts + 1, next_ms = ?, last_status = ?, last_error "
                 "= ? WHERE id = ?");
    st.bind(1, next_ms).bind(2, status).bind(3, error).bind(4, id);
    st.run();
}

void AlertStore::mark_dead(std::int64_t id, std::optional<int> status, std::string_view error, EpochMs now) {
    Statement st(
        db_,
        "UPDATE alert_outbox SET status = 'dead', attempts = attempts + 1, done_ms = ?, last_status = ?, "
        "last_error = ? WHERE id = ?");
    st.bind(1, now).bind(2, status).bind(3, error).bind(4, id);
    st.run();
}

std::vector<AlertMessage> AlertStore::recent_firings(int limit) {
    Statement st(
        db_, "SELECT " + std::string(kFiringColumns) + " FROM alert_firings f ORDER BY f.id DESC LIMIT ?");
    st.bind(1, limit);
    std::vector<AlertMessage> out;
    while (st.step()) out.push_back(read_firing(st, 0));
    return out;
}

std::vector<OutboxJob> AlertStore::outbox(std::string_view status, int limit) {
    Statement st(db_, job_select() + "WHERE o.status = ? ORDER BY o.id DESC LIMIT ?");
    st.bind(1, status).bind(2, limit);
    std::vector<OutboxJob> out;
    while (st.step()) out.push_back(read_job(st));
    return out;
}

OutboxCounts AlertStore::counts() {
    Statement st(db_,
                 "SELECT coalesce(sum(status = 'pending'), 0), coalesce(sum(status = 'sent'), 0), "
                 "coalesce(sum(status = 'dead'), 0) FROM alert_outbox");
    OutboxCounts c;
    if (st.step()) {
        c.pending = st.column_int(0);
        c.sent = st.column_int(1);
        c.dead = st.column_int(2);
    }
    return c;
}

double AlertStore::cost_between(EpochMs from, EpochMs to, const AlertScope& scope) {
    Statement st(
        db_,
        "SELECT coalesce(sum(cost_nusd), 0) FROM usage_slots WHERE slot >= ?1 AND slot < ?2 "
        "AND (?3 = '' OR provider = ?3) AND (?4 = '' OR model = ?4) "
        "AND (?5 = '' OR project_id IN (SELECT id FROM projects WHERE display_name = ?5 OR slug = ?5))");
    st.bind(1, from / 900'000)
        .bind(2, to / 900'000)
        .bind(3, scope.agent)
        .bind(4, scope.model)
        .bind(5, scope.project);
    return st.step() ? static_cast<double>(st.column_int(0)) / 1e9 : 0.0;
}

std::vector<OpenToolCall> AlertStore::open_calls(EpochMs since, EpochMs before, std::string_view agent) {
    Statement st(
        db_,
        "SELECT t.provider, t.tool_use_id, t.tool_name, p.display_name, t.ts_ms "
        "FROM message_tool_mart t INDEXED BY tool_mart_open JOIN projects p ON p.id = t.project_id "
        "WHERE t.result_ts IS NULL AND t.ts_ms >= ?1 AND t.ts_ms <= ?2 AND (?3 = '' OR t.provider = ?3) "
        "AND NOT EXISTS (SELECT 1 FROM pending_tool_results r WHERE r.provider = t.provider "
        "AND r.tool_use_id = t.tool_use_id) ORDER BY t.ts_ms");
    st.bind(1, since).bind(2, before).bind(3, agent);
    std::vector<OpenToolCall> out;
    while (st.step())
        out.push_back(
            {st.column_text(0), st.column_text(1), st.column_text(2), st.column_text(3), st.column_int(4)});
    return out;
}

std::vector<ToolErrorCount> AlertStore::tool_errors(EpochMs since, std::string_view agent) {
    Statement st(
        db_,
        "SELECT tool_name, count(*), coalesce(sum(is_error), 0) FROM message_tool_mart "
        "WHERE ts >= ?1 AND result_ts IS NOT NULL AND (?2 = '' OR provider = ?2) GROUP BY tool_name");
    st.bind(1, format_iso8601(since)).bind(2, agent);
    std::vector<ToolErrorCount> out;
    while (st.step()) out.push_back({st.column_text(0), st.column_int(1), st.column_int(2)});
    return out;
}

}  // namespace agentpulse
