// GET /api/sessions/<row>/transcript: the conversation of a session, read from its transcripts on demand
// (viewer/TranscriptReader), parameters checked here (bad ones are 400), the work handed to the query pool.
// Transcript text: only for this machine's clients unless a token is set (private_text_allowed, Auth.hpp).
#pragma once

#include <optional>

#include "http/Router.hpp"

namespace agentpulse {

// nullopt when the path is not the transcript endpoint.
std::optional<Route> transcript_route(const HttpRequest& req, ServerContext& ctx);

}  // namespace agentpulse
