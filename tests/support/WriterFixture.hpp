// A migrated store on a temporary file, a StoreWriter on it priced by the shipped price card, and a way
// to feed it transcript lines through the real parsers, batch by batch.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "core/PriceBook.hpp"
#include "agents/AgentRegistry.hpp"
#include "store/Migrations.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse::test {

inline std::shared_ptr<const PriceBook> shipped_prices() {
    static const auto book = std::make_shared<const PriceBook>(PriceBook::load_file(AGENTPULSE_PRICING_FILE));
    return book;
}

class WriterFixture {
  public:
    WriterFixture() : db_(std::make_unique<Database>(dir / "store.db", Database::Mode::ReadWrite)) {
        migrate(*db_);
        writer_ = std::make_unique<StoreWriter>(*db_, shipped_prices());
    }

    Database& db() { return *db_; }
    StoreWriter& writer() { return *writer_; }

    // A new connection and writer, as after a restart: no in-memory cache survives.
    void restart() {
        writer_.reset();
        db_ = std::make_unique<Database>(dir / "store.db", Database::Mode::ReadWrite);
        migrate(*db_);
        writer_ = std::make_unique<StoreWriter>(*db_, shipped_prices());
    }

    // A Claude session file of project `slug` (or, with `parent`, a sub-agent file of that session).
    FileRecord claude_file(const std::string& name, const std::string& slug = "-home-ana-src-shop",
                           const std::string& parent = {}) {
        FileRecord f;
        f.path = (dir / "claude" / slug / name).string();
        f.provider = "claude";
        f.kind = parent.empty() ? "session" : "subagent";
        f.project_slug = slug;
        f.parent_session = parent;
        return writer_->ensure_file(f);
    }

    FileRecord codex_file(const std::string& name) {
        FileRecord f;
        f.path = (dir / "codex" / name).string();
        f.provider = "codex";
        f.kind = "rollout";
        return writer_->ensure_file(f);
    }

    // Parses `lines` (continuing the file's line numbers and parser state) and commits them as one batch.
    BatchResult feed(FileRecord& f, const std::vector<std::string>& lines) {
        auto parser = find_agent(f.provider)->make_parser(f);
        parser->load_state(f.parser_state);
        IngestBatch batch;
        batch.price_family = find_agent(f.provider)->traits().prices.name;
        for (const std::string& l : lines) {
            ++f.line_no;
            f.offset += static_cast<std::int64_t>(l.size() + 1);
            LineIssue issue = LineIssue::None;
            parser->parse_records(l, f.line_no, batch.lines, issue);
            if (issue != LineIssue::None) batch.errors.push_back({f.line_no, issue, "test"});
        }
        f.parser_state = parser->save_state();
        batch.file = f;
        return writer_->commit(batch);
    }

    TempDir dir;

  private:
    std::unique_ptr<Database> db_;
    std::unique_ptr<StoreWriter> writer_;
};

}  // namespace agentpulse::test
