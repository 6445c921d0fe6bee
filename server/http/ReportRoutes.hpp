// The dashboard's report endpoints (/api/config, /api/overview, /api/sessions, /api/sessions/<row>):
// query parameters checked here (bad ones are 400 with a message), the work handed to the query pool as
// a QueryRoute. No Beast, no sockets.
#pragma once

#include <optional>

#include "http/Router.hpp"
#include "report/SearchJson.hpp"

namespace agentpulse {

// nullopt when the path is not one of the report endpoints.
std::optional<Route> report_route(const HttpRequest& req, ServerContext& ctx);

// Passes each hit's snippet through the redaction (the server's Redactor, ServerContext::redactor): the text
// without its match marks (a mark inside a secret would hide it from the rules); a snippet with something
// masked is sent without marks.
void redact_search_hits(SearchResult& r, const std::function<std::string(std::string_view)>& redact);

}  // namespace agentpulse
