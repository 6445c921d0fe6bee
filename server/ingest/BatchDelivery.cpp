// See BatchDelivery.hpp.
#include "ingest/BatchDelivery.hpp"

#include <spdlog/spdlog.h>

namespace agentpulse {

bool deliver_batch(const IngestTarget& to, IngestBatch& batch, std::int64_t bytes, FileRecord& file,
                   const std::function<void(std::int64_t)>& progress) {
    if (to.sink) {
        IngestBatch out;
        out.price_family = batch.price_family;
        out.file = batch.file;
        out.lines = std::move(batch.lines);
        out.errors = std::move(batch.errors);
        return to.sink->accept(std::move(out), bytes);
    }
    try {
        to.stats.count_commit(to.writer.commit(batch));
    } catch (const StoreError& e) {
        ++to.stats.commit_errors;
        to.last_store_error = e.what();
        spdlog::error("{}: store refused a batch ({}); nothing was lost, will retry", file.path, e.what());
        return false;
    }
    file = batch.file;
    if (progress && bytes > 0) progress(bytes);
    return true;
}

}  // namespace agentpulse
