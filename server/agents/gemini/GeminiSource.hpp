// Gemini CLI as an agent source: <root>/tmp/<project>/chats/session-*.jsonl (v0.39+, appended), the legacy
// session-*.json documents (rewritten whole) and sub-agent files chats/<parent session>/<session>.jsonl,
// parsed by GeminiLineParser. docs/formats.md "Gemini CLI" has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& gemini_source();

}  // namespace agentpulse
