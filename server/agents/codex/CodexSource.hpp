// Codex CLI as an agent source: rollouts anywhere below <root> (YYYY/MM/DD/rollout-*.jsonl), parsed by
// CodexLineParser. docs/formats.md has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& codex_source();

}  // namespace agentpulse
