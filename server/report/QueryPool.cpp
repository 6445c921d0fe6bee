// See QueryPool.hpp. One io_context run by every pool thread; each thread keeps its connection in a
// thread_local pointer that run() uses, so a job never shares a connection with another thread.
#include "report/QueryPool.hpp"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>

#include "store/LiveQueries.hpp"

namespace agentpulse {

namespace {
thread_local ReportQueries* t_queries = nullptr;
}

QueryPool::QueryPool(std::filesystem::path store, int threads, int max_pending)
    : store_(std::move(store)), threads_(std::max(1, threads)), max_pending_(max_pending), work_(ctx_.get_executor()) {}

QueryPool::~QueryPool() { stop(); }

void QueryPool::start() {
    for (int i = 0; i < threads_; ++i) {
        std::promise<void> opened;
        auto ready = opened.get_future();
        workers_.emplace_back([this, &opened] {
            std::unique_ptr<Database> db;
            std::unique_ptr<ReportQueries> q;
            try {
                db = std::make_unique<Database>(store_, Database::Mode::ReadOnly);
                q = std::make_unique<ReportQueries>(*db);
            } catch (...) {
                opened.set_exception(std::current_exception());
                return;
            }
            t_queries = q.get();
            opened.set_value();
            ctx_.run();
            t_queries = nullptr;
        });
        try {
            ready.get();
        } catch (...) {
            stop();
            throw;
        }
    }
}

void QueryPool::stop() {
    work_.reset();
    ctx_.stop();
    for (std::thread& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
}

bool QueryPool::try_enter() {
    if (pending_.fetch_add(1) >= max_pending_) {
        --pending_;
        return false;
    }
    return true;
}

JobOutcome QueryPool::run(const std::function<void(ReportQueries&)>& job) {
    struct Leave {
        std::atomic<int>& n;
        ~Leave() { --n; }
    } leave{pending_};
    ++jobs_;
    if (!t_queries) return {JobStatus::NotRunning, "the query pool is not running"};
    try {
        LiveQueries::ReadTx tx(t_queries->db());
        job(*t_queries);
        return {};
    } catch (const StoreError& e) {
        spdlog::warn("report query failed: {}", e.what());
        return {JobStatus::StoreFailed, e.what()};
    } catch (const std::exception& e) {
        spdlog::warn("report failed: {}", e.what());
        return {JobStatus::Failed, e.what()};
    }
}

}  // namespace agentpulse
