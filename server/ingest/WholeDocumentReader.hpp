// The reader for ReadMode::WholeDocument: a transcript that is one JSON document rewritten whole, in place
// and not atomically (Gemini CLI's sessions before v0.39). It is read again whenever its size, mtime or
// inode changes; the agent's parser gets the whole text as one "line" and yields the records that are new
// or changed, committed with the file's fingerprint and the parser's state in one transaction (a crash
// before the commit reads it again; natural keys keep anything from counting twice). A document caught
// half-written does not parse: nothing is committed and it is read again at its next change.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "agents/AgentSource.hpp"
#include "ingest/TranscriptTailer.hpp"
#include "model/IngestStats.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse {

// What the reader shares with the TranscriptTailer that calls it.
struct DocumentReadContext {
    const AgentSource& source;
    StoreWriter& writer;
    IngestStats& stats;
    BatchSink* sink;          // as TranscriptTailer::set_sink: when set, batches go there
    std::size_t max_bytes;    // a larger document is skipped and logged (TailerOptions::max_line_bytes)
    std::string& last_store_error;
};

TailStatus read_whole_document(const DocumentReadContext& ctx, FileRecord& file,
                               const std::function<void(std::int64_t)>& progress);

}  // namespace agentpulse
