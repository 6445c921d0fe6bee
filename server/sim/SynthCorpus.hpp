// A simulated corpus on disk: `files` transcripts (sub-agent files included) of about `target_bytes`
// together, sizes spread like real ones (many small sessions, a few very large), spread over `days` of
// simulated time, each agent's in its own folder. The benchmarks', tests' and demo history's data. An
// agent that keeps a database (OpenCode) writes rows into one database in its folder instead: its sessions
// are not files (the `files` plan counts them as if they were), and its bytes are those of its row lines.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>

#include "sim/SynthSession.hpp"
#include "sim/SynthWriters.hpp"

namespace agentpulse {

struct SynthCorpusOptions {
    // The folder of each agent drawn (by the name its source stores), as that agent lays it out (e.g.
    // claude: <project>/<session>.jsonl and sub-agent folders; codex: YYYY/MM/DD/rollout-*.jsonl).
    std::map<std::string, std::filesystem::path> roots;
    std::int64_t target_bytes = 1 << 20;
    int files = 20;
    std::uint64_t seed = 1;
    SynthShares shares;  // the agents' weights among sessions; empty = the writers' defaults
    EpochMs start_ms = kSynthEpoch;
    int days = 14;
    std::function<void(const SynthTotals&)> on_progress;  // after each session
};

// Throws std::runtime_error when a file cannot be written or a drawn agent has no folder in `roots`.
SynthTotals write_synth_corpus(const SynthCorpusOptions& opts);

}  // namespace agentpulse
