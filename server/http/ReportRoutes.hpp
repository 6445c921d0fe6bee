// The dashboard's report endpoints (/api/config, /api/overview, /api/sessions, /api/sessions/<row>):
// query parameters checked here (bad ones are 400 with a message), the work handed to the query pool as
// a QueryRoute. No Beast, no sockets.
#pragma once

#include <optional>

#include "http/Router.hpp"

namespace agentpulse {

// nullopt when the path is not one of the report endpoints.
std::optional<Route> report_route(const HttpRequest& req, ServerContext& ctx);

}  // namespace agentpulse
