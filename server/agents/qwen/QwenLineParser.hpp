// Qwen Code chat records (~/.qwen/projects/<project>/chats/<session>.jsonl): messages, one usage record
// per model response (usageMetadata, keyed on the record's uuid), function calls and their responses, and
// the duration Qwen Code measured for each call (ui_telemetry qwen-code.tool_call) as its latency.
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>

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

    // How many recent calls wait for their tool_call telemetry record (the oldest are forgotten).
    static constexpr std::size_t kCallWindow = 64;

private:
    // A recent call of this file, until its tool_call telemetry record is paired with it.
    struct RecentCall {
        std::string id;
        std::string agent;          // agentId of the record (empty: the session itself)
        std::uint64_t key = 0;      // hash of the function's name and arguments
        bool result_seen = false;   // its tool_result record came first
        std::optional<std::int64_t> duration_ms;  // telemetry came first: waits for the result
    };

    // False when the record names no session.
    bool read_session(const boost::json::value* root, SessionRef& s, LineIssue& issue) const;
    void remember_calls(const ParsedLine& out, const boost::json::array& parts, std::string_view agent);
    void attach_durations(ParsedLine& out);
    // A system record: a qwen-code.tool_call telemetry event pairs with the one recent call it can be.
    LineOutcome read_telemetry(const boost::json::value* root, std::int64_t line_no, ParsedLine& out,
                               LineIssue& issue);

    FileContext ctx_;
    JsonLineReader reader_;
    LineClock clock_;
    std::deque<RecentCall> calls_;
};

}  // namespace agentpulse
