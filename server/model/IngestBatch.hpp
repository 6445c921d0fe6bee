// What one ingest step hands the store: the rows parsed from a stretch of one file, the lines that could
// not be used, and the file state to commit with them in the same transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/TranscriptFile.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

struct LineError {
    std::int64_t line_no = 0;
    LineIssue issue = LineIssue::None;
    std::string detail;
};

struct IngestBatch {
    // Which entries of the price card may price this batch's usage (AgentTraits::price_family; empty =
    // any). Points at the agent's static traits.
    std::string_view price_family;
    FileRecord file;  // the state to commit (new offset, parser state)
    std::vector<ParsedLine> lines;
    std::vector<LineError> errors;
};

// What committing a batch added or changed, by kind of row.
struct BatchResult {
    std::int64_t messages = 0, usage_new = 0, usage_updated = 0, tool_calls = 0, tool_results = 0,
                 results_pending = 0;
    std::int64_t limit_windows = 0;  // limit window snapshots that changed a stored window
    BatchResult& operator+=(const BatchResult& o) {
        messages += o.messages, usage_new += o.usage_new, usage_updated += o.usage_updated;
        tool_calls += o.tool_calls, tool_results += o.tool_results, results_pending += o.results_pending;
        limit_windows += o.limit_windows;
        return *this;
    }
    std::int64_t rows() const { return messages + usage_new + usage_updated + tool_calls + tool_results; }
};

}  // namespace agentpulse
