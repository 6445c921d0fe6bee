// See Forwarder.hpp.
#include "forward/Forwarder.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>

#include "core/IsoTime.hpp"
#include "forward/HttpPost.hpp"
#include "otlp/ForwardMapping.hpp"
#include "otlp/OtlpDecode.hpp"
#include "store/Database.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

namespace {

constexpr std::string_view kUsageColumns =
    "SELECT u.id, u.update_seq, u.provider, p.slug, p.display_name, s.session_id, u.machine, "
    "coalesce(u.user_name, ''), u.ts, u.dedup_key, u.model, u.input_tokens, u.output_tokens, u.cache_read_tokens, "
    "u.cache_create_tokens, u.cache_create_1h_tokens, u.reasoning_tokens, u.cost_usd, u.cost_source, "
    "coalesce(u.service_tier, ''), coalesce(s.cli_version, '') FROM usage_events u JOIN sessions s ON s.id = u.session_id "
    "JOIN projects p ON p.id = u.project_id ";
constexpr std::string_view kToolColumns =
    "SELECT t.id, t.result_seq, t.provider, p.slug, p.display_name, s.session_id, t.machine, "
    "coalesce(t.user_name, ''), t.ts_ms, t.tool_use_id, t.tool_name, t.file_path, t.byte_count, t.call_index, "
    "t.result_ts, coalesce(t.is_error, 0), coalesce(t.result_bytes, 0), t.latency_ms, coalesce(s.cli_version, '') "
    "FROM message_tool_mart t "
    "JOIN sessions s ON s.id = t.session_id JOIN projects p ON p.id = t.project_id ";

ForwardOrigin origin_at(const Statement& s, int first, int version) {
    return {s.column_text(first),     s.column_text(first + 1), s.column_text(first + 2), s.column_text(first + 3),
            s.column_text(first + 4), s.column_text(first + 5), s.column_text(version)};
}

EpochMs ms_of(const std::string& iso) { return parse_iso8601(iso).value_or(0); }

}  // namespace

struct Forwarder::Store {
    explicit Store(const std::filesystem::path& path, const std::string& destination)
        : db(path, Database::Mode::ReadWrite)
        , init((migrate(db), db), destination)
        , cursor(db, "SELECT usage_id, usage_seq, tool_id, result_seq, session_seq FROM forward_cursors "
                     "WHERE destination = ?")
        , usage_new(db, std::string(kUsageColumns) + "WHERE u.id > ? ORDER BY u.id LIMIT ?")
        , usage_grown(db, std::string(kUsageColumns) +
                              "WHERE u.update_seq > 0 AND u.update_seq > ? ORDER BY u.update_seq LIMIT ?")
        , tools_new(db, std::string(kToolColumns) + "WHERE t.id > ? ORDER BY t.id LIMIT ?")
        , tools_done(db, std::string(kToolColumns) +
                             "WHERE t.result_seq IS NOT NULL AND t.result_seq > ? ORDER BY t.result_seq LIMIT ?")
        , sessions(db, "SELECT s.seq, s.provider, p.slug, p.display_name, s.session_id, s.machine, "
                       "coalesce(s.user_name, ''), s.started_at, s.last_at, s.place_at, coalesce(s.cwd, ''), "
                       "coalesce(s.git_branch, ''), coalesce(s.cli_version, ''), coalesce(s.model, '') "
                       "FROM sessions s JOIN projects p ON p.id = s.project_id WHERE s.seq > ? ORDER BY s.seq LIMIT ?")
        , advance(db, "UPDATE forward_cursors SET usage_id = ?, usage_seq = ?, tool_id = ?, result_seq = ?, "
                      "session_seq = ?, records = records + ?, updated_at = ?, last_error = NULL WHERE destination = ?")
        , failed(db, "UPDATE forward_cursors SET last_error = ?, updated_at = ? WHERE destination = ?") {}

    struct Init {
        Init(Database& db, const std::string& destination) {
            Statement s(db, "INSERT INTO forward_cursors(destination) VALUES (?) ON CONFLICT(destination) DO NOTHING");
            s.bind(1, destination).run();
        }
    };

    Database db;
    Init init;
    Statement cursor, usage_new, usage_grown, tools_new, tools_done, sessions, advance, failed;
};

Forwarder::Forwarder(ForwarderOptions opts) : opts_(std::move(opts)) {
    if (!parse_http_url(opts_.url)) throw std::invalid_argument("--forward must be http://HOST:PORT[/PATH], not " + opts_.url);
    opts_.batch = std::clamp(opts_.batch, 1, 100'000);
}

Forwarder::~Forwarder() = default;

void Forwarder::stop() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
}

