// OpenCode's database (opencode.db, since v1.2): sessions, messages and parts, each row updated in place
// and stamped with time_updated (epoch ms). Read by one watermark per table: rows updated at or after
// (watermark - kOverlapMs), in time_updated order. Sessions give the folder, the version and the parent
// (a child session is a sub-agent of its root session); messages are messages; a `step-finish` part is
// one step's usage and a `tool` part one tool call and its result.
#pragma once

#include <cstdint>
#include <string>

#include "agents/DatabaseParser.hpp"
#include "agents/JsonLineReader.hpp"

namespace agentpulse {

class OpenCodeDatabaseParser final : public DatabaseParser {
public:
    // Rows are read again back to this far before the watermark: OpenCode stamps time_updated before its
    // write commits, so with two processes on one database a row can commit with a stamp older than one
    // already read. Reading a row twice stores nothing twice.
    static constexpr std::int64_t kOverlapMs = 10'000;

    // Parts are read from a rowid floor between full reads: rows are appended with growing rowids, and the
    // rows updated after they are written are the turn in progress. The floor is the lowest rowid of a
    // tool part still pending or running, else the table's end, minus kFloorMargin rows (a rowid freed by
    // a deleted last row can be given again). A part updated below it (rare) is read by the next full read.
    static constexpr std::int64_t kFloorMargin = 1000;
    static constexpr std::int64_t kStaleMs = 3'600'000;

    bool read(sqlite3* db, DatabaseSink& sink, bool full) override;
    std::string save_state() const override;
    void load_state(std::string_view state) override;

private:
    struct Pass;
    struct Watermarks {
        std::int64_t session = 0, message = 0, part = 0;  // the largest time_updated handed over, per table
        std::int64_t part_floor = 0;                       // parts below this rowid are read by full reads only
    };
    Watermarks wm_;
    JsonLineReader json_;
};

}  // namespace agentpulse
