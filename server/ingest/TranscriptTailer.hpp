// Reads one transcript from its committed byte offset to the end, parses each complete line and commits
// rows + new offset + parser state in batches (one transaction each). A partial last line is left for
// the next call. A file that was truncated, replaced or rewritten (inode, size, head and tail
// fingerprints) is read again from the start; natural keys keep that from counting anything twice.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "agents/AgentSource.hpp"
#include "ingest/BatchDelivery.hpp"
#include "model/IngestStats.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse {

struct TailerOptions {
    std::size_t max_line_bytes = 64u << 20;  // longer lines are skipped and logged
    std::size_t batch_bytes = 8u << 20;      // commit at least this often (bytes of input)
    std::size_t batch_lines = 20'000;        // ... or this many lines
    int max_logged_issues = 20;              // per call; the rest are counted
    const std::atomic<bool>* cancel = nullptr;  // when set, stop at the next batch boundary (shutdown)
};

enum class TailStatus {
    UpToDate,     // nothing new
    Progressed,   // committed new lines
    Missing,      // the file is gone (kept in the store; picked up again if it returns)
    Unreadable,   // permission or I/O error; retried later
    StoreFailed,  // the store refused the batch (disk full, locked...); nothing lost, retried later
};
const char* tail_status_name(TailStatus s);

class TranscriptTailer {
public:
    TranscriptTailer(StoreWriter& writer, IngestStats& stats, TailerOptions opts = {});
    // With a sink, ingest() parses only: commits, their counters, `file` updates and progress are the
    // sink's business, and StoreFailed is reported for a file only once the sink refuses a batch.
    void set_sink(BatchSink* sink) { sink_ = sink; }

    // `file` is the committed state and is updated to each newly committed state. `progress` receives
    // the number of bytes consumed by each commit.
    TailStatus ingest(FileRecord& file, const std::function<void(std::int64_t)>& progress = {});

    // Why the store refused the last batch that came back StoreFailed (e.g. "database or disk is full").
    const std::string& last_store_error() const { return last_store_error_; }

    // Whether the last ingest() saw a write whose commit was not visible yet when it returned (a SQLite
    // agent's WAL frames written, its index not yet moved: that raises no inotify event), so the caller
    // should read the file again shortly without waiting for an event.
    bool look_again_soon() const { return look_again_soon_; }

private:
    struct Pass;
    // The reader for ReadMode::AppendOnlyLines.
    TailStatus tail_lines(const AgentSource& source, FileRecord& file, const std::function<void(std::int64_t)>& progress);

    StoreWriter& writer_;
    IngestStats& stats_;
    TailerOptions opts_;
    BatchSink* sink_ = nullptr;
    std::string read_buf_;
    std::string last_store_error_;
    bool look_again_soon_ = false;
};

}  // namespace agentpulse
