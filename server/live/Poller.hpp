// The single reader of new rows: a timer-driven loop on a thread of its own (with its own read-only
// store connection) that reads rows past the published watermark, serializes each frame once and posts
// the batch to the Broadcaster on the io thread. It also computes burn ticks (every 5 s, for each time
// zone that has subscribers), sessions in flight and the watcher state, and answers snapshot queries
// that need its in-memory aggregates. One poller however many clients.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json/value.hpp>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "core/BurnMath.hpp"
#include "core/CostBuckets.hpp"
#include "core/ToolLatencyIndex.hpp"
#include "live/Broadcaster.hpp"
#include "live/LiveFrames.hpp"
#include "store/Database.hpp"
#include "store/LimitStore.hpp"
#include "store/LiveQueries.hpp"

namespace agentpulse {

struct PollerOptions {
    std::filesystem::path store;
    std::chrono::milliseconds poll_interval{5};
    // After this long without a commit the poll interval stretches to idle_poll_interval (an idle server
    // then costs a quarter of the wake-ups). A commit by the embedded watcher pokes the poller at once
    // either way; only a store written by another process waits up to idle_poll_interval for its first row.
    std::chrono::milliseconds idle_after{2000};
    std::chrono::milliseconds idle_poll_interval{20};
    std::chrono::milliseconds tick_interval{kBurnTickIntervalMs};
    std::chrono::milliseconds watcher_check_interval{1000};
    int batch_limit = 500;
    std::string machine;  // this server's machine: its rows' frames name none (LiveFrames)
    std::size_t replay_rows = 10'000;
    std::optional<double> budget;
    int idle_after_s = 600;  // sessions without activity for this long leave "in flight"
    // Evaluated on the poller thread; empty = read the heartbeat another process writes to the store.
    std::function<WatcherState()> embedded_watcher;
};

struct PollerCounters {
    std::atomic<std::uint64_t> polls{0}, rows{0}, batches{0}, ticks{0}, errors{0};
    std::atomic<std::uint64_t> polls_unchanged{0};  // polls skipped: the store's data_version had not moved
    std::atomic<std::int64_t> last_poll_us{0}, max_poll_us{0};
    std::atomic<std::int64_t> last_row_lag_ms{0};  // now - ts of the newest row seen, at the poll that saw it
};

class Poller {
public:
    // Batches and ticks are handed to `broadcaster` on its strand.
    Poller(PollerOptions opts, Broadcaster& broadcaster);
    ~Poller();

    // Opens the store, preloads the replay ring and aggregates (blocking, on the caller's thread), then
    // starts the polling thread. Throws StoreError when the store cannot be read.
    void start();
    void stop();

    // Thread-safe: poll now instead of at the next timer (the embedded watcher calls this after a commit).
    void poll_now();
    // Thread-safe: the time zones to tick for; a new one gets a tick at once.
    void set_time_zones(std::vector<std::string> tzs);

    // Run on the poller's thread (co_spawn onto executor()): the /api/live/stats document.
    boost::json::value stats_snapshot(const std::string& tz, int window_hours);
    boost::asio::io_context::executor_type executor() { return ctx_.get_executor(); }

    // Poller thread only: pieces of /metrics.
    std::vector<ToolLatencySummary> latency_summary(int window_hours, std::size_t limit);
    std::vector<std::pair<std::string, std::int64_t>> table_rows();
    double usd_per_hour_utc();

    WatcherState watcher_state() const;
    // How often burn_tick and sessions frames are sent (the preamble announces it as burn_interval_s).
    std::chrono::milliseconds tick_interval() const { return opts_.tick_interval; }
    const PollerCounters& counters() const { return counters_; }

private:
    void preload();
    void schedule_poll();
    void poll_once();
    void tick();
    void check_watcher(bool force);
    // Publishes a rate_limits frame when the windows differ from the last one sent (or `force`).
    void check_limits(EpochMs now, bool force);
    void refresh_slots(const std::set<EpochMs>& slots);
    FrameBatch make_batch(std::vector<UsageRow>& usage, std::vector<ToolRow>& calls, std::vector<ToolRow>& results,
                          std::vector<UsageRow>& updates);
    void deliver(FrameBatch batch);
    WatcherState read_watcher();
    std::shared_ptr<const std::string> burn_frame(const std::string& tz, EpochMs now);
    boost::json::value burn_block(const std::string& tz, EpochMs now);

    PollerOptions opts_;
    Broadcaster& broadcaster_;
    boost::asio::io_context ctx_;
    boost::asio::steady_timer poll_timer_, tick_timer_, watcher_timer_;
    std::thread thread_;
    std::unique_ptr<Database> db_;
    std::unique_ptr<LiveQueries> q_;
    std::unique_ptr<LimitReader> limits_;
    std::optional<std::vector<LimitState>> limits_sent_;  // poller thread: the windows of the last frame
    // Claude's estimated 5-hour block, fed by the usage rows the poller reads (seeded from the store at
    // start): a tick does not rescan a day of usage.
    UsageBlockTracker block_;
    // PRAGMA data_version: changes whenever another connection commits. An unchanged value means no new
    // rows, so an idle poll costs one cheap statement instead of a read transaction and four queries.
    std::unique_ptr<Statement> data_version_;
    std::int64_t last_data_version_ = -1;
    std::chrono::steady_clock::time_point last_change_{};  // the last poll that saw a commit
    bool catching_up_ = false;  // the last poll stopped at its round bound with rows left

    // Poller thread state.
    Watermark published_;
    Watermark broadcaster_evicted_;  // per stream, the newest key not preloaded
    CostBuckets slots_;
    ToolLatencyIndex latency_;
    std::atomic<bool> poll_pending_{false};
    bool stopping_ = false;

    mutable std::mutex mu_;  // guards tzs_ and watcher_
    std::set<std::string> tzs_;
    WatcherState watcher_;
    PollerCounters counters_;
};

}  // namespace agentpulse
