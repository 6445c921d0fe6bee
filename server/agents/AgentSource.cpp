// See AgentSource.hpp: the helpers sources share.
#include "agents/AgentSource.hpp"

#include <cstdlib>

namespace agentpulse {

std::string AgentSource::env(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
}

std::filesystem::path AgentSource::home_dir() {
    const std::string h = env("HOME");
    return h.empty() ? std::filesystem::path("/") : std::filesystem::path(h);
}

}  // namespace agentpulse
