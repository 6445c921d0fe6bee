// A small pool of threads for the dashboard's report queries (Overview, Sessions), which can take tens
// of milliseconds on a big store: they must stay off the io thread (every stream would stall) and off
// the poller thread (live rows would wait). Each thread owns a read-only connection and its prepared
// statements; a job runs on whichever thread is free. A bounded number of jobs may wait.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "report/ReportQueries.hpp"

namespace agentpulse {

// How a job ended; the caller (the HTTP layer) turns a failure into its answer.
enum class JobStatus { Done, NotRunning, StoreFailed, Failed };
struct JobOutcome {
    JobStatus status = JobStatus::Done;
    std::string error;  // why, when it failed
};

class QueryPool {
public:
    QueryPool(std::filesystem::path store, int threads = 2, int max_pending = 64);
    ~QueryPool();

    // Opens one read-only connection per thread (throws StoreError when the store cannot be read).
    void start();
    void stop();  // waits for the running jobs

    boost::asio::io_context::executor_type executor() { return ctx_.get_executor(); }

    // On the io thread, before handing a job over: false when too many jobs already wait (answer 503).
    bool try_enter();
    // On a pool thread: runs the job with this thread's connection, inside one read transaction; what it
    // throws is caught and told in the outcome. Leaves the slot try_enter() took.
    JobOutcome run(const std::function<void(ReportQueries&)>& job);

    // Sums of whole past days, shared by the pool's threads (see UsageDayCache).
    UsageDayCache& day_cache() { return day_cache_; }
    int threads() const { return threads_; }
    std::uint64_t jobs() const { return jobs_; }

private:
    std::filesystem::path store_;
    int threads_;
    int max_pending_;
    boost::asio::io_context ctx_;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
    std::vector<std::thread> workers_;
    std::atomic<int> pending_{0};
    std::atomic<std::uint64_t> jobs_{0};
    UsageDayCache day_cache_;
};

}  // namespace agentpulse
