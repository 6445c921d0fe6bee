// Claude Code transcript lines (~/.claude/projects/<project>/<session>.jsonl and sub-agent files):
// messages, one usage record per API response (keyed on message.id + requestId), tool calls and results.
#pragma once

#include "agents/JsonLineReader.hpp"
#include "agents/LineClock.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse {

class ClaudeLineParser final : public LineParser {
public:
    explicit ClaudeLineParser(FileContext ctx) : ctx_(std::move(ctx)) {}
    LineOutcome parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

private:
    // False when the line names no session.
    bool read_session(const boost::json::value* root, SessionRef& s, LineIssue& issue) const;

    FileContext ctx_;
    JsonLineReader reader_;
    LineClock clock_;
};

}  // namespace agentpulse
