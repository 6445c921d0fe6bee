// The list of agent sources: adding an agent is one line here (and its folder under server/agents/).
#include "agents/AgentRegistry.hpp"

#include "agents/claude/ClaudeSource.hpp"
#include "agents/codex/CodexSource.hpp"
#include "agents/gemini/GeminiSource.hpp"
#include "agents/copilot/CopilotSource.hpp"
#include "agents/opencode/OpenCodeSource.hpp"
#include "agents/qwen/QwenSource.hpp"

namespace agentpulse {

const std::vector<const AgentSource*>& agent_sources() {
    static const std::vector<const AgentSource*> sources{
        &claude_source(),
        &codex_source(),
        &qwen_source(),
        &gemini_source(),
        &copilot_source(),
        &opencode_source(),
    };
    return sources;
}

const AgentSource* find_agent(std::string_view name) {
    for (const AgentSource* s : agent_sources())
        if (s->name() == name) return s;
    return nullptr;
}

std::vector<PriceFamily> agent_price_families() {
    std::vector<PriceFamily> out;
    for (const AgentSource* s : agent_sources()) {
        bool seen = false;
        for (const PriceFamily& f : out) seen = seen || f.name == s->traits().prices.name;
        if (!seen && !s->traits().prices.name.empty()) out.push_back(s->traits().prices);
    }
    return out;
}

AgentRoots default_agent_roots() {
    AgentRoots roots;
    for (const AgentSource* s : agent_sources()) roots.push_back({s, s->default_root()});
    return roots;
}

std::filesystem::path root_of(const AgentRoots& roots, std::string_view name) {
    for (const AgentRoot& r : roots)
        if (r.source->name() == name) return r.path;
    return {};
}

}  // namespace agentpulse
