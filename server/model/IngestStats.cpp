// JSON rendering of the ingest counters (stored in the heartbeat row).
#include "model/IngestStats.hpp"

#include <boost/json.hpp>

namespace agentpulse {

std::string IngestStats::to_json() const {
    boost::json::object o;
    o["files_seen"] = files_seen.load();
    o["bytes_read"] = bytes_read.load();
    o["lines_read"] = lines_read.load();
    o["lines_ignored"] = lines_ignored.load();
    o["lines_rejected"] = lines_rejected.load();
    o["messages"] = messages.load();
    o["usage_events"] = usage_events.load();
    o["usage_updates"] = usage_updates.load();
    o["tool_calls"] = tool_calls.load();
    o["tool_results"] = tool_results.load();
    o["rewrites_detected"] = rewrites_detected.load();
    o["read_errors"] = read_errors.load();
    o["commit_errors"] = commit_errors.load();
    o["batches"] = batches.load();
    boost::json::object is;
    for (std::size_t i = 1; i < issues.size(); ++i) is[line_issue_name(static_cast<LineIssue>(i))] = issues[i].load();
    o["issues"] = std::move(is);
    return boost::json::serialize(o);
}

}  // namespace agentpulse
