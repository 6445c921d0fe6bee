// The simulated Gemini CLI (v0.39+): writes a session as tmp/<project>/chats/session-<UTC minute>-<8 chars
// of the session id>.jsonl under the .gemini folder, in the format the gemini source parses
// (server/agents/gemini/): each gemini message appended again as its tokens and finished tool calls
// arrive, `$set` updates with the odd full `messages` checkpoint, and rewinds; sub-agents in
// chats/<session id>/<sub-agent session id>.jsonl.
//
// Its legacy layout (writer "gemini-legacy", Gemini CLI before v0.39): the session is one JSON document,
// tmp/<project>/chats/session-<UTC minute>-<8 chars>.json ({sessionId, projectHash, startTime,
// lastUpdated, messages[]}), rewritten whole (SynthLine::replace). Same conversation and the same draws
// from the seed as the JSONL layout; no `$set` or `$rewindTo` lines (the JSONL format's own), and one
// rewrite per turn where the CLI rewrites at every change: each message is in its latest state, and
// rewriting a long session's document once per message would cost the square of its size. Sub-agents,
// if asked for, are written in the JSONL layout.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_gemini_synth(const SynthSessionOptions& opts, std::string_view agent);
std::unique_ptr<SynthAgentSession> make_gemini_legacy_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
