// The follow loop: catches up on every transcript, then tails them as they grow (inotify-driven, with a
// slow rescan as a safety net), writing a heartbeat to the store so readers in other processes can tell
// it is alive. Runs on the caller's thread until stop() (serve runs it on a thread of its own).
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/PriceBook.hpp"
#include "model/IngestStats.hpp"
#include "ingest/BatchInbox.hpp"
#include "ingest/TranscriptDiscovery.hpp"
#include "ingest/TranscriptTailer.hpp"

namespace agentpulse {

struct WatcherOptions {
    AgentRoots roots;  // one folder per agent source (empty path: not watched)
    std::filesystem::path store;
    std::shared_ptr<const PriceBook> prices;
    std::chrono::milliseconds rescan_interval{10'000};
    std::chrono::milliseconds heartbeat_interval{2'000};
    TailerOptions tailer;
    // Batches from outside (the OTLP receiver), committed by this thread's writer between passes: the
    // store keeps one writer. Closed when the watcher stops. Null: none.
    BatchInbox* inbox = nullptr;
    bool index_text = false;  // assistant text in the search index too (--index-text)
    // The machine and user of rows read from transcripts (empty: StoreWriter::local_origin()'s).
    std::string machine, user;
};

class Watcher {
public:
    enum class State { Starting, Running, Stopped };
    struct Status {
        State state = State::Starting;
        std::string reason;        // why it stopped, when it did
        std::int64_t since_ms = 0; // when the state last changed
    };

    Watcher(WatcherOptions opts, IngestStats& stats);
    ~Watcher();

    // Blocks until stop(). Throws only when it cannot start (store unusable, inotify unavailable);
    // afterwards store and file errors are logged, counted and retried.
    void run();
    void stop();  // thread-safe, idempotent

    Status status() const;
    void set_stopped(std::string reason);  // for the owner, when run() ended by an exception

    // Called after each pass that committed rows (the server can poll at once instead of on its timer).
    void on_commit(std::function<void()> fn) { on_commit_ = std::move(fn); }

private:
    struct Loop;
    void set_state(State s, std::string reason);
    void wake();

    WatcherOptions opts_;
    IngestStats& stats_;
    std::atomic<bool> stop_{false};
    std::atomic<void*> wake_target_{nullptr};
    std::mutex wake_mutex_;  // held while wake_target_ is set, cleared or used
    mutable std::mutex mu_;
    Status status_;
    std::function<void()> on_commit_;
};

const char* watcher_state_name(Watcher::State s);

}  // namespace agentpulse
