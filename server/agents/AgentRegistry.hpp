// Every agent agentpulse reads, and the folder watched for each. The one list of sources is in
// AgentRegistry.cpp; configuration, discovery, the tailer, pricing and /api/config all iterate it.
#pragma once

#include <filesystem>
#include <string_view>
#include <vector>

#include "agents/AgentSource.hpp"
#include "core/PriceBook.hpp"

namespace agentpulse {

// In display order (the dashboard lists agents in this order).
const std::vector<const AgentSource*>& agent_sources();
// Null when no source has that name (a store written by a newer agentpulse, a bad request).
const AgentSource* find_agent(std::string_view name);
// The price families the sources declare, for PriceBook::parse.
std::vector<PriceFamily> agent_price_families();

// The folder watched for one agent; an empty path means that agent is not watched.
struct AgentRoot {
    const AgentSource* source = nullptr;
    std::filesystem::path path;
};
using AgentRoots = std::vector<AgentRoot>;

// Every source with its default folder.
AgentRoots default_agent_roots();
// The folder watched for `name` ("" when none).
std::filesystem::path root_of(const AgentRoots& roots, std::string_view name);

}  // namespace agentpulse
