// Claude Code as an agent source: <root>/<project>/<session>.jsonl and sub-agent transcripts below
// <root>/<project>/<session>/, parsed by ClaudeLineParser. docs/formats.md has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& claude_source();

}  // namespace agentpulse
