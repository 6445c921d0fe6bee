// The simulated Codex CLI: writes a session as YYYY/MM/DD/rollout-<time>-<session>.jsonl under the
// sessions folder, in the format the codex source parses (server/agents/codex/). Codex has no
// sub-agent files.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_codex_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
