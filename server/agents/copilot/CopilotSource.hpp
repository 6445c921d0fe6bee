// GitHub Copilot CLI as an agent source: <root>/session-state/<session>/events.jsonl (and the older flat
// <root>/session-state/<session>.jsonl), parsed by CopilotLineParser. docs/formats.md has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& copilot_source();

}  // namespace agentpulse
