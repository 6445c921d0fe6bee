// See StoreWriter.hpp. Statement text lives here, next to the code that binds it.
#include "store/StoreWriter.hpp"

#include <algorithm>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>

#include <map>
#include <tuple>

#include "core/CostBuckets.hpp"
#include "core/IsoTime.hpp"
#include "store/LimitStore.hpp"

namespace agentpulse {

namespace {
// The caches serve the lines of one response, which arrive close together; a miss falls back to an
// indexed lookup. Small caps keep memory flat however large the corpus (about 300 B per usage entry).
constexpr std::size_t kUsageCacheMax = 20'000;
constexpr std::size_t kCallCacheMax = 20'000;
constexpr std::int64_t kErrorLogKeep = 10'000;
constexpr int kPageCacheKiB = 64 * 1024;

std::string key2(std::string_view a, std::string_view b) {
    std::string k;
    k.reserve(a.size() + b.size() + 1);
    k.append(a).push_back('\x1f');
    k.append(b);
    return k;
}

// Where the line starts in its file; NULL for a record that is no line of a file (a document, a database row).
std::optional<std::int64_t> byte_offset(const ParsedLine& line) {
    return line.byte_offset >= 0 ? std::optional<std::int64_t>(line.byte_offset) : std::nullopt;
}

// A view, not a copy: the statement copies what it binds (SQLITE_TRANSIENT) anyway.
std::optional<std::string_view> nonempty(std::string_view s) {
    return s.empty() ? std::nullopt : std::optional<std::string_view>(s);
}

TokenCounts field_max(const TokenCounts& a, const TokenCounts& b) {
    return {std::max(a.input, b.input),           std::max(a.output, b.output),
            std::max(a.cache_read, b.cache_read), std::max(a.cache_create, b.cache_create),
            std::max(a.cache_create_1h, b.cache_create_1h), std::max(a.reasoning, b.reasoning)};
}
}  // namespace

namespace {
// "INSERT INTO table(keys..., sums...) VALUES (?...) ON CONFLICT(keys) DO UPDATE SET s = s + excluded.s, ...":
// adds a batch's changes to an aggregate row (Migrations, step 4), creating it when new.
std::string add_sums(std::string_view table, std::initializer_list<std::string_view> keys, bool tool_sums) {
    std::vector<std::string_view> sums = {"cost_nusd",        "input_tokens",   "output_tokens",
                                          "cache_read_tokens", "cache_create_tokens", "cache_create_1h_tokens",
                                          "reasoning_tokens", "events",          "unpriced_events",
                                          "estimated_events"};
    if (tool_sums) sums.insert(sums.end(), {"tool_calls", "tool_errors"});
    std::string cols, values, key_list, set;
    for (std::string_view k : keys) {
        key_list += (key_list.empty() ? "" : ", ") + std::string(k);
        values += values.empty() ? "?" : ",?";
    }
    for (std::string_view c : sums) {
        cols += ", " + std::string(c);
        values += ",?";
        set += (set.empty() ? "" : ", ") + std::string(c) + " = " + std::string(c) + " + excluded." + std::string(c);
    }
    return "INSERT INTO " + std::string(table) + "(" + key_list + cols + ") VALUES (" + values + ") ON CONFLICT(" +
           key_list + ") DO UPDATE SET " + set;
}
}  // namespace

struct StoreWriter::Statements {
    explicit Statements(Database& db)
        : find_file(db, "SELECT id, path, provider, kind, project_slug, parent_session, device, inode, size, offset, "
                        "line_no, head_len, head_hash, parser_state, rewrites FROM transcript_files WHERE path = ?")
        , all_files(db, "SELECT id, path, provider, kind, project_slug, parent_session, device, inode, size, offset, "
                        "line_no, head_len, head_hash, parser_state, rewrites FROM transcript_files ORDER BY id")
        , insert_file(db, "INSERT INTO transcript_files(path, provider, kind, project_slug, parent_session, updated_at) "
                          "VALUES (?,?,?,?,?,?) ON CONFLICT(path) DO NOTHING")
        , update_file(db, "UPDATE transcript_files SET device=?, inode=?, size=?, offset=?, line_no=?, head_len=?, "
                          "head_hash=?, parser_state=?, rewrites=?, updated_at=? WHERE id=?")
        // A project's folder is the shortest (lexically first) cwd its lines name: the root the agent
        // was started in, not a subfolder it moved to; and the same whatever order lines are read in.
        , upsert_project(db, "INSERT INTO projects(provider, slug, display_name, cwd, first_seen, last_seen) "
                             "VALUES (?1,?2,?3,?4,?5,?5) ON CONFLICT(provider, slug) DO UPDATE SET "
                             "display_name = CASE WHEN excluded.cwd IS NOT NULL AND (cwd IS NULL OR excluded.cwd < cwd) "
                             "THEN excluded.display_name ELSE display_name END, "
                             "cwd = CASE WHEN excluded.cwd IS NOT NULL AND (cwd IS NULL OR excluded.cwd < cwd) "
                             "THEN excluded.cwd ELSE cwd END RETURNING id")
        , touch_project(db, "UPDATE projects SET first_seen = min(coalesce(first_seen, ?1), ?1), "
                            "last_seen = max(coalesce(last_seen, ?2), ?2) WHERE id = ?3")
        // A session's machine is the one it was first seen on; its user the first one named.
        , upsert_session(db, "INSERT INTO sessions(project_id, provider, session_id, started_at, last_at, cwd, "
                             "git_branch, cli_version, place_at, machine, user_name) VALUES (?1,?2,?3,?4,?4,?5,?6,?7, "
                             "CASE WHEN ?5 IS NOT NULL THEN ?4 END, ?8, ?9) "
                             "ON CONFLICT(provider, session_id) DO UPDATE SET "
                             "user_name = coalesce(user_name, excluded.user_name) RETURNING id")
        // The version is the latest line's (by time), cwd and branch those of the latest line that names a
        // folder (place_at: telemetry and some agents' records name none), the model the latest message's:
        // the same whatever order files and lines are read in, and across restarts.
        , touch_session(db, "UPDATE sessions SET started_at = min(coalesce(started_at, ?1), ?1), "
                            "last_at = max(coalesce(last_at, ?2), ?2), "
                            "cwd = CASE WHEN ?7 >= coalesce(place_at, '') THEN ?3 ELSE cwd END, "
                            "git_branch = CASE WHEN ?7 >= coalesce(place_at, '') THEN ?4 ELSE git_branch END, "
                            "place_at = CASE WHEN ?7 >= coalesce(place_at, '') THEN ?7 ELSE place_at END, "
                            "cli_version = CASE WHEN ?2 >= coalesce(last_at, '') THEN ?5 ELSE cli_version END, "
                            "model = coalesce((SELECT m.model FROM messages m WHERE m.session_id = ?6 AND "
                            "m.model IS NOT NULL AND m.model <> '<synthetic>' ORDER BY m.ts DESC LIMIT 1), "
                            "CASE WHEN ?2 >= coalesce(last_at, '') THEN ?8 END, model), seq = ?9 "
                            "WHERE id = ?6")
        , insert_message(db, "INSERT INTO messages(provider, project_id, session_id, file_id, line_no, line_key, "
                             "parent_key, ts, day, kind, role, model, api_message_id, request_id, input_tokens, "
                             "output_tokens, cache_read_tokens, cache_create_tokens, is_sidechain, agent_id, byte_offset) "
                             "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(line_key) DO NOTHING")
        , find_message(db, "SELECT id FROM messages WHERE line_key = ?")
        // A line restated in several files (a resumed Claude session copies the earlier lines) points at
        // the lexically first of them: the same whatever order files are read in (backfill reads by path,
        // the watcher as files change).
        , relocate_message(db, "UPDATE messages SET file_id = ?1, line_no = ?2, byte_offset = ?4 WHERE line_key = ?3 AND file_id <> ?1 "
                               "AND (SELECT path FROM transcript_files WHERE id = ?1) < "
                               "(SELECT path FROM transcript_files f WHERE f.id = messages.file_id)")
        , find_usage(db, "SELECT id, input_tokens, output_tokens, cache_read_tokens, cache_create_tokens, "
                         "cache_create_1h_tokens, reasoning_tokens, model, coalesce(service_tier, ''), "
                         "unixepoch(ts) / 900, project_id, session_id, CAST(round(cost_usd * 1e9) AS INTEGER), "
                         "cost_source = 'unpriced', cost_source = 'estimate_model_unknown', machine "
                         "FROM usage_events WHERE dedup_key = ?")
        , insert_usage(db, "INSERT INTO usage_events(provider, project_id, session_id, message_id, ts, day, model, "
                           "input_tokens, output_tokens, cache_read_tokens, cache_create_tokens, "
                           "cache_create_1h_tokens, reasoning_tokens, cost_usd, cost_source, service_tier, dedup_key, "
                           "machine, user_name) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)")
        , grow_usage(db, "UPDATE usage_events SET input_tokens=?, output_tokens=?, cache_read_tokens=?, "
                         "cache_create_tokens=?, cache_create_1h_tokens=?, reasoning_tokens=?, cost_usd=?, "
                         "cost_source=?, update_seq=?, updated_at=? WHERE id=?")
        , max_update_seq(db, "SELECT coalesce(max(update_seq), 0) FROM usage_events")
        , max_session_seq(db, "SELECT coalesce(max(seq), 0) FROM sessions")
        , max_result_seq(db, "SELECT coalesce(max(result_seq), 0) FROM message_tool_mart")
        , insert_call(db, "INSERT INTO message_tool_mart(provider, message_id, project_id, session_id, ts, ts_ms, day, "
                          "tool_name, file_path, byte_count, call_index, tool_use_id, machine, user_name) "
                          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
                          "ON CONFLICT(provider, tool_use_id) DO NOTHING")
        , calls_for_response(db, "SELECT count(*) FROM message_tool_mart t JOIN messages m ON m.id = t.message_id "
                                 "WHERE m.api_message_id = ?")
        , pair_result(db, "UPDATE message_tool_mart SET result_ts = ?1, "
                          "latency_ms = CASE WHEN ?9 IS NOT NULL THEN ?9 WHEN ?8 AND ?2 >= ts_ms THEN ?2 - ts_ms ELSE NULL END, "
                          "is_error = ?3, "
                          "result_bytes = ?4, byte_count = coalesce(byte_count, ?4), result_seq = ?5 "
                          "WHERE provider = ?6 AND tool_use_id = ?7 AND result_ts IS NULL RETURNING session_id")
        // Not a new result: the live feed keeps what it sent (result_seq unchanged), reports read the row.
        , set_latency(db, "UPDATE message_tool_mart SET latency_ms = ?1 WHERE provider = ?2 AND tool_use_id = ?3 "
                          "AND result_ts IS NOT NULL")
        , call_exists(db, "SELECT 1 FROM message_tool_mart WHERE provider = ? AND tool_use_id = ?")
        , find_call(db, "SELECT id FROM message_tool_mart WHERE provider = ? AND tool_use_id = ?")
        , count_pending(db, "SELECT count(*) FROM pending_tool_results")
        , insert_pending(db, "INSERT INTO pending_tool_results(provider, tool_use_id, ts, ts_ms, is_error, result_bytes) "
                             "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING")
        , take_pending(db, "DELETE FROM pending_tool_results WHERE provider = ? AND tool_use_id = ? "
                           "RETURNING ts_ms, is_error, result_bytes")
        // Aggregates (Migrations, step 4): one upsert per slot and session a batch changed.
        , add_to_slot(db, add_sums("usage_slots", {"slot", "provider", "project_id", "model", "machine"}, false))
        , add_to_session(db, add_sums("session_totals", {"session_id"}, true))
        , insert_error(db, "INSERT INTO ingest_errors(ts, path, line_no, kind, message) VALUES (?,?,?,?,?)")
        , trim_errors(db, "DELETE FROM ingest_errors WHERE id <= (SELECT max(id) FROM ingest_errors) - ?")
        , beat(db, "INSERT INTO watcher_heartbeat(id, state, reason, pid, hostname, version, started_at, beat_at, "
                   "beat_ms, interval_ms, counters) VALUES (1,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET "
                   "state=excluded.state, reason=excluded.reason, pid=excluded.pid, hostname=excluded.hostname, "
                   "version=excluded.version, started_at=excluded.started_at, beat_at=excluded.beat_at, "
                   "beat_ms=excluded.beat_ms, interval_ms=excluded.interval_ms, counters=excluded.counters")
        , limits(db) {}

