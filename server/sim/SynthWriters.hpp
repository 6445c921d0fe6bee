// The simulated agents: one writer per agent, listed once in SynthWriters.cpp by the name its
// AgentSource stores ("claude", "codex"). Sessions, the demo fleet and the corpus pick writers by name
// or by share; nothing else in sim/ names an agent.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sim/SynthRng.hpp"
#include "sim/SynthSession.hpp"

namespace agentpulse {

class SynthAgentSession;

struct SynthWriter {
    std::string_view agent;  // the name its AgentSource stores as `provider` (and its folder's)
    double share;            // its default weight among simulated sessions (test seeds, benchmark corpus)
    double demo_share;       // its weight in the demo, which shows every simulated agent
    bool subagents;          // whether its sessions spawn sub-agent transcripts
    std::unique_ptr<SynthAgentSession> (*make)(const SynthSessionOptions&, std::string_view agent);
    // A second writer of an agent's files (another layout of its format) has a name of its own, by
    // which shares and sessions ask for it ("gemini-legacy"); empty: the agent's name.
    std::string_view variant = {};
    std::string_view name() const { return variant.empty() ? agent : variant; }
};

// The writers' weights among simulated sessions, by name (SynthWriter::name); relative (they need not add up to 1). An
// empty map means each writer's default share.
using SynthShares = std::map<std::string, double>;

// In registration order.
const std::vector<SynthWriter>& synth_writers();
// Throws std::invalid_argument when no writer has that name (SynthWriter::name).
const SynthWriter& synth_writer(std::string_view name);
// The demo's weights: every writer's demo_share.
SynthShares demo_synth_shares();
// The writer of the next session, drawn by `shares` with one draw from `r`. Throws
// std::invalid_argument when a share names no writer, is negative, or all are zero.
const SynthWriter& draw_synth_writer(SynthRng& r, const SynthShares& shares);
// How many sub-agents a session of `w` spawns (none when its agent has no sub-agent files; the draw
// is made only when it has).
int draw_subagent_count(SynthRng& r, const SynthWriter& w);

}  // namespace agentpulse
