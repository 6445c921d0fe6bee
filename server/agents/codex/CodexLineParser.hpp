// Codex CLI rollout lines (~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl): session metadata, the model in
// force, cumulative token totals turned into per-turn usage records, function calls and their outputs.
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

private:
    void read_session_meta(const boost::json::value* payload, LineIssue& issue);
    // A token_count event: the usage this turn added to the cumulative totals.
    LineOutcome read_token_count(const boost::json::value* payload, std::string_view line, ParsedLine& out,
                                 LineIssue& issue);

    FileContext ctx_;
    JsonLineReader reader_;
    // Carried from line to line and saved with the offset.
    SessionRef session_;
    std::string model_;
    EpochMs last_ts_ = 0;
    bool have_totals_ = false;
    Totals totals_;
};

}  // namespace agentpulse