    Statement find_file, all_files, insert_file, update_file, upsert_project, touch_project, upsert_session,
        touch_session, insert_message, find_message, relocate_message, find_usage, insert_usage, grow_usage, max_update_seq, max_session_seq,
        max_result_seq, insert_call, calls_for_response, pair_result, set_latency, call_exists, find_call, count_pending, insert_pending,
        take_pending, add_to_slot, add_to_session, insert_error, trim_errors, beat;
    LimitWriter limits;
};

// The changes a batch makes to usage_slots and session_totals, written at its end (flush_aggregates).
struct StoreWriter::Aggregates {
    struct Delta {
        UsageShare share;
        std::int64_t events = 0, calls = 0, errors = 0;
        void add(std::int64_t n, const UsageShare& s) {
            events += n;
            share += s;
        }
    };
    std::map<std::tuple<std::int64_t, std::string, std::int64_t, std::string, std::string>, Delta> slots;
    std::map<std::int64_t, Delta> sessions;
};

namespace {
// SQLite's CAST(round(usd * 1e9) AS INTEGER), as the migration computes it from the rows.
std::int64_t nano_usd(double usd) {
    const double v = usd * 1e9;
    return v < 0 ? -static_cast<std::int64_t>(-v + 0.5) : static_cast<std::int64_t>(v + 0.5);
}
// usage_slots' slot of a time: unixepoch(ts) / 900, the number of the 15-minute slot CostBuckets uses.
std::int64_t slot_of(EpochMs ts) { return CostBuckets::slot_of(ts) / CostBuckets::kSlotMs; }
}  // namespace

StoreWriter::UsageShare StoreWriter::usage_share(const TokenCounts& tokens, const Cost& cost) const {
    return {nano_usd(cost.usd), tokens, cost.source == "unpriced" ? 1 : 0, cost.source == "estimate_model_unknown" ? 1 : 0};
}

void StoreWriter::add_share(std::int64_t slot, std::string_view provider, std::int64_t project, std::string_view model,
                            std::string_view machine, std::int64_t session, std::int64_t events,
                            const UsageShare& share) {
    sums_->slots[{slot, std::string(provider), project, std::string(model), std::string(machine)}].add(events, share);
    sums_->sessions[session].add(events, share);
}

void StoreWriter::flush_aggregates() {
    for (const auto& [key, d] : sums_->slots) {
        const auto& [slot, provider, project, model, machine] = key;
        const TokenCounts& t = d.share.tokens;
        st_->add_to_slot.bind(1, slot).bind(2, provider).bind(3, project).bind(4, model).bind(5, machine)
            .bind(6, d.share.cost_nusd).bind(7, t.input).bind(8, t.output).bind(9, t.cache_read).bind(10, t.cache_create)
            .bind(11, t.cache_create_1h).bind(12, t.reasoning).bind(13, d.events).bind(14, d.share.unpriced)
            .bind(15, d.share.estimated)
            .run();
    }
    for (const auto& [session, d] : sums_->sessions) {
        const TokenCounts& t = d.share.tokens;
        st_->add_to_session.bind(1, session).bind(2, d.share.cost_nusd).bind(3, t.input).bind(4, t.output)
            .bind(5, t.cache_read).bind(6, t.cache_create).bind(7, t.cache_create_1h).bind(8, t.reasoning)
            .bind(9, d.events).bind(10, d.share.unpriced).bind(11, d.share.estimated).bind(12, d.calls)
            .bind(13, d.errors)
            .run();
    }
}

StoreWriter::StoreWriter(Database& db, std::shared_ptr<const PriceBook> prices)
    : db_(db), prices_(std::move(prices)), st_(std::make_unique<Statements>(db)), search_(db), origin_(local_origin()) {
    // Rows land in several indexes keyed on random ids (uuids, response keys): with SQLite's default
    // 2 MB page cache nearly every insert re-reads and re-dirties pages. Bounded, so RSS stays flat.
    db_.exec("PRAGMA cache_size=-" + std::to_string(kPageCacheKiB));
}

StoreWriter::~StoreWriter() = default;

namespace {
FileRecord read_file_row(Statement& s) {
    FileRecord f;
    f.id = s.column_int(0);
    f.path = s.column_text(1);
    f.provider = s.column_text(2);
    f.kind = s.column_text(3);
    f.project_slug = s.column_text(4);
    f.parent_session = s.column_text(5);
    f.device = s.column_int(6);
    f.inode = s.column_int(7);
    f.size = s.column_int(8);
    f.offset = s.column_int(9);
    f.line_no = s.column_int(10);
    f.head_len = s.column_int(11);
    f.head_hash = s.column_text(12);
    f.parser_state = s.column_text(13);
    f.rewrites = s.column_int(14);
    return f;
}
}  // namespace

std::optional<FileRecord> StoreWriter::find_file(const std::string& path) {
    Statement& s = st_->find_file;
    ResetGuard g(s);
    s.bind(1, path);
    if (!s.step()) return std::nullopt;
    return read_file_row(s);
}

std::vector<FileRecord> StoreWriter::all_files() {
    Statement& s = st_->all_files;
    ResetGuard g(s);
    std::vector<FileRecord> out;
    while (s.step()) out.push_back(read_file_row(s));
    return out;
}

FileRecord StoreWriter::ensure_file(const FileRecord& proto) {
    if (auto f = find_file(proto.path)) return *f;
    st_->insert_file.bind(1, proto.path)
        .bind(2, proto.provider)
        .bind(3, proto.kind)
        .bind(4, nonempty(proto.project_slug))
        .bind(5, nonempty(proto.parent_session))
        .bind(6, format_iso8601(now_epoch_ms()))
        .run();
    auto f = find_file(proto.path);
    if (!f) throw StoreError(SQLITE_ERROR, "transcript_files: row for " + proto.path + " vanished");
    return *f;
}

void StoreWriter::drop_caches() {
    last_session_.project = 0;
    projects_.clear();
    sessions_.clear();
    usage_.clear();
    calls_per_response_.clear();
    update_seq_.reset();
    session_seq_.reset();
    result_seq_.reset();
    pending_results_.reset();
}

// The lines of a batch mostly share their time with the line before (a response's records, a rollup's
// models, a message's tool calls): formatted once.
const std::string& StoreWriter::iso(EpochMs ts) {
    if (ts != iso_ms_ || iso_text_.empty()) {
        iso_text_ = format_iso8601(ts);
        iso_ms_ = ts;
    }
    return iso_text_;
}

std::int64_t StoreWriter::project_id(const ParsedLine& line, std::string_view provider) {
    const std::string key = key2(key2(provider, line.session.project_slug), line.session.cwd);
    if (auto it = projects_.find(key); it != projects_.end()) return it->second;
    Statement& s = st_->upsert_project;
    ResetGuard g(s);
    const std::string& ts = iso(line.ts);
    s.bind(1, provider)
        .bind(2, line.session.project_slug)
        .bind(3, line.session.project_name.empty() ? line.session.project_slug : line.session.project_name)
        .bind(4, nonempty(line.session.cwd))
        .bind(5, ts);
    if (!s.step()) throw StoreError(SQLITE_ERROR, "project upsert returned no row");
    const std::int64_t id = s.column_int(0);
    // Cached per cwd, so that every folder a project's lines name is seen once (see upsert_project); lines
    // that name no cwd (Gemini CLI's) change nothing after the first and are cached too: upserting the
    // project again for each of them cost half of a Gemini backfill's time.
    projects_.emplace(key, id);
    return id;
}

std::int64_t StoreWriter::session_row(const ParsedLine& line, std::string_view provider, std::int64_t project) {
    const std::string key = key2(provider, line.session.session_id);
    if (auto it = sessions_.find(key); it != sessions_.end()) return it->second;
    Statement& s = st_->upsert_session;
    ResetGuard g(s);
    s.bind(1, project)
        .bind(2, provider)
        .bind(3, line.session.session_id)
        .bind(4, iso(line.ts))
        .bind(5, nonempty(line.session.cwd))
        .bind(6, nonempty(line.session.git_branch))
        .bind(7, nonempty(line.session.cli_version))
        .bind(8, machine_of(line.session))
        .bind(9, nonempty(user_of(line.session)));
    if (!s.step()) throw StoreError(SQLITE_ERROR, "session upsert returned no row");
    const std::int64_t id = s.column_int(0);
    sessions_.emplace(key, id);
    return id;
}

std::int64_t StoreWriter::message_row(const ParsedLine& line, const FileRecord& file, std::int64_t project,
                                      std::int64_t session, BatchResult& r, bool& fresh) {
    const MessageRecord& m = *line.message;
    const std::string& ts = iso(line.ts);
    st_->insert_message.bind(1, file.provider)
        .bind(2, project)
        .bind(3, session)
        .bind(4, file.id)
        .bind(5, line.line_no)
        .bind(6, m.line_key)
        .bind(7, nonempty(m.parent_key))
        .bind(8, ts)
        .bind(9, std::string_view(ts).substr(0, 10))
        .bind(10, m.kind)
        .bind(11, nonempty(m.role))
        .bind(12, nonempty(m.model))
        .bind(13, nonempty(m.api_message_id))
        .bind(14, nonempty(m.request_id))
        .bind(15, m.tokens.input)
        .bind(16, m.tokens.output)
        .bind(17, m.tokens.cache_read)
        .bind(18, m.tokens.cache_create)
        .bind(19, m.is_sidechain ? 1 : 0)
        .bind(20, nonempty(m.agent_id))
        .bind(21, byte_offset(line));
    if (st_->insert_message.run() == 1) {
        ++r.messages;
        fresh = true;
        return db_.last_insert_rowid();
    }
    fresh = false;
    st_->relocate_message.bind(1, file.id).bind(2, line.line_no).bind(3, m.line_key).bind(4, byte_offset(line)).run();
    Statement& f = st_->find_message;
    ResetGuard g(f);
    f.bind(1, m.line_key);
    return f.step() ? f.column_int(0) : 0;
}

std::int64_t StoreWriter::next_update_seq() {
    if (!update_seq_) {
        ResetGuard g(st_->max_update_seq);
        st_->max_update_seq.step();
        update_seq_ = st_->max_update_seq.column_int(0);
    }
    return ++*update_seq_;
}

std::int64_t StoreWriter::next_session_seq() {
    if (!session_seq_) {
        ResetGuard g(st_->max_session_seq);
        st_->max_session_seq.step();
        session_seq_ = st_->max_session_seq.column_int(0);
    }
    return ++*session_seq_;
}

// A cost the source states (a forwarded row, an agent's telemetry) replaces the price card's.
void StoreWriter::stated_cost(const UsageRecord& u, Cost& c) {
    if (!u.cost_usd) return;
    c.usd = *u.cost_usd;
    c.source = u.cost_source.empty() ? "reported" : u.cost_source;
}

// Looked up once per process (a function-local static: its initialisation is thread-safe), with
// getpwuid_r: the serve thread and the watcher thread both ask (getpwuid's static buffer is not safe to
// share; found by TSan).
StoreWriter::Origin StoreWriter::local_origin() {
    static const Origin here = [] {
        Origin o;
        char host[256] = {0};
        if (gethostname(host, sizeof host - 1) == 0) o.machine = host;
        passwd pw{};
        passwd* found = nullptr;
        std::vector<char> buf(16'384);
        if (getpwuid_r(geteuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_name)
            o.user = found->pw_name;
        else if (const char* u = std::getenv("USER"))
            o.user = u;
        return o;
    }();
    return here;
}

std::int64_t StoreWriter::next_result_seq() {
    if (!result_seq_) {
        ResetGuard g(st_->max_result_seq);
        st_->max_result_seq.step();
        result_seq_ = st_->max_result_seq.column_int(0);
    }
    return *result_seq_ + 1;
}

void StoreWriter::apply_usage(const ParsedLine& line, const UsageRecord& u, const IngestBatch& batch,
                              std::int64_t project, std::int64_t session, std::int64_t message, BatchResult& r) {
    const std::string_view provider = batch.file.provider;
    auto it = usage_.find(u.dedup_key);
    if (it == usage_.end()) {
        Statement& f = st_->find_usage;
        ResetGuard g(f);
        f.bind(1, u.dedup_key);
        if (f.step()) {
            UsageSeen seen{f.column_int(0),
                           {f.column_int(1), f.column_int(2), f.column_int(3), f.column_int(4), f.column_int(5),
                            f.column_int(6)},
                           f.column_text(7),
                           f.column_text(8),
                           f.column_int(9),
                           f.column_int(10),
                           f.column_int(11),
                           {},
                           f.column_text(15)};
            seen.share = {f.column_int(12), seen.tokens, f.column_int(13), f.column_int(14)};
            if (usage_.size() >= kUsageCacheMax) usage_.clear();
            it = usage_.emplace(u.dedup_key, std::move(seen)).first;
        }
    }
    if (it == usage_.end()) {
        Cost c = prices_->cost(batch.price_family, u.model, u.tokens, u.service_tier == "priority");
        stated_cost(u, c);
        const std::string& ts = iso(line.ts);
        st_->insert_usage.bind(1, provider)
            .bind(2, project)
            .bind(3, session)
            .bind(4, message ? std::optional<std::int64_t>(message) : std::nullopt)
            .bind(5, ts)
            .bind(6, std::string_view(ts).substr(0, 10))
            .bind(7, u.model)
            .bind(8, u.tokens.input)
            .bind(9, u.tokens.output)
            .bind(10, u.tokens.cache_read)
            .bind(11, u.tokens.cache_create)
            .bind(12, u.tokens.cache_create_1h)
            .bind(13, u.tokens.reasoning)
            .bind(14, c.usd)
            .bind(15, c.source)
            .bind(16, nonempty(u.service_tier))
            .bind(17, u.dedup_key)
            .bind(18, machine_of(line.session))
            .bind(19, nonempty(user_of(line.session)))
            .run();
        const UsageShare share = usage_share(u.tokens, c);
        add_share(slot_of(line.ts), provider, project, u.model, machine_of(line.session), session, 1, share);
        if (usage_.size() >= kUsageCacheMax) usage_.clear();
        usage_.emplace(u.dedup_key, UsageSeen{db_.last_insert_rowid(), u.tokens, u.model, u.service_tier,
                                              slot_of(line.ts), project, session, share,
                                              std::string(machine_of(line.session))});
        ++r.usage_new;
        return;
    }
    if (!u.grows) return;  // exact records: the first sighting is final
    UsageSeen& seen = it->second;
    const TokenCounts merged = field_max(seen.tokens, u.tokens);
    // A stated cost that changed with the same tokens (a forwarded row re-priced at its source) moves too.
    const bool cost_changed = u.cost_usd && nano_usd(*u.cost_usd) != seen.share.cost_nusd;
    if (merged == seen.tokens && !cost_changed) return;
    Cost c = prices_->cost(batch.price_family, seen.model, merged, seen.tier == "priority");
    stated_cost(u, c);
    st_->grow_usage.bind(1, merged.input)
        .bind(2, merged.output)
        .bind(3, merged.cache_read)
        .bind(4, merged.cache_create)
        .bind(5, merged.cache_create_1h)
        .bind(6, merged.reasoning)
        .bind(7, c.usd)
        .bind(8, c.source)
        .bind(9, next_update_seq())
        .bind(10, iso(line.ts))
        .bind(11, seen.id)
        .run();
    // The row's share moves from its old figures to the new ones.
    const UsageShare share = usage_share(merged, c);
    UsageShare growth = share;
    growth -= seen.share;
    add_share(seen.slot, provider, seen.project, seen.model, seen.machine, seen.session, 0, growth);
    seen.share = share;
    seen.tokens = merged;
    ++r.usage_updated;
}

std::int64_t StoreWriter::calls_so_far(const std::string& api_message_id) {
    if (auto it = calls_per_response_.find(api_message_id); it != calls_per_response_.end()) return it->second;
    Statement& s = st_->calls_for_response;
    ResetGuard g(s);
    s.bind(1, api_message_id);
    const std::int64_t n = s.step() ? s.column_int(0) : 0;
    if (calls_per_response_.size() >= kCallCacheMax) calls_per_response_.clear();
    calls_per_response_.emplace(api_message_id, n);
    return n;
}

void StoreWriter::apply_tool_call(const ParsedLine& line, const ToolCallRecord& call, std::string_view provider,
                                  std::int64_t project, std::int64_t session, std::int64_t message,
                                  std::int64_t call_index, BatchResult& r) {
    const std::string& ts = iso(line.ts);
    st_->insert_call.bind(1, provider)
        .bind(2, message ? std::optional<std::int64_t>(message) : std::nullopt)
        .bind(3, project)
        .bind(4, session)
        .bind(5, ts)
        .bind(6, line.ts)
        .bind(7, std::string_view(ts).substr(0, 10))
        .bind(8, call.tool_name)
        .bind(9, call.file_path)
        .bind(10, call.byte_count)
        .bind(11, call.call_index.value_or(call_index))
        .bind(12, call.tool_use_id)
        .bind(13, machine_of(line.session))
        .bind(14, nonempty(user_of(line.session)));
    const SearchIndexWriter::Where where{provider, project, session, line.ts};
    const std::optional<std::int64_t> message_id = message ? std::optional<std::int64_t>(message) : std::nullopt;
    if (st_->insert_call.run() != 1) {
        // Seen before (re-read or replayed file): its index entry is there, unless the index was emptied
        // to be rebuilt.
        Statement& f = st_->find_call;
        std::int64_t id = 0;
        {
            ResetGuard g(f);
            f.bind(1, provider).bind(2, call.tool_use_id);
            if (f.step()) id = f.column_int(0);
        }
        search_.tool_call(where, id, message_id, call.tool_name, call.file_path, call.command, false);
        return;
    }
    search_.tool_call(where, db_.last_insert_rowid(), message_id, call.tool_name, call.file_path, call.command, true);
    ++r.tool_calls;
    ++sums_->sessions[session].calls;
    if (!pending_results_) {
        ResetGuard g(st_->count_pending);
        st_->count_pending.step();
        pending_results_ = st_->count_pending.column_int(0);
    }
    if (*pending_results_ == 0) return;
    // The result was seen before its call (another file, or an out-of-order write): pair it now.
    Statement& t = st_->take_pending;
    std::optional<std::tuple<std::int64_t, bool, std::int64_t>> pending;
    {
        ResetGuard g(t);
        t.bind(1, provider).bind(2, call.tool_use_id);
        if (t.step()) pending.emplace(t.column_int(0), t.column_int(1) != 0, t.column_int(2));
        while (t.step()) {
        }
    }
    if (pending) {
        --*pending_results_;
        if (apply_tool_result(provider, call.tool_use_id, std::get<0>(*pending), std::get<1>(*pending),
                              std::get<2>(*pending), true))
            ++r.tool_results;
    }
}

bool StoreWriter::apply_tool_result(std::string_view provider, std::string_view tool_use_id, EpochMs ts, bool is_error,
                                    std::int64_t bytes, bool latency_measured, std::optional<std::int64_t> latency_ms) {
    const std::int64_t seq = next_result_seq();
    Statement& s = st_->pair_result;
    ResetGuard g(s);
    s.bind(1, iso(ts))
        .bind(2, ts)
        .bind(3, is_error ? 1 : 0)
        .bind(4, bytes)
        .bind(5, seq)
        .bind(6, provider)
        .bind(7, tool_use_id)
        .bind(8, latency_measured ? 1 : 0)
        .bind(9, latency_ms);
    if (!s.step()) return false;  // no call waiting for this result
    result_seq_ = seq;
    if (is_error) ++sums_->sessions[s.column_int(0)].errors;
    return true;
}

// First and last activity of each session and project a batch touched, with the session fields of the
// line at `last`: one UPDATE each per batch instead of one per line.
struct StoreWriter::Touched {
    struct Span {
        EpochMs first = INT64_MAX, last = INT64_MIN, placed = INT64_MIN;
        const SessionRef* latest = nullptr;
        const SessionRef* place = nullptr;  // the latest line that names a folder
    };
    std::map<std::int64_t, Span> sessions, projects;
    // The newest snapshot of each limit window in the batch: a rollout repeats its windows with every
    // token_count, and only the newest can be the stored one (the upsert keeps the newest anyway).
    struct Limit {
        const RateLimitRecord* record;
        const ParsedLine* line;
    };
    std::map<std::string_view, Limit> limits;

    void add(std::int64_t session, std::int64_t project, const ParsedLine& line) {
        for (Span* span : {&sessions[session], &projects[project]}) {
            span->first = std::min(span->first, line.ts);
            if (line.ts >= span->last) span->last = line.ts, span->latest = &line.session;
            if (!line.session.cwd.empty() && line.ts >= span->placed) span->placed = line.ts, span->place = &line.session;
        }
    }
};

BatchResult StoreWriter::commit(const IngestBatch& batch) {
    BatchResult r;
    try {
        if (grouping_ && (group_lost_ || !group_))
            throw StoreError(SQLITE_ABORT, db_.path().string() + ": earlier batches of this commit group were "
                                           "rolled back; refusing later ones so that no offset skips them");
        std::optional<Transaction> tx;
        if (grouping_)
            db_.exec("SAVEPOINT batch");
        else
            tx.emplace(db_);
        apply(batch, r);
        if (tx)
            tx->commit();
        else
            db_.exec("RELEASE batch");
    } catch (...) {
        if (grouping_ && group_ && !group_lost_) {
            sqlite3_exec(db_.handle(), "ROLLBACK TO batch; RELEASE batch", nullptr, nullptr, nullptr);
            // Some errors (disk full, I/O) make SQLite roll back the whole transaction: the group is lost.
            if (sqlite3_get_autocommit(db_.handle())) group_lost_ = true;
        }
        drop_caches();
        throw;
    }
    return r;
}

void StoreWriter::apply(const IngestBatch& batch, BatchResult& r) {
    Touched touched;
    sums_ = std::make_unique<Aggregates>();
    for (const ParsedLine& line : batch.lines) apply_line(line, batch, touched, r);
    flush_aggregates();
    for (const auto& [id, span] : touched.sessions) {
        Statement& t = st_->touch_session;
        t.bind(1, format_iso8601(span.first))
            .bind(2, format_iso8601(span.last))
            .bind(5, nonempty(span.latest->cli_version))
            .bind(6, id)
            .bind(8, nonempty(span.latest->model))
            .bind(9, next_session_seq());
        if (span.place)
            t.bind(3, nonempty(span.place->cwd))
                .bind(4, nonempty(span.place->git_branch))
                .bind(7, format_iso8601(span.placed));
        else
            t.bind_null(3).bind_null(4).bind_null(7);  // NULL >= ...: nothing changes
        t.run();
    }
    for (const auto& [id, span] : touched.projects)
        st_->touch_project.bind(1, format_iso8601(span.first)).bind(2, format_iso8601(span.last)).bind(3, id).run();
    for (const auto& [window, l] : touched.limits)
        r.limit_windows += st_->limits.upsert(batch.file.provider, *l.record, l.line->ts, kLimitSourceTranscript,
                                              l.line->session.session_id);

    const std::string now = format_iso8601(now_epoch_ms());
    record_errors(batch, now);
    const FileRecord& f = batch.file;
    st_->update_file.bind(1, f.device)
        .bind(2, f.inode)
        .bind(3, f.size)
        .bind(4, f.offset)
        .bind(5, f.line_no)
        .bind(6, f.head_len)
        .bind(7, f.head_hash)
        .bind(8, nonempty(f.parser_state))
        .bind(9, f.rewrites)
        .bind(10, now)
        .bind(11, f.id)
        .run();
}

void StoreWriter::apply_line(const ParsedLine& line, const IngestBatch& batch, Touched& touched, BatchResult& r) {
    const std::string_view provider = batch.file.provider;
    // The lines of a file name the same session over and over: its ids without building the caches' keys.
    LastSession& last = last_session_;
    if (!(last.project > 0 && last.provider == provider && last.slug == line.session.project_slug &&
          last.cwd == line.session.cwd && last.session_id == line.session.session_id)) {
        last.project = 0;
        const std::int64_t p = project_id(line, provider);
        last.session = session_row(line, provider, p);
        last.project = p;
        last.provider = provider;
        last.slug = line.session.project_slug;
        last.cwd = line.session.cwd;
        last.session_id = line.session.session_id;
    }
    const std::int64_t project = last.project, session = last.session;
    touched.add(session, project, line);
    std::int64_t message = 0;
    const SearchIndexWriter::Where where{provider, project, session, line.ts};
    if (line.message) {
        bool fresh = false;
        message = message_row(line, batch.file, project, session, r, fresh);
        const MessageRecord& m = *line.message;
        if (!m.text.empty()) search_.message(where, message, m.role, m.text_part, m.text, fresh && m.text_part.empty());
    }
    if (line.usage) apply_usage(line, *line.usage, batch, project, session, message, r);
    // A response's calls are numbered across the lines it is written over (call_index).
    std::int64_t base_index = 0;
    const std::string& api_id = line.message ? line.message->api_message_id : std::string();
    if (!line.tool_calls.empty() && !api_id.empty()) base_index = calls_so_far(api_id);
    std::int64_t added = 0;
    for (std::size_t i = 0; i < line.tool_calls.size(); ++i) {
        const std::int64_t before = r.tool_calls;
        apply_tool_call(line, line.tool_calls[i], provider, project, session, message,
                        base_index + static_cast<std::int64_t>(i), r);
        added += r.tool_calls - before;
    }
    if (!api_id.empty() && added > 0) calls_per_response_[api_id] = base_index + added;
    for (const ToolResultRecord& res : line.tool_results) {
        if (apply_tool_result(provider, res.tool_use_id, line.ts, res.is_error, res.result_bytes, res.latency_measured,
                              res.latency_ms))
            ++r.tool_results;
        else
            hold_result(provider, line.ts, res, r);
    }
    for (const ToolLatencyRecord& l : line.tool_latencies)
        st_->set_latency.bind(1, l.latency_ms).bind(2, provider).bind(3, l.tool_use_id).run();
    for (const RateLimitRecord& lim : line.rate_limits) {
        auto [it, fresh] = touched.limits.try_emplace(lim.window, Touched::Limit{&lim, &line});
        if (!fresh && line.ts >= it->second.line->ts) it->second = {&lim, &line};
    }
}

// A result whose call is not stored yet (it comes later in the file, or in another file) waits in
// pending_tool_results; a result for a call already paired is a duplicate line and is dropped.
void StoreWriter::hold_result(std::string_view provider, EpochMs ts, const ToolResultRecord& res, BatchResult& r) {
    Statement& e = st_->call_exists;
    {
        ResetGuard g(e);
        e.bind(1, provider).bind(2, res.tool_use_id);
        if (e.step()) return;
    }
    if (st_->insert_pending.bind(1, provider)
            .bind(2, res.tool_use_id)
            .bind(3, format_iso8601(ts))
            .bind(4, ts)
            .bind(5, res.is_error ? 1 : 0)
            .bind(6, res.result_bytes)
            .run() == 1) {
        ++r.results_pending;
        if (pending_results_) ++*pending_results_;
    }
}

void StoreWriter::record_errors(const IngestBatch& batch, const std::string& now) {
    for (const LineError& e : batch.errors)
        st_->insert_error.bind(1, now)
            .bind(2, batch.file.path)
            .bind(3, e.line_no)
            .bind(4, line_issue_name(e.issue))
            .bind(5, e.detail)
            .run();
    if (!batch.errors.empty() && (errors_logged_ += static_cast<std::int64_t>(batch.errors.size())) > 1000) {
        st_->trim_errors.bind(1, kErrorLogKeep).run();
        errors_logged_ = 0;
    }
}

void StoreWriter::begin_group() {
    abandon_group();
    group_.emplace(db_);
    grouping_ = true;
}

void StoreWriter::end_group() {
    if (!grouping_) return;
    if (!group_lost_) {
        try {
            group_->commit();
            group_.reset();
            grouping_ = false;
            return;
        } catch (const StoreError&) {
            group_lost_ = true;
            drop_caches();
            throw;
        }
    }
    drop_caches();
    throw StoreError(SQLITE_ABORT, db_.path().string() + ": a commit group was rolled back; its files are read "
                                   "again from their stored offsets on the next run");
}

void StoreWriter::abandon_group() {
    if (grouping_ && !group_lost_) drop_caches();  // they may name rows the rollback removes
    group_.reset();  // rolls back if still open
    grouping_ = group_lost_ = false;
}

void StoreWriter::beat(std::string_view state, std::string_view reason, std::string_view counters_json,
                       std::int64_t interval_ms, std::string_view started_at) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    const EpochMs now = now_epoch_ms();
    st_->beat.bind(1, state)
        .bind(2, nonempty(reason))
        .bind(3, static_cast<std::int64_t>(getpid()))
        .bind(4, std::string_view(host))
        .bind(5, AGENTPULSE_VERSION)
        .bind(6, started_at)
        .bind(7, format_iso8601(now))
        .bind(8, now)
        .bind(9, interval_ms)
        .bind(10, counters_json)
        .run();
}

}  // namespace agentpulse
