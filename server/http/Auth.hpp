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
// Transcript text (the conversation viewer, search): given to a client on this machine, or to any client
// when a token is configured (authorized() has checked it by then); refused to other machines otherwise,
// even when --allow-remote serves them the rest of the API. Every route that returns transcript text asks
// this, and answers private_text_refusal() when false.
bool private_text_allowed(const HttpRequest& req, const std::string& token);
HttpResponse private_text_refusal();

}  // namespace agentpulse
