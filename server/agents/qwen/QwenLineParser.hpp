// Qwen Code chat records (~/.qwen/projects/<project>/chats/<session>.jsonl): messages, one usage record
// per model response (usageMetadata, keyed on the record's uuid), function calls and their responses.
#pragma once

#include "agents/JsonLineReader.hpp"
#include "agents/LineClock.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse {

class QwenLineParser final : public LineParser {
public:
    explicit QwenLineParser(FileContext ctx) : ctx_(std::move(ctx)) {}
    LineOutcome parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

private:
    // False when the record names no session.
    bool read_session(const boost::json::value* root, SessionRef& s, LineIssue& issue) const;

    FileContext ctx_;
    JsonLineReader reader_;
    LineClock clock_;
};

}  // namespace agentpulse
