// The search answer's JSON (GET /api/search and `agentpulse search --json`, docs/search.md) and the
// parsing of its time bounds. The index itself and its query are store/SearchIndex.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string>
#include <string_view>

#include "core/IsoTime.hpp"
#include "store/SearchIndex.hpp"

namespace agentpulse {

// ISO 8601 (a zone-less time is UTC) or a date YYYY-MM-DD (its UTC midnight); nullopt when neither.
std::optional<EpochMs> parse_search_time(std::string_view text);

// A snippet's pieces: text, and whether it is a matched term (the STX/ETX marks of SearchIndex).
boost::json::array snippet_parts(std::string_view snippet);
// The snippet as plain text (marks removed).
std::string snippet_text(std::string_view snippet);

// {"query", "fts_query", "hits": [{session_id, message_id, call_id, ts, kind, tool, snippet, snippet_parts,
//   agent, project, model, agent_session_id, started_at, last_at}], "more", "scanned", "index_incomplete"}
boost::json::value search_payload(const SearchQuery& q, const SearchResult& r);

}  // namespace agentpulse
