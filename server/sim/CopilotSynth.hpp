// The simulated GitHub Copilot CLI: writes a session as session-state/<session>/events.jsonl under the
// .copilot folder, in the format the copilot source parses (server/agents/copilot/): output tokens per
// assistant message, tool execution start/complete pairs, sub-agent events in the session's own file,
// and legs that end in a cumulative shutdown rollup (or a crash), with an occasional compaction.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_copilot_synth(const SynthSessionOptions& opts,
                                                      std::string_view agent);

}  // namespace agentpulse
