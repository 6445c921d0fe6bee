// The simulated OpenCode (v1.2+): its SQLite database opencode.db in the data folder, written as OpenCode
// writes it. Every write is a row upsert (SynthLine::Kind::Row, applied by SynthDatabase): the session row;
// each message and part inserted, then updated in place (a text part as it grows, a tool part pending ->
// running -> completed or error, an assistant message given its completion); a step-finish part per
// step with its usage; the task tool's sub-agents as child sessions (parent_id) in the same database.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_opencode_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
