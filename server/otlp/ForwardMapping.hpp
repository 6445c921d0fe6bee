// agentpulse's own OTLP log events, which `--forward` sends and the receiver maps back one-to-one
// (docs/teams.md): a stored usage row, tool call or session as attributes, with the row's natural key, so
// that a central agentpulse gets the transcript-exact rows and a re-sent batch adds nothing. Both
// directions live here, so that what is sent is what is read. Pure: no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/TokenCounts.hpp"
#include "model/TranscriptRecords.hpp"
#include "otlp/OtlpDecode.hpp"

namespace agentpulse {

inline constexpr std::string_view kForwardUsage = "agentpulse.usage";
inline constexpr std::string_view kForwardTool = "agentpulse.tool_call";
inline constexpr std::string_view kForwardSession = "agentpulse.session";

// What every forwarded row names: its agent, project, session, machine and user.
// The session's version travels with every row: a row at the session's latest time sets the session's
// version as the writer does for a transcript's latest line (StoreWriter's touch_session).
struct ForwardOrigin {
    std::string provider, project_slug, project_name, session_id, machine, user, session_version;
};

struct ForwardUsage {
    ForwardOrigin origin;
    EpochMs ts = 0;
    std::string dedup_key, model, cost_source, service_tier;
    TokenCounts tokens;
    double cost_usd = 0;
};

struct ForwardTool {
    ForwardOrigin origin;
    EpochMs ts = 0;
    std::string tool_use_id, tool_name;
    std::optional<std::string> file_path;
    std::optional<std::int64_t> byte_count;
    std::int64_t call_index = 0;
    std::optional<EpochMs> result_ts;  // set once the result landed
    bool is_error = false;
    std::int64_t result_bytes = 0;
    std::optional<std::int64_t> latency_ms;
};

struct ForwardSession {
    ForwardOrigin origin;
    EpochMs started_at = 0, last_at = 0;
    std::optional<EpochMs> place_at;  // when cwd and git_branch were stated
    std::string cwd, git_branch, cli_version, model;
};

// Rows to records, grouped into one resource per (machine, user): host.name and enduser.id.
class ForwardEncoder {
public:
    void add(const ForwardUsage& u);
    void add(const ForwardTool& t);
    void add(const ForwardSession& s);
    std::size_t records() const { return records_; }
    OtlpLogs take();

private:
    OtlpLogRecord& record(const ForwardOrigin& o, std::string_view event, EpochMs ts);
    OtlpLogs logs_;
    std::size_t records_ = 0;
};

// A forwarded record back to the lines the store writer applies (`event` is one of the names above), or
// a reason it cannot be used. `provider` is set to the agent's static name.
struct ForwardLines {
    std::string_view provider;
    std::vector<ParsedLine> lines;
    std::string error;  // non-empty: rejected
};
ForwardLines forwarded_lines(std::string_view event, const OtlpAttributes& record, const OtlpAttributes& resource,
                             EpochMs ts);

}  // namespace agentpulse
