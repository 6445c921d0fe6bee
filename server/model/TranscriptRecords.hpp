// What a transcript line means once parsed, independent of the agent that wrote it. Each agent's parser
// (server/agents/) produces these; StoreWriter turns them into rows. The agent itself is not named here:
// it travels with the file (FileRecord::provider), so adding an agent adds no case to these types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/TokenCounts.hpp"

namespace agentpulse {

// Where a line belongs: its project and session, and what the line tells about them.
struct SessionRef {
    std::string project_slug;   // claude: folder under projects/; codex: the cwd
    std::string project_name;   // human name (last component of the cwd)
    std::string cwd;
    std::string session_id;     // the agent's own session id
    std::string git_branch;
    std::string cli_version;
    // Where and whose: empty for local transcripts (the store writer's own machine and user, StoreWriter::
    // set_origin); telemetry (host.name, user.*) and forwarded rows name them.
    std::string machine;
    std::string user;
    // The session's model as the source states it (a forwarded session); empty: the latest message's.
    std::string model;
};

struct UsageRecord {
    std::string dedup_key;  // one API response = one key
    std::string model;
    TokenCounts tokens;
    std::string service_tier;
    // Claude writes a response over several lines whose counts can only grow: keep each field's maximum.
    // Codex deltas are exact: the first sighting is final.
    bool grows = false;
    // The cost the agent reported for this response (Claude Code's telemetry cost_usd), stored as is
    // (cost_source "reported") instead of the price card's.
    std::optional<double> cost_usd;
    // With cost_usd: its cost_source (empty: "reported"). A forwarded row keeps the source it had.
    std::string cost_source;
};

struct ToolCallRecord {
    std::string tool_use_id;
    std::string tool_name;
    std::optional<std::string> file_path;
    std::optional<std::int64_t> byte_count;  // bytes written, from the call's input; else the result's size
    // The shell command the call runs (from its input), for the search index (store/SearchIndex): stored
    // only there, never logged.
    std::string command;
    std::optional<std::int64_t> call_index;  // as the source numbered it (a forwarded row); else counted
};

struct ToolResultRecord {
    std::string tool_use_id;
    bool is_error = false;
    std::int64_t result_bytes = 0;
    // False when the agent wrote the call only once it had finished (Gemini CLI): its time is not a start
    // time, so no latency is stored (latency_ms NULL) rather than a made-up one.
    bool latency_measured = true;
    // The latency the agent measured itself (Qwen Code's tool_call telemetry duration_ms), stored instead of
    // result time minus call time. Lost if the result has to wait for its call (pending_tool_results).
    std::optional<std::int64_t> latency_ms;
};

// A latency the agent measured for a call whose result is already stored (Qwen Code's telemetry record
// written after the tool_result record): sets the stored latency; a call not stored or without a result
// yet is left as it is.
struct ToolLatencyRecord {
    std::string tool_use_id;
    std::int64_t latency_ms = 0;
};

// A plan limit window as the agent reported it at the line's time (Codex's token_count rate_limits): how
// much of the window is used and when it resets. Stored as the window's newest snapshot (store/LimitStore).
struct RateLimitRecord {
    std::string window;                         // limit_window_name(window_minutes): five_hour, weekly, <N>m
    std::optional<std::int64_t> window_minutes;
    double used_percent = 0;                    // 0-100
    std::optional<EpochMs> resets_at;
    std::string limit_id, plan_type;
};

struct MessageRecord {
    std::string line_key;    // claude: line uuid; codex: session + line hash
    std::string parent_key;
    std::string kind;        // user | assistant | tool_result | system | function_call | ...
    std::string role;
    std::string model;
    std::string api_message_id;
    std::string request_id;
    TokenCounts tokens;
    bool is_sidechain = false;
    std::string agent_id;
    // What the message says, for the search index only (store/SearchIndex; never logged): a user prompt's
    // text (kind "user", not tool results or the agent's own setup messages), or an assistant message's
    // text (indexed only with --index-text). Empty when the line has none.
    std::string text;
    // Which piece of the message `text` is, when a message has several (OpenCode: the text part's id):
    // each is its own entry of the index. Empty: the message's own text.
    std::string text_part;
};

struct ParsedLine {
    std::int64_t line_no = 0;     // 1-based, within the file
    std::int64_t byte_offset = -1;  // where the line starts in its file (-1: not a line of a file: a document, a database row)
    EpochMs ts = 0;
    SessionRef session;
    std::optional<MessageRecord> message;
    // A line reporting several usage records (a rollup of several models) gives one ParsedLine each
    // (LineParser::parse_records).
    std::optional<UsageRecord> usage;
    std::vector<ToolCallRecord> tool_calls;
    std::vector<ToolResultRecord> tool_results;
    std::vector<ToolLatencyRecord> tool_latencies;
    std::vector<RateLimitRecord> rate_limits;
};

// Why a line yielded nothing or less than it could, for the error log and the counters.
enum class LineIssue {
    None,
    Malformed,       // not JSON / not an object
    MissingField,    // a needed field absent or of the wrong type
    NoTimestamp,
    AbsurdTokens,    // usage rejected (negative or implausibly large counts)
    InvalidUtf8,     // repaired with U+FFFD
    TooLong,         // line over the configured maximum, skipped
};
const char* line_issue_name(LineIssue i);

enum class LineOutcome { Record, Ignored, Rejected };

}  // namespace agentpulse
