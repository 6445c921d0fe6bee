// Deterministic generator of realistic agent transcripts in the on-disk formats of Claude Code and
// Codex CLI (as docs/formats.md describes them): benchmark corpora, the live demo and test fixtures.
// Same seed and options, same bytes; nothing here reads the clock, and no Asio/Beast.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/IsoTime.hpp"
#include "core/TokenCounts.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

// 2026-01-05T09:00:00Z: the simulated start of time unless a caller says otherwise.
inline constexpr EpochMs kSynthEpoch = 1767603600000;

// xoshiro256** seeded through splitmix64. Portable (std:: distributions differ between libraries),
// so a seed names the same corpus everywhere.
class SynthRng {
  public:
    explicit SynthRng(std::uint64_t seed);
    std::uint64_t next();
    std::uint64_t below(std::uint64_t n);                    // [0, n), n > 0
    std::int64_t between(std::int64_t lo, std::int64_t hi);  // [lo, hi]
    double unit();                                           // [0, 1)
    bool chance(double p);
    double normal();
    double lognormal(double median, double sigma);

  private:
    std::uint64_t s_[4];
};

// What was generated, counted the way the store counts it, so a test can compare the store with it:
// `messages` are lines ingest keeps as messages (Claude user/assistant lines, Codex response items),
// `usage_events` distinct billable responses (Claude: per message.id + requestId; Codex: non-zero
// token deltas), `tokens` their final sums in the store's normalisation (input excludes cache reads).
struct SynthTotals {
    std::int64_t files = 0, bytes = 0, lines = 0;
    std::int64_t messages = 0, usage_events = 0, usage_updates = 0, unpriced_events = 0;
    std::int64_t tool_calls = 0, tool_results = 0, tool_errors = 0, subagent_files = 0;
    TokenCounts tokens;
    SynthTotals& operator+=(const SynthTotals& o);
    std::int64_t rows() const { return messages + usage_events + tool_calls; }
};

// Which simulated agent writes a session (the name its source stores: synth_agent_name).
enum class SynthAgent { Claude, Codex };
const char* synth_agent_name(SynthAgent a);

// One line an agent writes: append `text` and a newline to `path` (relative to the provider's root:
// the Claude projects folder or the Codex sessions folder) at time `at`, which is also the line's
// own timestamp.
struct SynthLine {
    SynthAgent provider = SynthAgent::Claude;
    std::string path;
    EpochMs at = 0;
    std::string text;  // one JSON object, no newline
};

struct SynthSessionOptions {
    SynthAgent provider = SynthAgent::Claude;
    std::uint64_t seed = 1;
    EpochMs start_ms = kSynthEpoch;       // time of the first line
    std::int64_t target_bytes = 200'000;  // the session and its sub-agents together; at least one turn
    int subagents = 0;                    // Claude: exactly this many sub-agent transcripts (Task calls)
    double unknown_model_rate = 0.03;     // chance that the session runs on a model the price card lacks
    double time_scale = 1.0;              // multiplies every simulated duration (0.1 = ten times faster)
    std::string project;                  // project (cwd's last component); empty = drawn from the seed
};

// One simulated agent session (with its sub-agents), stepped forward line by line in time order.
class SynthSession {
  public:
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
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Several sessions running side by side, as a user with a few agents open: the live demo's source.
// A finished session is replaced by a new one after a pause, up to `max_sessions` (0 = no end).
struct SynthFleetOptions {
    std::uint64_t seed = 1;
    EpochMs start_ms = kSynthEpoch;
    int concurrent = 3;
    int max_sessions = 0;
    double codex_share = 0.25;
    std::int64_t median_session_bytes = 300'000;
    double time_scale = 1.0;
};

class SynthFleet {
  public:
    explicit SynthFleet(const SynthFleetOptions& opts);
    ~SynthFleet();
    bool done() const;
    EpochMs next_at() const;  // only while !done()
    SynthLine next();         // only while !done()
    const SynthTotals& totals() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A corpus on disk: `files` transcripts (sub-agent files included) of about `target_bytes` together,
// sizes spread like real ones (many small sessions, a few very large), spread over `days` of
// simulated time. Throws std::runtime_error when a file cannot be written.
struct SynthCorpusOptions {
    std::filesystem::path claude_root;  // gets <project>/<session>.jsonl and sub-agent folders
    std::filesystem::path codex_root;   // gets YYYY/MM/DD/rollout-*.jsonl
    std::int64_t target_bytes = 1 << 20;
    int files = 20;
    std::uint64_t seed = 1;
    double codex_share = 0.25;  // share of sessions that are Codex rollouts
    EpochMs start_ms = kSynthEpoch;
    int days = 14;
    std::function<void(const SynthTotals&)> on_progress;  // after each session
};

SynthTotals write_synth_corpus(const SynthCorpusOptions& opts);

}  // namespace agentpulse
