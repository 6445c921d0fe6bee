// See TranscriptView.hpp.
#include "model/TranscriptView.hpp"

namespace agentpulse {

const char* view_kind_name(ViewKind k) {
    switch (k) {
        case ViewKind::User: return "user";
        case ViewKind::Assistant: return "assistant";
        case ViewKind::Thinking: return "thinking";
        case ViewKind::ToolCall: return "tool_call";
        case ViewKind::ToolResult: return "tool_result";
        case ViewKind::Error: return "error";
        case ViewKind::System: return "system";
        case ViewKind::Usage: return "usage";
    }
    return "system";
}

}  // namespace agentpulse
