// One reader of an agent's SQLite database (ReadMode::SqliteDatabase): given a read-only connection inside
// one read transaction, it hands over what changed since its saved state as ParsedLines. Its state (the
// watermarks) is committed with the rows, so a restart resumes exactly; reading a row twice is harmless
// (every row has a natural key), so the state may lag behind the rows but never run ahead of them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "model/TranscriptRecords.hpp"

struct sqlite3;

namespace agentpulse {

// Where a DatabaseParser's rows go (the ingest reader batches and commits them).
class DatabaseSink {
public:
    virtual ~DatabaseSink() = default;
    // False when the store refused a batch: the parser stops reading at once.
    virtual bool take(ParsedLine&& line) = 0;
    // A row that could not be used (`row`: its rowid), for the error log and the counters.
    virtual void issue(std::int64_t row, LineIssue issue, std::string detail) = 0;
};

class DatabaseParser {
public:
    virtual ~DatabaseParser() = default;
    // Reads what changed since the state through `db` and hands it to `sink` in order; save_state() called
    // between any two take()s covers no row that was not handed over yet. Throws std::runtime_error on a
    // SQLite error. False when the sink refused. `full`: look at every row, not only where changes are
    // expected (a parser may keep a cheaper window between full reads; the caller asks for one now and
    // then, and on its first read of a file).
    virtual bool read(sqlite3* db, DatabaseSink& sink, bool full) = 0;
    // State as a JSON object text ("" when none), and its restoration ("" or unreadable: from the start).
    virtual std::string save_state() const = 0;
    virtual void load_state(std::string_view state) = 0;
};

}  // namespace agentpulse
