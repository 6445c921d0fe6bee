// One simulated agent session (with its sub-agents), stepped forward line by line in time order: the
// unit the demo fleet and the corpus are made of. Which agent writes it is a name from the list of
// writers (SynthWriters.hpp); same seed and options, same bytes; nothing here reads the clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/IsoTime.hpp"
#include "sim/SynthTotals.hpp"

namespace agentpulse {

// 2026-01-05T09:00:00Z: the simulated start of time unless a caller says otherwise.
inline constexpr EpochMs kSynthEpoch = 1767603600000;

// One line an agent writes: append `text` and a newline to `path` (relative to the agent's folder,
// e.g. Claude's projects folder or Codex's sessions folder) at time `at`, which is also the line's
// own timestamp. A line of kind Replace is instead the file's whole new content, written as is (an agent
// that rewrites one JSON document per session on every change: Gemini CLI before v0.39). An agent that
// keeps a database (OpenCode) writes rows: a line of kind Row is one row upsert applied to the SQLite
// database at `path` (SynthDatabase says how; `text` describes the row).
struct SynthLine {
    enum class Kind { Append, Replace, Row };
    std::string_view agent;  // the name its AgentSource stores ("claude"); points into the writers' list
    std::string path;
    EpochMs at = 0;
    std::string text;  // one JSON object, no newline
    Kind kind = Kind::Append;
};

struct SynthSessionOptions {
    std::string agent;  // a name in the writers' list (SynthWriters.cpp); empty = the first
    std::uint64_t seed = 1;
    EpochMs start_ms = kSynthEpoch;       // time of the first line
    std::int64_t target_bytes = 200'000;  // the session and its sub-agents together; at least one turn
    int subagents = 0;                    // exactly this many sub-agent transcripts, if the agent has them
    double unknown_model_rate = 0.03;     // chance that the session runs on a model the price card lacks
    double time_scale = 1.0;              // multiplies every simulated duration (0.1 = ten times faster)
    std::string project;                  // project (cwd's last component); empty = drawn from the seed
};

class SynthAgentSession;

class SynthSession {
public:
    // Throws std::invalid_argument when no writer has the name `opts.agent`.
    explicit SynthSession(const SynthSessionOptions& opts);
    ~SynthSession();
    SynthSession(SynthSession&&) noexcept;
    SynthSession& operator=(SynthSession&&) noexcept;

    bool done() const;
    EpochMs next_at() const;  // when the next line is due; only while !done()
    SynthLine next();         // the next line; only while !done()

    const SynthTotals& totals() const;  // of the lines returned so far
    const std::string& session_id() const;
    const std::string& main_path() const;  // the session's own transcript (sub-agents live beside it)

private:
    std::unique_ptr<SynthAgentSession> impl_;
};

}  // namespace agentpulse
