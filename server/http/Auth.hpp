// Bearer token check for API routes: `Authorization: Bearer <t>`, or (for EventSource, which cannot set
// headers) the `agentpulse_token` cookie or a `token` query parameter. Constant-time comparison.
#pragma once

#include <string>

#include "http/HttpMessage.hpp"

namespace agentpulse {

bool token_matches(std::string_view given, std::string_view expected);
// True when no token is configured, or the request carries the right one.
bool authorized(const HttpRequest& req, const std::string& token);
// DNS rebinding defence for a server on a loopback address without a token: a web page can make the browser
// send requests to 127.0.0.1 under the page's own host name. True for what a request to this machine looks
// like: no Host, an IP literal, `localhost` or a `*.localhost` name, or a single-label name; false for a
// dotted name (a name that public DNS could have pointed at 127.0.0.1). The port is ignored.
bool host_allowed_without_token(std::string_view host);

}  // namespace agentpulse
