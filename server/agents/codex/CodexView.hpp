// Codex's transcript lines as the conversation viewer shows them (AgentSource::view_line).
#pragma once

#include <string_view>
#include <vector>

#include "model/TranscriptView.hpp"

namespace agentpulse {
void codex_view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out);
}
