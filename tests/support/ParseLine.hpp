// What a line parser made of one line, for the parser tests: its outcome, the issue it reported, the line.
#pragma once

#include <string_view>

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

}  // namespace agentpulse::test