void Forwarder::sleep_for(std::chrono::milliseconds d) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, d, [this] { return stop_.load(); });
}

namespace {

// Where a destination's cursor stands (forward_cursors).
struct Cursor {
    std::int64_t usage_id = 0, usage_seq = 0, tool_id = 0, result_seq = 0, session_seq = 0;
};

// Usage rows of `s` (kUsageColumns) past `after`; `mark` ends at the largest value of column `mark_col`.
void add_usage(Statement& s, std::int64_t after, int batch, std::int64_t& mark, int mark_col, ForwardEncoder& enc) {
    ResetGuard g(s);
    s.bind(1, after).bind(2, batch);
    while (s.step()) {
        ForwardUsage u;
        u.origin = origin_at(s, 2, 20);
        u.ts = ms_of(s.column_text(8));
        u.dedup_key = s.column_text(9);
        u.model = s.column_text(10);
        u.tokens = {s.column_int(11), s.column_int(12), s.column_int(13), s.column_int(14), s.column_int(15), s.column_int(16)};
        u.cost_usd = s.column_double(17);
        u.cost_source = s.column_text(18);
        u.service_tier = s.column_text(19);
        enc.add(u);
        mark = std::max(mark, s.column_int(mark_col));
    }
}

// Tool calls of `s` (kToolColumns) past `after`, as add_usage.
void add_tools(Statement& s, std::int64_t after, int batch, std::int64_t& mark, int mark_col, ForwardEncoder& enc) {
    ResetGuard g(s);
    s.bind(1, after).bind(2, batch);
    while (s.step()) {
        ForwardTool t;
        t.origin = origin_at(s, 2, 18);
        t.ts = s.column_int(8);
        t.tool_use_id = s.column_text(9);
        t.tool_name = s.column_text(10);
        if (!s.column_is_null(11)) t.file_path = s.column_text(11);
        t.byte_count = s.column_opt_int(12);
        t.call_index = s.column_int(13);
        if (!s.column_is_null(14)) t.result_ts = ms_of(s.column_text(14));
        t.is_error = s.column_int(15) != 0;
        t.result_bytes = s.column_int(16);
        t.latency_ms = s.column_opt_int(17);
        enc.add(t);
        mark = std::max(mark, s.column_int(mark_col));
    }
}

// Changed sessions past `after`.
void add_sessions(Statement& s, std::int64_t after, int batch, std::int64_t& mark, ForwardEncoder& enc) {
    ResetGuard g(s);
    s.bind(1, after).bind(2, batch);
    while (s.step()) {
        ForwardSession f;
        f.origin = {s.column_text(1), s.column_text(2), s.column_text(3), s.column_text(4),
                    s.column_text(5), s.column_text(6), s.column_text(12)};
        f.started_at = ms_of(s.column_text(7));
        f.last_at = ms_of(s.column_text(8));
        if (!s.column_is_null(9)) f.place_at = ms_of(s.column_text(9));
        f.cwd = s.column_text(10);
        f.git_branch = s.column_text(11);
        f.cli_version = s.column_text(12);
        f.model = s.column_text(13);
        enc.add(f);
        mark = std::max(mark, s.column_int(0));
    }
}

}  // namespace

// The rows past the cursor, and where the cursor goes once they are accepted: one read snapshot.
Forwarder::Batch Forwarder::read_batch() {
    Store& st = *store_;
    st.db.exec("BEGIN");
    struct End {
        Database& db;
        ~End() { sqlite3_exec(db.handle(), "COMMIT", nullptr, nullptr, nullptr); }
    } end{st.db};
    Cursor c;
    {
        ResetGuard g(st.cursor);
        st.cursor.bind(1, opts_.url);
        if (!st.cursor.step()) throw StoreError(SQLITE_ERROR, "forward_cursors: no row for " + opts_.url);
        c = {st.cursor.column_int(0), st.cursor.column_int(1), st.cursor.column_int(2), st.cursor.column_int(3),
             st.cursor.column_int(4)};
    }
    ForwardEncoder enc;
    add_usage(st.usage_new, c.usage_id, opts_.batch, c.usage_id, 0, enc);
    add_usage(st.usage_grown, c.usage_seq, opts_.batch, c.usage_seq, 1, enc);
    add_tools(st.tools_new, c.tool_id, opts_.batch, c.tool_id, 0, enc);
    add_tools(st.tools_done, c.result_seq, opts_.batch, c.result_seq, 1, enc);
    // Sessions last: a request's rows may have blanked a session's version (their lines name none); its
    // session record, later in the same request or in a later one, sets it again.
    add_sessions(st.sessions, c.session_seq, opts_.batch, c.session_seq, enc);
    Batch b;
    b.records = enc.records();
    b.marks = {c.usage_id, c.usage_seq, c.tool_id, c.result_seq, c.session_seq};
    if (b.records > 0) b.body = encode_logs(enc.take());
    return b;
}

