// Qwen Code as an agent source: <root>/projects/<project>/chats/<session>.jsonl (and the same below
// <root>/tmp/ from older builds), parsed by QwenLineParser. docs/formats.md has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& qwen_source();

}  // namespace agentpulse
