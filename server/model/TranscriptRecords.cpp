// Names for the enums of TranscriptRecords.hpp, as stored and logged.
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

const char* line_issue_name(LineIssue i) {
    switch (i) {
        case LineIssue::None: return "none";
        case LineIssue::Malformed: return "malformed_json";
        case LineIssue::MissingField: return "missing_field";
        case LineIssue::NoTimestamp: return "no_timestamp";
        case LineIssue::AbsurdTokens: return "absurd_tokens";
        case LineIssue::InvalidUtf8: return "invalid_utf8";
        case LineIssue::TooLong: return "line_too_long";
    }
    return "unknown";
}

}  // namespace agentpulse
