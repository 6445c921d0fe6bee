// See SynthWriters.hpp. Adding an agent's simulated writer: its file pair (<Name>Synth.hpp/.cpp, a
// SynthAgentSession scripting that agent's turns) and one line in kWriters below.
#include "sim/SynthWriters.hpp"

#include <stdexcept>

#include "sim/ClaudeSynth.hpp"
#include "sim/CodexSynth.hpp"
#include "sim/CopilotSynth.hpp"
#include "sim/GeminiSynth.hpp"
#include "sim/OpenCodeSynth.hpp"
#include "sim/QwenSynth.hpp"

namespace agentpulse {

const std::vector<SynthWriter>& synth_writers() {
    static const std::vector<SynthWriter> kWriters = {
        {"claude", 0.75, 0.5, true, make_claude_synth},
        {"codex", 0.25, 0.2, false, make_codex_synth},
        // Share 0 so every existing seed keeps its bytes: drawn only when `shares` names it (the demo does).
        {"copilot", 0.0, 0.15, false, make_copilot_synth},
        {"gemini", 0.0, 0.15, true, make_gemini_synth},
        // Gemini CLI before v0.39: one JSON document per session, rewritten whole (GeminiSynth.hpp).
        {"gemini", 0.0, 0.0, false, make_gemini_legacy_synth, "gemini-legacy"},
        // Rows of a database, not lines of files (SynthLine::Kind::Row); its sub-agents are child sessions.
        {"opencode", 0.0, 0.1, true, make_opencode_synth},
        // Qwen Code's sub-agents write into the session's own file: no sub-agent transcripts to spawn.
        {"qwen", 0.0, 0.1, false, make_qwen_synth},
    };
    return kWriters;
}

SynthShares demo_synth_shares() {
    SynthShares out;
    for (const SynthWriter& w : synth_writers()) out[std::string(w.name())] = w.demo_share;
    return out;
}

const SynthWriter& synth_writer(std::string_view name) {
    for (const SynthWriter& w : synth_writers())
        if (w.name() == name) return w;
    throw std::invalid_argument("no simulated writer for agent '" + std::string(name) + "'");
}

// One unit() draw, compared from the last writer back: with the defaults (which add up to exactly
// 1) codex is drawn when the draw is below its share, and a writer appended with share 0 leaves every
// existing seed's sessions as they were.
const SynthWriter& draw_synth_writer(SynthRng& r, const SynthShares& shares) {
    const auto& writers = synth_writers();
    for (const auto& [name, weight] : shares) {
        synth_writer(name);
        if (!(weight >= 0)) throw std::invalid_argument("the share of '" + name + "' is negative");
    }
    std::vector<double> weight(writers.size());
    double total = 0;
    for (std::size_t i = writers.size(); i-- > 0;) {
        const auto it = shares.find(std::string(writers[i].name()));
        weight[i] = shares.empty() ? writers[i].share : it == shares.end() ? 0.0 : it->second;
        total += weight[i];
    }
    if (!(total > 0)) throw std::invalid_argument("every simulated agent's share is zero");
    const double x = r.unit() * total;
    double upto = 0;
    for (std::size_t i = writers.size(); i-- > 0;) {
        upto += weight[i];
        if (x < upto && weight[i] > 0) return writers[i];
    }
    for (std::size_t i = 0; i < writers.size(); ++i)  // x rounded up to the total: the first with a share
        if (weight[i] > 0) return writers[i];
    return writers.front();
}

int draw_subagent_count(SynthRng& r, const SynthWriter& w) {
    if (!w.subagents) return 0;
    const double x = r.unit();
    return x < 0.75 ? 0 : x < 0.87 ? 1 : x < 0.95 ? 2 : static_cast<int>(r.between(3, 5));
}

}  // namespace agentpulse
