// Where every reader (lines, whole documents, databases) sends a finished batch: to the backfill's sink
// when one is set, else straight into the store on the reader's thread. One place says what a refusal
// costs: nothing is written, it is counted, its reason kept, and the file's committed state stays put.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "model/IngestBatch.hpp"
#include "model/IngestStats.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse {

// Where finished batches go instead of being committed on the reader's thread: backfill hands them to
// its writer thread (Backfill.cpp), so that parsing the next batch overlaps committing this one.
class BatchSink {
public:
    virtual ~BatchSink() = default;
    // Takes the batch (rows, errors and the file state to commit with them); `bytes` is the input it
    // covers. False when the store refused an earlier batch of this file: the reader then stops reading
    // it, so that no later offset is committed past rows that were not.
    virtual bool accept(IngestBatch&& batch, std::int64_t bytes) = 0;
};

// What a reader delivers to.
struct IngestTarget {
    StoreWriter& writer;
    IngestStats& stats;
    BatchSink* sink;                // when set, batches go there and are committed elsewhere
    std::string& last_store_error;  // why the store refused the last batch
};

// Hands over `batch`, which covers `bytes` of input. Its rows and errors are taken (the caller clears
// them); its file state stays. Committed here: `file` becomes the batch's file state and `progress`
// hears of `bytes`. False when the store or the sink refused it: nothing of it was written.
bool deliver_batch(const IngestTarget& to, IngestBatch& batch, std::int64_t bytes, FileRecord& file,
                   const std::function<void(std::int64_t)>& progress);

}  // namespace agentpulse
