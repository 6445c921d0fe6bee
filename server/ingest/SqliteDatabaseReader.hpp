// The reader for ReadMode::SqliteDatabase: an agent's SQLite database, which the agent updates in place
// (WAL mode), read through a read-only connection opened per read, in one read transaction that ends
// before the call returns. The agent's DatabaseParser finds what changed since its watermarks; rows are
// committed in batches with the parser's state in the same transaction, so a restart resumes exactly.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agents/AgentSource.hpp"
#include "ingest/TranscriptTailer.hpp"

namespace agentpulse {

// What the reader shares with the tailer that calls it.
struct DatabaseReadContext {
    StoreWriter& writer;
    IngestStats& stats;
    const TailerOptions& opts;
    BatchSink* sink;                // as TranscriptTailer::set_sink
    std::string& last_store_error;  // as TranscriptTailer::last_store_error
    bool& look_again_soon;          // as TranscriptTailer::look_again_soon
};

// Reads the database at file.path. `file` is updated at each commit: `offset` is the main file's size
// when read (backfill's progress counts size - offset), `size` the main file's plus its -wal's (so the
// watcher's rescan looks again while a WAL holds pages), `head_hash` the sizes and modification times of
// both and the WAL index header (an unchanged version is not opened again), `parser_state` the
// watermarks, `inode` the file's (a new inode is a database replaced: read again from the start);
// `line_no` stays 0 (rows are not lines).
TailStatus read_sqlite_database(const AgentSource& source, FileRecord& file, const DatabaseReadContext& ctx,
                                const std::function<void(std::int64_t)>& progress);

}  // namespace agentpulse
