// OpenCode's transcript lines as the conversation viewer shows them (AgentSource::view_line).
#pragma once

#include <string_view>
#include <vector>

#include "model/TranscriptView.hpp"

namespace agentpulse {
void opencode_view_line(std::string_view line, const ViewContext& ctx, std::vector<ViewItem>& out);
}

struct sqlite3;
namespace agentpulse {
bool opencode_view_database(sqlite3* db, const ViewContext& ctx, std::int64_t after, int limit,
                            std::vector<ViewItem>& out, std::int64_t& next);
}
