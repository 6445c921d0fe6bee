// What agents' OTLP log events mean for the store: Claude Code's, Codex's, Gemini CLI's and Qwen Code's
// API-response events become usage records, their tool events tool calls with the latency the agent
// measured. Each record carries a natural key (request_id, tool_use_id, call_id, ...) so that an export
// posted twice adds nothing. docs/otlp.md has the table per agent. Pure: no I/O.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/IngestBatch.hpp"
#include "model/TranscriptRecords.hpp"
#include "otlp/OtlpDecode.hpp"

namespace agentpulse {

// Who and where a record comes from, from the resource's and the record's attributes. The store has no
// columns for these yet (a later step of issue 11): they travel with each record so that adding them is a
// matter of binding them.
struct TelemetryOrigin {
    std::string host_name;        // host.name
    std::string user_id;          // user.id (Claude: a hashed id), else user.account_uuid
    std::string user_email;       // user.email
    std::string organization_id;  // organization.id
    std::string service_name;     // service.name
};

// One mapped event: one or two ParsedLines (a tool event gives its call, at start time, and its result).
struct TelemetryRecord {
    std::string_view provider;  // the agent (AgentTraits::name)
    std::string event;          // the event's full name, e.g. claude_code.api_request
    std::vector<ParsedLine> lines;
    TelemetryOrigin origin;
};

struct MappedLogs {
    std::vector<TelemetryRecord> records;
    std::int64_t rejected = 0;      // events we map that lacked what they need (partial success)
    std::string reject_message;     // the first reason, for the answer's error_message
    std::map<std::string, std::int64_t> dropped;  // events not mapped, by name ("" = unnamed)
};

MappedLogs map_logs(const OtlpLogs& logs);

// Groups mapped records into one batch per agent (in first-seen order), ready for StoreWriter::commit: no
// transcript file (file.id 0, path "otlp:<agent>"), the agent's price family.
std::vector<IngestBatch> telemetry_batches(std::vector<TelemetryRecord>&& records);

}  // namespace agentpulse
