// The simulated Qwen Code: writes a session as projects/<cwd with non-alphanumerics as '-'>/chats/<session
// id>.jsonl under the .qwen folder, in the format the qwen source parses (server/agents/qwen/): user,
// assistant (model + usageMetadata, one per model call, functionCall parts with ids) and tool_result
// records chained by uuid / parentUuid, `system` / `ui_telemetry` records repeating each response's counts
// (qwen-code.api_response) and each tool call's duration (qwen-code.tool_call), titles re-anchored, and
// sub-agent rounds written into the same file with agentId / isSidechain.
#pragma once

#include <memory>
#include <string_view>

#include "sim/SynthAgentSession.hpp"

namespace agentpulse {

std::unique_ptr<SynthAgentSession> make_qwen_synth(const SynthSessionOptions& opts, std::string_view agent);

}  // namespace agentpulse
