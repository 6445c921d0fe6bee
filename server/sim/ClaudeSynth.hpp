// The simulated Claude Code: writes a session as <project slug>/<session>.jsonl under the projects
// folder, with its sub-agents (Task calls) in <project slug>/<session>/subagents/agent-<id>.jsonl, in
// the format the claude source parses (server/agents/claude/).
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_claude_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