// A refused or failed request: said once per kind of failure, noted in the cursor's row.
Forwarder::Pass Forwarder::failed(const HttpAnswer& a, std::size_t records) {
    ++counters_.failures;
    const std::string why = a.status == 0 ? a.error : "HTTP " + std::to_string(a.status);
    if (why != last_error_) spdlog::warn("forward to {}: {} ({} records wait; retrying)", opts_.url, why, records);
    last_error_ = why;
    try {
        Transaction tx(store_->db);
        store_->failed.bind(1, why).bind(2, format_iso8601(now_epoch_ms())).bind(3, opts_.url).run();
        tx.commit();
    } catch (const StoreError& e) {
        spdlog::debug("forward: cannot note the failure: {}", e.what());
    }
    if (a.retry_after_s) sleep_for(std::chrono::seconds(*a.retry_after_s));
    return Pass::Failed;
}

Forwarder::Pass Forwarder::pass() {
    if (!store_) store_ = std::make_unique<Store>(opts_.store, opts_.url);
    const Batch b = read_batch();
    if (b.records == 0) return Pass::Idle;
    HttpUrl url = *parse_http_url(opts_.url);
    if (url.path.empty() || url.path == "/") url.path = "/v1/logs";
    const HttpAnswer a = http_post(url, "application/x-protobuf", b.body, opts_.token, opts_.timeout);
    ++counters_.requests;
    last_status_ = a.status;
    if (a.status < 200 || a.status >= 300) return failed(a, b.records);
    {
        Transaction tx(store_->db);
        store_->advance.bind(1, b.marks[0]).bind(2, b.marks[1]).bind(3, b.marks[2]).bind(4, b.marks[3])
            .bind(5, b.marks[4]).bind(6, static_cast<std::int64_t>(b.records))
            .bind(7, format_iso8601(now_epoch_ms())).bind(8, opts_.url).run();
        tx.commit();
    }
    // A record the endpoint could not use (an agent it does not know: an older build) is not sent again: the
    // same record would be refused again. Said, and counted.
    if (const auto [rejected, why] = logs_response_rejected(a.body); rejected > 0) {
        counters_.rejected += rejected;
        spdlog::warn("forward to {}: {} of {} records rejected: {}", opts_.url, rejected, b.records, why);
    }
    if (!last_error_.empty()) spdlog::info("forward to {}: accepted again", opts_.url);
    last_error_.clear();
    counters_.records += static_cast<std::int64_t>(b.records);
    counters_.bytes += static_cast<std::int64_t>(b.body.size());
    return Pass::Sent;
}

void Forwarder::run() {
    spdlog::info("forwarding the store's rows to {}", opts_.url);
    std::chrono::milliseconds backoff = opts_.min_backoff;
    while (!stop_) {
        Pass p = Pass::Failed;
        try {
            p = pass();
        } catch (const std::exception& e) {
            // The store is busy or refused (another writer, disk full): try again like a failed request.
            spdlog::warn("forward: store: {}", e.what());
            store_.reset();
        }
        switch (p) {
            case Pass::Sent: backoff = opts_.min_backoff; break;
            case Pass::Idle:
                backoff = opts_.min_backoff;
                sleep_for(opts_.idle_poll);
                break;
            case Pass::Failed:
                sleep_for(backoff);
                backoff = std::min(backoff * 2, opts_.max_backoff);
                break;
        }
    }
}

bool Forwarder::drain(std::chrono::milliseconds budget) {
    const auto deadline = std::chrono::steady_clock::now() + budget;
    std::chrono::milliseconds backoff = opts_.min_backoff;
    while (!stop_) {
        const Pass p = pass();
        if (p == Pass::Idle) return true;
        if (p == Pass::Sent) {
            backoff = opts_.min_backoff;
            continue;
        }
        // A refusal that waiting will not change (a wrong token, a wrong path): say so now.
        if (last_status_ >= 400 && last_status_ < 500 && last_status_ != 408 && last_status_ != 429) return false;
        if (std::chrono::steady_clock::now() + backoff > deadline) return false;
        sleep_for(backoff);
        backoff = std::min(backoff * 2, opts_.max_backoff);
    }
    return false;
}

}  // namespace agentpulse
