// The store side of plan limit windows (table limit_windows, docs/schema.md): the newest snapshot of each
// agent's window, written by ingest (StoreWriter, from transcripts) and by `agentpulse statusline`, and read
// by /api/limits, the poller's rate_limits frames and the status line, together with the estimate of
// Claude's 5-hour blocks from usage where no window is reported.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/RateLimits.hpp"
#include "model/TranscriptRecords.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

class LimitWriter {
public:
    explicit LimitWriter(Database& db);
    // Keeps the snapshot unless the stored one of that window was observed later. Returns whether it changed
    // the row. Runs inside the caller's transaction, if any.
    bool upsert(std::string_view provider, const RateLimitRecord& r, EpochMs observed_at, std::string_view source,
                std::string_view session_id);

private:
    Statement upsert_;
};

// Agents whose 5-hour window is estimated from usage when none is reported (Claude: its transcripts carry
// no limits; its status line does, when Claude Code runs `agentpulse statusline`).
inline constexpr std::string_view kEstimatedBlockProvider = "claude";

class LimitReader {
public:
    explicit LimitReader(Database& db);
    // Every stored window (by provider, then window), then the estimated 5-hour block of
    // kEstimatedBlockProvider when it has no five_hour window reported since its block started.
    std::vector<LimitState> current(EpochMs now);
    std::vector<LimitState> stored();
    std::optional<LimitState> estimated_block(std::string_view provider, EpochMs now);
    // Feeds `t` the agent's usage of the last 24 hours (where its current block started: an estimate, a
    // chain of blocks older than that is not followed).
    void feed_block(UsageBlockTracker& t, std::string_view provider, EpochMs now);

private:
    // None while the store is older than the table (a --no-watcher server's store, until its writer
    // migrates it): looked for again at each read.
    bool prepare_windows();
    Database& db_;
    std::optional<Statement> windows_;
    Statement activity_;
};

}  // namespace agentpulse
