// The ingest side of the store: turns parsed transcript lines into rows, one transaction per batch,
// with the file's new offset and parser state committed in the same transaction (crash-exact resume).
// Every row has a natural key (line uuid, response key, tool_use id), so re-reading any bytes is harmless.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/PriceBook.hpp"
#include "model/IngestBatch.hpp"
#include "store/Database.hpp"
#include "store/SearchIndex.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

class StoreWriter {
public:
    StoreWriter(Database& db, std::shared_ptr<const PriceBook> prices);
    ~StoreWriter();

    std::optional<FileRecord> find_file(const std::string& path);
    // Inserts the file's row (offset 0) if it is new; returns the stored record either way.
    FileRecord ensure_file(const FileRecord& proto);
    std::vector<FileRecord> all_files();

    // Applies the batch and the file's new state atomically. On any exception nothing is written and
    // the writer's caches are dropped (they may name rows that were rolled back).
    BatchResult commit(const IngestBatch& batch);

    // Group commit, for backfill: between begin_group() and end_group() each commit() applies its batch
    // under a SAVEPOINT of one long transaction (a failed batch still leaves nothing behind) and the
    // group's rows and offsets become durable together at end_group(). A transaction per batch (at
    // least one per file) rewrites every index page it touched, which costs more than the rows.
    // If the group is lost (rolled back by SQLite, or its COMMIT fails) every later commit() throws
    // until begin_group() or abandon_group(), so no later offset can skip over the lost rows.
    void begin_group();
    void end_group();      // throws StoreError when the group could not be committed
    void abandon_group();  // rolls back whatever the group holds; back to one transaction per batch
    bool in_group() const { return grouping_; }

    // Watcher heartbeat (singleton row), in its own transaction.
    void beat(std::string_view state, std::string_view reason, std::string_view counters_json, std::int64_t interval_ms,
              std::string_view started_at);

    const PriceBook& prices() const { return *prices_; }

    // Assistant text in the search index too (--index-text); prompts, files, commands and tools always.
    void set_index_text(bool on) { search_.set_index_text(on); }
    // The machine and user of rows whose lines name none (local transcripts). Default: local_origin().
    struct Origin {
        std::string machine, user;
    };
    void set_origin(Origin o) { origin_ = std::move(o); }
    const Origin& origin() const { return origin_; }
    // This host's name and the effective OS user.
    static Origin local_origin();

private:
    struct Statements;
    struct Touched;
    struct Aggregates;

    void apply(const IngestBatch& batch, BatchResult& r);
    void apply_line(const ParsedLine& line, const IngestBatch& batch, Touched& touched, BatchResult& r);
    void hold_result(std::string_view provider, EpochMs ts, const ToolResultRecord& res, BatchResult& r);
    void record_errors(const IngestBatch& batch, const std::string& now);
    // What a usage row adds to the aggregates of its 15-minute slot and its session.
    struct UsageShare {
        std::int64_t cost_nusd = 0;
        TokenCounts tokens;
        std::int64_t unpriced = 0, estimated = 0;
        UsageShare& operator+=(const UsageShare& o) {
            cost_nusd += o.cost_nusd, tokens += o.tokens, unpriced += o.unpriced, estimated += o.estimated;
            return *this;
        }
        UsageShare& operator-=(const UsageShare& o) {
            cost_nusd -= o.cost_nusd, tokens -= o.tokens, unpriced -= o.unpriced, estimated -= o.estimated;
            return *this;
        }
    };
    struct UsageSeen {
        std::int64_t id;
        TokenCounts tokens;
        std::string model, tier;
        std::int64_t slot = 0, project = 0, session = 0;  // where the row's share is counted
        UsageShare share;
        std::string machine;
    };
    UsageShare usage_share(const TokenCounts& tokens, const Cost& cost) const;
    void add_share(std::int64_t slot, std::string_view provider, std::int64_t project, std::string_view model,
                   std::string_view machine, std::int64_t session, std::int64_t events, const UsageShare& share);
    static void stated_cost(const UsageRecord& u, Cost& c);
    std::string_view machine_of(const SessionRef& s) const { return s.machine.empty() ? origin_.machine : s.machine; }
    std::string_view user_of(const SessionRef& s) const {
        return !s.user.empty() ? std::string_view(s.user) : s.machine.empty() ? std::string_view(origin_.user) : "";
    }
    void flush_aggregates();

    std::int64_t project_id(const ParsedLine& line, std::string_view provider);
    std::int64_t session_row(const ParsedLine& line, std::string_view provider, std::int64_t project);
    std::int64_t message_row(const ParsedLine& line, const FileRecord& file, std::int64_t project, std::int64_t session,
                             BatchResult& r, bool& fresh);
    void apply_usage(const ParsedLine& line, const UsageRecord& u, const IngestBatch& batch, std::int64_t project,
                     std::int64_t session, std::int64_t message, BatchResult& r);
    void apply_tool_call(const ParsedLine& line, const ToolCallRecord& call, std::string_view provider, std::int64_t project,
                         std::int64_t session, std::int64_t message, std::int64_t call_index,
                         BatchResult& r);
    bool apply_tool_result(std::string_view provider, std::string_view tool_use_id, EpochMs ts, bool is_error,
                           std::int64_t bytes, bool latency_measured, std::optional<std::int64_t> latency_ms = {});
    const std::string& iso(EpochMs ts);
    std::int64_t next_update_seq();
    std::int64_t next_result_seq();
    std::int64_t next_session_seq();
    std::int64_t calls_so_far(const std::string& api_message_id);
    void drop_caches();

    Database& db_;
    std::shared_ptr<const PriceBook> prices_;
    std::unique_ptr<Statements> st_;
    SearchIndexWriter search_;

    std::unordered_map<std::string, std::int64_t> projects_;  // provider/slug -> id
    std::unordered_map<std::string, std::int64_t> sessions_;  // provider/session -> id
    std::unordered_map<std::string, UsageSeen> usage_;        // dedup_key -> row (bounded)
    std::unordered_map<std::string, std::int64_t> calls_per_response_;  // api message id -> calls seen
    std::optional<std::int64_t> update_seq_, result_seq_, session_seq_, pending_results_;
    Origin origin_;
    // The project and session of the last line applied (project 0: none), as the caches above hold them.
    struct LastSession {
        std::int64_t project = 0, session = 0;
        std::string provider, slug, cwd, session_id;
    } last_session_;
    EpochMs iso_ms_ = 0;
    std::string iso_text_;
    std::int64_t errors_logged_ = 0;
    std::unique_ptr<Aggregates> sums_;  // the aggregates' changes of the batch being applied
    std::optional<Transaction> group_;
    bool grouping_ = false, group_lost_ = false;
};

}  // namespace agentpulse
