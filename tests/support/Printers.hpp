// Stream operators for the enums tests compare, so that Boost.Test failures print names, not numbers.
#pragma once

#include <ostream>

#include "model/TranscriptRecords.hpp"
#include "ingest/TranscriptTailer.hpp"

namespace agentpulse {

inline std::ostream& operator<<(std::ostream& os, LineIssue i) {
    return os << line_issue_name(i);
}
inline std::ostream& operator<<(std::ostream& os, TailStatus s) {
    return os << tail_status_name(s);
}
inline std::ostream& operator<<(std::ostream& os, LineOutcome o) {
    return os << (o == LineOutcome::Record ? "record" : o == LineOutcome::Ignored ? "ignored" : "rejected");
}

}  // namespace agentpulse
