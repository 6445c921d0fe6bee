// Writes rows into a store from the test process, through the real StoreWriter on a connection of its
// own ("another connection" to the server that reads the store): new responses (usage_events), tool
// calls, their results and growths of earlier responses, in commits of any size, with known costs.
#pragma once

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "StoreQueries.hpp"
#include "core/IsoTime.hpp"
#include "core/PriceBook.hpp"
#include "core/Watermark.hpp"
#include "store/Migrations.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse::test {

class RowFeeder {
  public:
    explicit RowFeeder(const std::filesystem::path& store)
        : db_(std::make_unique<Database>(store, Database::Mode::ReadWrite)) {
        migrate(*db_);
        static const auto prices =
            std::make_shared<const PriceBook>(PriceBook::load_file(AGENTPULSE_PRICING_FILE));
        writer_ = std::make_unique<StoreWriter>(*db_, prices);
        FileRecord f;
        f.path = (store.parent_path() / "feeder.jsonl").string();
        f.provider = "claude";
        f.kind = "session";
        f.project_slug = "-tmp-live-shop";
        file_ = writer_->ensure_file(f);
        // Continue numbering after rows an earlier feeder on the same store wrote.
        serial_ = query_int(*db_, "SELECT count(*) FROM messages");
    }

    // One line per element of `lines`, all in one transaction.
    void commit(std::vector<ParsedLine> lines) {
        IngestBatch b;
        for (ParsedLine& l : lines) {
            l.line_no = ++file_.line_no;
            file_.offset += 100;
            b.lines.push_back(std::move(l));
        }
        b.file = file_;
        writer_->commit(b);
    }

    // A new API response (one usage_events row) with `calls` tool calls, timed `ts`.
    ParsedLine response(int calls = 0, EpochMs ts = now_epoch_ms(), std::int64_t output = 100) {
        const std::int64_t n = ++serial_;
        ParsedLine l = base(ts, n);
        MessageRecord m;
        m.line_key = "line-" + std::to_string(n);
        m.kind = "assistant";
        m.role = "assistant";
        m.model = kModel;
        m.api_message_id = "msg_" + std::to_string(n);
        m.request_id = "req_" + std::to_string(n);
        m.tokens = {1000, output, 0, 0, 0, 0};
        l.message = m;
        UsageRecord u;
        u.dedup_key = m.api_message_id + ":" + m.request_id;
        u.model = kModel;
        u.tokens = m.tokens;
        u.service_tier = "standard";
        u.grows = true;
        l.usage = u;
        responses_.push_back({m.api_message_id, m.request_id, output, l.session.session_id});
        for (int i = 0; i < calls; ++i) {
            ToolCallRecord c;
            c.tool_use_id = "toolu_" + std::to_string(n) + "_" + std::to_string(i);
            c.tool_name = i % 2 ? "Read" : "Bash";
            l.tool_calls.push_back(c);
            open_calls_.push_back({c.tool_use_id, ts});
        }
        return l;
    }

    // A later line of response `index` (0 = the first this feeder wrote) with more output tokens.
    ParsedLine growth(std::size_t index, std::int64_t more_output = 50, EpochMs ts = now_epoch_ms()) {
        Response& r = responses_.at(index);
        r.output += more_output;
        const std::int64_t n = ++serial_;
        ParsedLine l = base(ts, n);
        l.session.session_id = r.session;
        MessageRecord m;
        m.line_key = "line-" + std::to_string(n);
        m.kind = "assistant";
        m.role = "assistant";
        m.model = kModel;
        m.api_message_id = r.msg;
        m.request_id = r.req;
        m.tokens = {1000, r.output, 0, 0, 0, 0};
        l.message = m;
        UsageRecord u;
        u.dedup_key = r.msg + ":" + r.req;
        u.model = kModel;
        u.tokens = m.tokens;
        u.service_tier = "standard";
        u.grows = true;
        l.usage = u;
        return l;
    }

    // The result line of the oldest call still open (or the newest), `latency_ms` after its call (may be
    // negative).
    ParsedLine result(std::int64_t latency_ms = 250, bool is_error = false, bool newest = false) {
        const OpenCall c = newest ? open_calls_.back() : open_calls_.front();
        if (newest)
            open_calls_.pop_back();
        else
            open_calls_.pop_front();
        const std::int64_t n = ++serial_;
        ParsedLine l = base(c.ts + latency_ms, n);
        MessageRecord m;
        m.line_key = "line-" + std::to_string(n);
        m.kind = "tool_result";
        m.role = "user";
        l.message = m;
        l.tool_results.push_back({c.id, is_error, 42});
        return l;
    }

    std::size_t open_calls() const { return open_calls_.size(); }
    std::size_t responses() const { return responses_.size(); }

    // `n` responses (each with `calls` tool calls), `per_commit` to a transaction.
    void responses(int n, int calls = 0, int per_commit = 1) {
        std::vector<ParsedLine> batch;
        for (int i = 0; i < n; ++i) {
            batch.push_back(response(calls));
            if (static_cast<int>(batch.size()) >= per_commit) commit(std::move(batch)), batch.clear();
        }
        if (!batch.empty()) commit(std::move(batch));
    }
    // Results for the `n` oldest open calls, in one transaction.
    void results(int n, std::int64_t latency_ms = 250) {
        std::vector<ParsedLine> batch;
        for (int i = 0; i < n && !open_calls_.empty(); ++i) batch.push_back(result(latency_ms));
        commit(std::move(batch));
    }

    Watermark head() {
        return {query_int(*db_, "SELECT coalesce(max(id),0) FROM usage_events"),
                query_int(*db_, "SELECT coalesce(max(id),0) FROM message_tool_mart"),
                query_int(*db_, "SELECT coalesce(max(result_seq),0) FROM message_tool_mart"),
                query_int(*db_, "SELECT coalesce(max(update_seq),0) FROM usage_events")};
    }
    Database& db() { return *db_; }
    StoreWriter& writer() { return *writer_; }

    static constexpr const char* kModel = "claude-sonnet-4-5-20250929";

  private:
    struct Response {
        std::string msg, req;
        std::int64_t output;
        std::string session;
    };
    struct OpenCall {
        std::string id;
        EpochMs ts;
    };

    ParsedLine base(EpochMs ts, std::int64_t n) const {
        ParsedLine l;
        l.ts = ts;
        l.session.project_slug = "-tmp-live-shop";
        l.session.project_name = "shop";
        l.session.cwd = "/tmp/live/shop";
        l.session.session_id = "sess-" + std::to_string(n % 3);
        l.session.git_branch = "main";
        l.session.cli_version = "2.1.3";
        return l;
    }

    std::unique_ptr<Database> db_;
    std::unique_ptr<StoreWriter> writer_;
    FileRecord file_;
    std::int64_t serial_ = 0;
    std::vector<Response> responses_;
    std::deque<OpenCall> open_calls_;
};

}  // namespace agentpulse::test
