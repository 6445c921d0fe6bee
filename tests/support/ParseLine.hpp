// What a line parser made of one line, for the parser tests: its outcome, the issue it reported, the line.
#pragma once

#include <string_view>
#include <vector>

#include "Printers.hpp"
#include "agents/LineParser.hpp"

namespace agentpulse::test {

struct Parsed {
    LineOutcome outcome;
    LineIssue issue;
    ParsedLine line;
};

inline Parsed parse(LineParser& p, std::string_view text, std::int64_t line_no = 1) {
    Parsed r{};
    r.outcome = p.parse(text, line_no, r.line, r.issue);
    return r;
}

// Every record of one line (LineParser::parse_records), for parsers whose line can give several.
struct ParsedRecords {
    LineOutcome outcome;
    LineIssue issue;
    std::vector<ParsedLine> lines;
};

inline ParsedRecords parse_records(LineParser& p, std::string_view text, std::int64_t line_no = 1) {
    ParsedRecords r{};
    r.outcome = p.parse_records(text, line_no, r.lines, r.issue);
    return r;
}

}  // namespace agentpulse::test
