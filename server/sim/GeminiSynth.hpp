// The simulated Gemini CLI (v0.39+): writes a session as tmp/<project>/chats/session-<UTC minute>-<8 chars
// of the session id>.jsonl under the .gemini folder, in the format the gemini source parses
// (server/agents/gemini/): each gemini message appended again as its tokens and finished tool calls
// arrive, `$set` updates with the odd full `messages` checkpoint, and rewinds; sub-agents in
// chats/<session id>/<sub-agent session id>.jsonl.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_gemini_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
