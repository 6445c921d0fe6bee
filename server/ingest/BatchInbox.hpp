// Batches that arrive from outside the transcript readers (the OTLP receiver) on their way to the one
// store writer: a bounded queue the watcher thread drains between its passes, committing each job's
// batches together (all or nothing) and telling the job how it went. Bounded by records, so a flood
// gets "full" (the receiver answers 429 with Retry-After) instead of growing memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "model/IngestBatch.hpp"

namespace agentpulse {

struct InboxOutcome {
    bool stored = false;     // committed (rows may be 0: every record was seen before)
    BatchResult rows;        // what the commit added or changed
    std::string error;       // why not, when not stored
};

struct InboxJob {
    std::vector<IngestBatch> batches;
    std::size_t records = 0;                     // counted against the inbox's capacity
    std::function<void(InboxOutcome)> done;      // called once, on the writer's thread
};

class BatchInbox {
public:
    explicit BatchInbox(std::size_t max_records) : max_records_(max_records) {}

    // False when taking the job would pass the capacity (a job larger than the whole capacity is taken
    // when the inbox is empty, so that no request can never fit) or the inbox is closed.
    bool try_push(InboxJob&& job);
    // Everything queued, oldest first (the writer's side).
    std::vector<InboxJob> take_all();
    bool empty() const;
    bool closed() const;
    std::size_t queued_records() const;
    // Called (outside the lock) after each job is queued: the writer's wake-up.
    void on_push(std::function<void()> fn);
    // Refuses new jobs and fails those still queued (their done() hears "shutting down").
    void close();

private:
    mutable std::mutex mu_;
    std::deque<InboxJob> jobs_;
    std::size_t records_ = 0;
    const std::size_t max_records_;
    bool closed_ = false;
    std::function<void()> wake_;
};

}  // namespace agentpulse
