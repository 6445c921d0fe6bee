// OpenCode's objects as records, whichever layout holds them: the database (since v1.2: `session`,
// `message` and `part` rows, `data` being the object without its ids) and the legacy JSON tree (one file
// per object, ids in the path) hold the same sessions, messages and parts under the same ids, and become
// the same ParsedLines here. So a message found in both is one row of the store, whichever is read first.
// Only metadata leaves these functions (ids, times, models, token counts, tool names, paths, sizes), and, for
// the search index only, a user prompt's text and a shell call's command.
#pragma once

#include <boost/json/value.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/TranscriptRecords.hpp"

namespace agentpulse::opencode {

// A session's own fields (a `session` row, or a storage/session/<project>/<id>.json file).
struct SessionFields {
    std::string parent, directory, version, project;
};
// A session by id; nullopt when there is none.
using SessionLookup = std::function<std::optional<SessionFields>(const std::string& id)>;

// Where a session's rows go: its root session (sub-agents are attributed to it), its folder.
struct SessionInfo {
    SessionRef ref;          // the root's id, folder and project; the session's own version
    std::string child_id;    // the session's own id when it is a child (a sub-agent), else ""
    bool found = false;
};
// Follows `parent` up to the root (a missing parent ends the walk; a cycle stops at the last session).
SessionInfo resolve_session(const std::string& id, const SessionLookup& lookup);

// A message: its line (line_no left to the caller) and its times, which date its parts.
struct Message {
    ParsedLine line;
    std::optional<std::int64_t> completed;
};
// `row_created`: the database row's time_created, the fallback for a message without time.created (the
// JSON tree has none: such a message is skipped with NoTimestamp). nullopt when unusable (`issue` set).
std::optional<Message> message(std::string_view id, const boost::json::value& data, const SessionInfo& s,
                               std::optional<std::int64_t> row_created, LineIssue& issue);

// What of a part has been handed over (the JSON tree's per-file state): bits of these.
enum PartDone : int { kCallDone = 1, kResultDone = 2, kUsageDone = 4, kTextDone = 8 };

// The lines of a `step-finish` (usage), `tool` (call, result) or user `text` (the prompt's text) part, appended to `out`, skipping what
// `done` says was handed over; returns the new `done`. Other part types give nothing. `m`: its message,
// when known. `row_created`: the part row's time_created (database only; see part_time in the .cpp).
int part_lines(std::string_view id, const boost::json::value& data, const SessionInfo& s, const Message* m,
               std::optional<std::int64_t> row_created, std::int64_t line_no, int done, std::vector<ParsedLine>& out,
               LineIssue& issue);

// Whether a part's type is one part_lines reads (the database reader filters the others out in SQL).
bool part_type_read(std::string_view type);

}  // namespace agentpulse::opencode
