// One parser per transcript file: turns each complete line into a ParsedLine. A parser may carry state
// from line to line (Codex running totals, the last good timestamp); that state is saved with the file's
// offset in the same transaction, so a restart resumes exactly where the last commit left off.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/TranscriptRecords.hpp"

namespace agentpulse {

// What the path of a transcript says about it (its agent source classified it; see AgentSource).
struct FileContext {
    std::string project_slug;    // claude: folder name under the projects root
    std::string parent_session;  // claude sub-agent files: the session folder they live under
    std::string agent_id;        // claude sub-agent files: from agent-<id>.jsonl
};

class LineParser {
public:
    virtual ~LineParser() = default;
    // `issue` is set when the line was malformed or partly unusable (even if something was recorded).
    virtual LineOutcome parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) = 0;
    // Every record of a line, appended to `out`. A line of most formats holds one record (this default);
    // a format whose single line can restate many (Gemini's `$set.messages` checkpoint, a whole legacy
    // document) overrides it. The tailer calls this one.
    virtual LineOutcome parse_records(std::string_view line, std::int64_t line_no, std::vector<ParsedLine>& out,
                                      LineIssue& issue) {
        ParsedLine p;
        const LineOutcome o = parse(line, line_no, p, issue);
        if (o == LineOutcome::Record) out.push_back(std::move(p));
        return o;
    }
    // Parser state as a JSON object text ("" when none), and its restoration.
    virtual std::string save_state() const = 0;
    virtual void load_state(std::string_view state) = 0;
};

// A parser whose lines may each hold several records (Gemini, Copilot, OpenCode's JSON tree): it writes
// parse_records, and parse() is that line's first record.
class MultiRecordLineParser : public LineParser {
public:
    LineOutcome parse(std::string_view line, std::int64_t line_no, ParsedLine& out, LineIssue& issue) final {
        std::vector<ParsedLine> all;
        const LineOutcome o = parse_records(line, line_no, all, issue);
        if (!all.empty()) out = std::move(all.front());
        return o;
    }
    LineOutcome parse_records(std::string_view line, std::int64_t line_no, std::vector<ParsedLine>& out,
                              LineIssue& issue) override = 0;
};

std::unique_ptr<LineParser> make_line_parser(const FileContext& ctx);

}  // namespace agentpulse
