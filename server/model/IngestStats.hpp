// Counters of what ingest has done and what it refused, shown by `agentpulse status`, the watcher
// heartbeat and /metrics. Atomic so that the server thread can read them while the watcher writes.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>

#include "model/IngestBatch.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

struct IngestStats {
    std::atomic<std::int64_t> files_seen{0}, bytes_read{0}, lines_read{0}, lines_ignored{0}, lines_rejected{0},
        messages{0}, usage_events{0}, usage_updates{0}, tool_calls{0}, tool_results{0}, rewrites_detected{0},
        read_errors{0}, commit_errors{0}, batches{0};
    std::array<std::atomic<std::int64_t>, 7> issues{};  // indexed by LineIssue

    void count_issue(LineIssue i) { issues[static_cast<std::size_t>(i)]++; }
    // A batch the store committed.
    void count_commit(const BatchResult& r) {
        messages += r.messages;
        usage_events += r.usage_new;
        usage_updates += r.usage_updated;
        tool_calls += r.tool_calls;
        tool_results += r.tool_results;
        ++batches;
    }
    // {"files_seen":..., "issues":{"malformed_json":...}, ...}
    std::string to_json() const;
};

}  // namespace agentpulse
