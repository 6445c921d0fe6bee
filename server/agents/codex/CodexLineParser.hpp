// Codex CLI rollout lines (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl): session metadata, the model in
// force, cumulative token totals turned into per-turn usage records, function calls and their outputs.
// A sub-agent's or a fork's rollout opens with a copy of its parent's history: that copy is skipped (it
// is the parent's), and a sub-agent's own lines are stored in its parent's session as a side chain.
#pragma once

#include "agents/JsonLineReader.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse {

class CodexLineParser final : public LineParser {
public:
    explicit CodexLineParser(FileContext ctx) : ctx_(std::move(ctx)) {}
    LineOutcome parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

    struct Totals {
        std::int64_t input = 0, cached = 0, output = 0, reasoning = 0, total = 0;
        bool operator==(const Totals&) const = default;
    };

    // The copied history of a sub-agent or fork is written in one burst at the moment it starts: lines
    // stamped within this long of the file's first session_meta belong to the copy.
    static constexpr EpochMs kReplayWindowMs = 1000;

private:
    void read_session_meta(const boost::json::value* payload, LineIssue& issue);
    // True while the line at `ts` is still part of the parent's copied history.
    bool replaying(EpochMs ts);
    // A response item: a message, a tool call or a call's output.
    void read_item(const boost::json::value* payload, std::string_view ptype, std::string_view line, ParsedLine& out,
                   LineIssue& issue);
    // A token_count event: the usage this turn added to the cumulative totals.
    LineOutcome read_token_count(const boost::json::value* payload, std::string_view line, ParsedLine& out,
                                 LineIssue& issue);

    // A token_count's rate_limits: each window that names its length, by that length (a weekly-only plan
    // reports its weekly window as `primary`), resets from resets_at or, in older builds, resets_in_seconds
    // after the line's time.
    void read_rate_limits(const boost::json::value* payload, ParsedLine& out, LineIssue& issue);

    FileContext ctx_;
    JsonLineReader reader_;
    // Carried from line to line and saved with the offset.
    SessionRef session_;    // where rows go: a sub-agent's are its parent's session
    std::string thread_id_; // this rollout's own id (session_meta.id of its first line): natural keys use it
    std::string spawned_by_;  // sub-agents: the parent thread (source.subagent.thread_spawn.parent_thread_id)
    bool in_replay_ = false;  // inside the parent's copied history at the start of the file
    EpochMs replay_start_ = 0;
    std::string model_;
    EpochMs last_ts_ = 0;
    bool have_totals_ = false;
    Totals totals_;
};

}  // namespace agentpulse
