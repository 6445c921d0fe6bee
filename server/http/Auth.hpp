// Bearer token check for API routes: `Authorization: Bearer <t>`, or (for EventSource, which cannot set
// headers) the `agentpulse_token` cookie or a `token` query parameter. Constant-time comparison.
#pragma once

#include <string>

#include "http/HttpMessage.hpp"

namespace agentpulse {

bool token_matches(std::string_view given, std::string_view expected);
// True when no token is configured, or the request carries the right one.
bool authorized(const HttpRequest& req, const std::string& token);

}  // namespace agentpulse
