// The time of a transcript line: its own ISO-8601 timestamp, or for a line without one the last good time
// before it in the same file (the best the file tells). Parsers carry it from line to line and save it
// with the file's offset, so a restart stamps such a line exactly as an uninterrupted run would.
#pragma once

#include <string>
#include <string_view>

#include "core/IsoTime.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

class LineClock {
public:
    // Sets out.ts. A line without a usable time sets `issue` (NoTimestamp) and takes the previous line's;
    // false when no line before it had one either (the line cannot be placed in time).
    bool stamp(std::string_view iso, ParsedLine& out, LineIssue& issue);
    // {"last_ts":N}, or "" before the first good time.
    std::string save_state() const;
    void load_state(std::string_view state);

private:
    EpochMs last_ts_ = 0;
};

}  // namespace agentpulse
