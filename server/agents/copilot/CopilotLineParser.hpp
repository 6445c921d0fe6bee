// GitHub Copilot CLI session events (~/.copilot/session-state/<session>/events.jsonl, and the older flat
// session-state/<session>.jsonl): prompts and answers (metadata only), output tokens per assistant
// message, tool executions (start and complete: exact latency), sub-agent events under their parent
// session, and the input and cache tokens that only the session.shutdown rollup reports.
#pragma once

#include <map>

#include "agents/JsonLineReader.hpp"
#include "agents/LineClock.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse {

class CopilotLineParser final : public MultiRecordLineParser {
public:
    // `path_session`: the session id the file's path names (the folder, or the flat file's stem), used
    // until (or unless) a session.start names one.
    CopilotLineParser(FileContext ctx, std::string path_session)
        : ctx_(std::move(ctx)), path_session_(std::move(path_session)) {}
    // Every record of the line (a shutdown rollup gives one record per model).
    LineOutcome parse_records(std::string_view line, std::int64_t line_no, std::vector<ParsedLine>& out,
                              LineIssue& issue) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

    // One model's counters in a shutdown rollup (cumulative within an accounting epoch).
    struct Rollup {
        std::int64_t input = 0, output = 0, cache_read = 0, cache_write = 0;
        bool operator==(const Rollup&) const = default;
    };

private:
    // One event: its record in `out`, or for a shutdown, its per-model usage in `rollup` (and the
    // line's time and session in `out`).
    LineOutcome read_event(std::string_view line, std::int64_t line_no, ParsedLine& out,
                           std::vector<UsageRecord>& rollup, LineIssue& issue);
    void read_context(const boost::json::value* data, LineIssue& issue);
    bool begin_record(const boost::json::value* root, std::int64_t line_no, ParsedLine& out,
                      LineIssue& issue);
    LineOutcome read_shutdown(const boost::json::value* root, std::string_view line, const ParsedLine& out,
                              std::vector<UsageRecord>& records, LineIssue& issue);
    // The model a (sub-)agent event was produced by.
    std::string model_for(const boost::json::value* data, const std::string& agent, LineIssue& issue) const;

    FileContext ctx_;
    std::string path_session_;
    JsonLineReader reader_;
    // Carried from line to line and saved with the offset.
    LineClock clock_;
    SessionRef session_;
    std::string model_;                               // the main agent's model in force
    std::map<std::string, Rollup> base_;              // per model: the rollup already accounted for
    std::map<std::string, Rollup> written_;           // per model: the last rollup written (a resume's start)
    std::map<std::string, std::int64_t> leg_output_;  // per model: output counted from messages since then
    std::map<std::string, std::string> sub_models_;   // sub-agent (parent tool call id) -> its model
};

}  // namespace agentpulse
