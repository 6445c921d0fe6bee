// The simulation every agent shares, for one session: the project and its files, the clock, the
// byte budget, the transcript files being written (the session's and its sub-agents'), the line queue
// and the totals. An agent's writer (ClaudeSynth, CodexSynth, ...) derives from it and scripts one
// turn at a time in that agent's format; SynthSession hands the lines out in time order.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "sim/SynthRng.hpp"
#include "sim/SynthSession.hpp"
#include "sim/SynthTotals.hpp"

namespace agentpulse {

// One transcript file the session writes: its own, or a sub-agent's.
struct SynthStream {
    std::string path;       // relative to the agent's folder
    std::string agent_id;   // a sub-agent's id
    bool subagent = false;  // counted in SynthTotals::subagent_files
    bool opened = false;
    std::string last_uuid;  // the id of the file's last line, for formats that chain lines
    std::string model;
    std::int64_t context = 0;  // tokens in the conversation so far
    std::int64_t cached = 0;   // of which already written to the prompt cache
    std::int64_t bytes = 0;
    std::int64_t emitted = 0;  // a rewritten document: its size as last handed out
};

class SynthAgentSession {
public:
    virtual ~SynthAgentSession() = default;
    SynthAgentSession(const SynthAgentSession&) = delete;
    SynthAgentSession& operator=(const SynthAgentSession&) = delete;

    // Draws the first stream's context and the first turn: called once, after the writer's constructor
    // (which draws what that agent's session starts with) has run.
    void start();

    bool done() const { return queue_.empty(); }
    EpochMs next_at() const { return queue_.front().at; }
    SynthLine next();
    const SynthTotals& totals() const { return totals_; }
    const std::string& session_id() const { return session_id_; }
    const std::string& main_path() const { return streams[0].path; }

protected:
    // Draws the project, the user, the session id and the branch (in that order: a seed's bytes
    // depend on it). `agent` is the writer's name from the writers' list (it outlives the session).
    SynthAgentSession(const SynthSessionOptions& opts, std::string_view agent);

    // One turn of the agent: a prompt and everything that answers it, written with push(). Sets
    // `now` to when the next turn begins.
    virtual void turn() = 0;

    // A simulated duration of `ms`, scaled by the options' time_scale (at least 1 ms).
    EpochMs dur(double ms) const;
    // Bytes still to generate to reach the target.
    std::int64_t remaining() const;
    // Upper bound for one big payload (a file read, a command's output) so small sessions stay small.
    std::int64_t cap() const;
    // A payload size drawn around `median`, within 40 bytes and cap().
    std::int64_t sized(double median, double sigma);
    // Queues a line of stream `stream` due at `at`; `facts` is what it adds to the totals.
    void push(int stream, EpochMs at, std::string text, SynthTotals facts = {});
    // Queues the whole new content of stream `stream`'s file (a document rewritten whole), due at `at`:
    // the budget and the totals count the file's growth, and the file as one line.
    void push_document(int stream, EpochMs at, std::string text, SynthTotals facts = {});
    // A project-relative file the agent reads or writes (often one it has touched before).
    std::string project_file();
    // About `bytes` of the content of the project file `rel`.
    std::string file_text(const std::string& rel, std::int64_t bytes);
    // Whether the session should start a sub-agent now: the options ask for `subagents` of them,
    // spread over the session's budget, all started before it may end.
    bool spawn_due() const;
    // A new sub-agent's stream (counted as spawned); the writer fills in its path and model.
    SynthStream& add_subagent();

    const SynthSessionOptions o;
    SynthRng r;
    std::string session_id_, cwd, branch;
    std::string_view ext;              // the project's main source extension
    std::deque<SynthStream> streams;   // [0] the session; then sub-agents (deque: references stay valid)
    std::vector<std::string> touched;  // project-relative files the agent has opened
    std::int64_t generated = 0;        // bytes pushed so far
    EpochMs now = 0;                   // when the next turn begins
    int turns = 0, spawned = 0;
    SynthLine::Kind line_kind = SynthLine::Kind::Append;  // Row for a writer of database rows

private:
    struct Pending {
        EpochMs at = 0;
        std::uint64_t seq = 0;
        int stream = 0;
        std::string text;
        SynthTotals facts;  // what this line adds to the totals (files/bytes/lines filled in on emission)
        bool replace = false;
    };

    bool finished() const;
    void refill();

    std::string_view agent_;
    std::vector<Pending> turn_;
    std::deque<Pending> queue_;
    std::uint64_t seq_ = 0;
    SynthTotals totals_;
};

}  // namespace agentpulse
