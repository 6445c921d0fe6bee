// What a simulated agent wrote, counted the way the store counts it, so a test can compare the store
// with it.
#pragma once

#include <cstdint>

#include "core/TokenCounts.hpp"

namespace agentpulse {

// `messages` are lines ingest keeps as messages (Claude user/assistant lines, Codex response items),
// `usage_events` distinct billable responses (Claude: per message.id + requestId; Codex: non-zero
// token deltas), `tokens` their final sums in the store's normalisation (input excludes cache reads).
struct SynthTotals {
    std::int64_t files = 0, bytes = 0, lines = 0;
    std::int64_t messages = 0, usage_events = 0, usage_updates = 0, unpriced_events = 0;
    std::int64_t tool_calls = 0, tool_results = 0, tool_errors = 0, subagent_files = 0;
    // Sum of the latencies the agent measured itself and ingest stores as they are (Qwen Code's duration_ms);
    // 0 for writers whose latency is derived from timestamps.
    std::int64_t tool_latency_ms = 0;
    TokenCounts tokens;
    SynthTotals& operator+=(const SynthTotals& o);
    std::int64_t rows() const { return messages + usage_events + tool_calls; }
};

}  // namespace agentpulse
