// One-shot ingest of everything the roots hold (agentpulse ingest without --follow), reporting progress.
#pragma once

#include <cstdint>
#include <functional>

#include "model/IngestStats.hpp"
#include "ingest/TranscriptDiscovery.hpp"
#include "ingest/TranscriptTailer.hpp"

namespace agentpulse {

struct BackfillProgress {
    std::int64_t files_total = 0, files_done = 0;
    std::int64_t bytes_total = 0, bytes_done = 0;
    double seconds = 0;
};

struct BackfillResult {
    std::int64_t files = 0, bytes = 0, failed_files = 0;
    double seconds = 0;
};

// Reads every transcript to its end, or until *opts.cancel turns true (what was read by then is committed).
// `on_progress` is called after each commit and each file.
BackfillResult run_backfill(StoreWriter& writer, const AgentRoots& roots, IngestStats& stats,
                            const TailerOptions& opts, const std::function<void(const BackfillProgress&)>& on_progress);

}  // namespace agentpulse
