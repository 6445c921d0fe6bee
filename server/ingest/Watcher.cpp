// See Watcher.hpp. One store connection, one inotify instance, one thread.
#include "ingest/Watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <map>
#include <set>

#include "core/IsoTime.hpp"
#include "ingest/Backfill.hpp"
#include "ingest/InotifyWatcher.hpp"
#include "store/Migrations.hpp"

namespace agentpulse {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* watcher_state_name(Watcher::State s) {
    switch (s) {
        case Watcher::State::Starting: return "starting";
        case Watcher::State::Running: return "running";
        case Watcher::State::Stopped: return "stopped";
    }
    return "unknown";
}

// Everything the loop owns; lives on run()'s stack.
struct Watcher::Loop {
    Loop(Watcher& w)
        : w(w)
        , db(w.opts_.store, Database::Mode::ReadWrite)
        , writer((migrate(db), db), w.opts_.prices)
        , tailer(writer, w.stats_, with_cancel(w.opts_.tailer, &w.stop_)) {}

    static TailerOptions with_cancel(TailerOptions o, const std::atomic<bool>* stop) {
        o.cancel = stop;
        return o;
    }

    Watcher& w;
    Database db;
    StoreWriter writer;
    TranscriptTailer tailer;
    InotifyWatcher inotify;
    std::map<std::string, FileRecord> files;           // path -> committed state
    std::set<std::string> dirty;                       // paths to read now
    std::map<std::string, Clock::time_point> retry;    // paths whose store commit failed -> when to retry
    std::set<std::string> unreadable;                  // paths that failed to open (retried on rescan/attrib)
    bool roots_missing = false;

    void watch_tree(const fs::path& root) {
        for (const fs::path& d : watch_directories(root)) {
            if (!inotify.add_directory(d))
                spdlog::warn("{}: cannot add an inotify watch (limit reached?); relying on rescans", d.string());
        }
    }

    void track(const FileRecord& proto) {
        auto it = files.find(proto.path);
        if (it == files.end()) {
            try {
                it = files.emplace(proto.path, writer.ensure_file(proto)).first;
            } catch (const StoreError& e) {
                ++w.stats_.commit_errors;
                spdlog::error("{}: cannot register ({}); will retry on the next rescan", proto.path, e.what());
                return;
            }
            ++w.stats_.files_seen;
        }
        dirty.insert(proto.path);
    }

    // Full pass over the roots: new directories get watches; files that changed since their last read
    // (size or inode) are marked dirty.
    void rescan() {
        roots_missing = false;
        for (const fs::path& root : {w.opts_.roots.claude_projects, w.opts_.roots.codex_sessions}) {
            std::error_code ec;
            if (root.empty()) continue;
            if (!fs::is_directory(root, ec)) {
                roots_missing = true;
                continue;
            }
            watch_tree(root);
        }
        for (const FileRecord& f : discover_transcripts(w.opts_.roots)) {
            auto it = files.find(f.path);
            struct stat st {};
            if (it == files.end() || ::stat(f.path.c_str(), &st) != 0 || st.st_size != it->second.size ||
                static_cast<std::int64_t>(st.st_ino) != it->second.inode || unreadable.count(f.path))
                track(f);
        }
    }

    void handle(const InotifyWatcher::Event& e) {
        if (e.is_dir) {
            if (e.appeared) {
                // Files may have been written before the watch existed: scan the new tree now. Known
                // paths too (a folder deleted and created again): the tailer sees what changed.
                watch_tree(e.path);
                for (const FileRecord& f : discover_transcripts(w.opts_.roots, e.path)) track(f);
            }
            return;
        }
        if (e.gone) {
            dirty.erase(e.path.string());
            return;
        }
        if (auto f = classify_transcript(w.opts_.roots, e.path)) {
            unreadable.erase(f->path);
            track(*f);
        }
    }

    bool drain() {
        bool committed = false;
        while (!dirty.empty() && !w.stop_) {
            const std::string path = *dirty.begin();
            dirty.erase(dirty.begin());
            auto it = files.find(path);
            if (it == files.end()) continue;
            const TailStatus s = tailer.ingest(it->second);
            if (s == TailStatus::Progressed) committed = true;
            if (s == TailStatus::StoreFailed) retry[path] = Clock::now() + std::chrono::seconds(2);
            if (s == TailStatus::Unreadable) unreadable.insert(path);
            if (s != TailStatus::Unreadable) unreadable.erase(path);
        }
        const auto now = Clock::now();
        for (auto it = retry.begin(); it != retry.end();) {
            if (it->second <= now) {
                dirty.insert(it->first);
                it = retry.erase(it);
            } else {
                ++it;
            }
        }
        return committed;
    }
};

Watcher::Watcher(WatcherOptions opts, IngestStats& stats) : opts_(std::move(opts)), stats_(stats) {}
Watcher::~Watcher() = default;

void Watcher::set_state(State s, std::string reason) {
    std::lock_guard lk(mu_);
    status_.state = s;
    status_.reason = std::move(reason);
    status_.since_ms = now_epoch_ms();
}

void Watcher::set_stopped(std::string reason) { set_state(State::Stopped, std::move(reason)); }

Watcher::Status Watcher::status() const {
    std::lock_guard lk(mu_);
    return status_;
}

void Watcher::stop() {
    stop_ = true;
    if (auto* ino = static_cast<InotifyWatcher*>(wake_target_.load())) ino->wake();
}

void Watcher::run() {
    Loop loop(*this);
    wake_target_ = &loop.inotify;
    struct Unhook {
        Watcher& w;
        ~Unhook() { w.wake_target_ = nullptr; }
    } unhook{*this};

    const std::string started_at = format_iso8601(now_epoch_ms());
    auto beat = [&](std::string_view state, std::string_view reason) {
        try {
            loop.writer.beat(state, reason, stats_.to_json(), opts_.heartbeat_interval.count(), started_at);
        } catch (const StoreError& e) {
            spdlog::warn("heartbeat not written: {}", e.what());
        }
    };

    // Catch up through the backfill pipeline first (parse thread, group commits): after a long pause
    // or on a first start, file-by-file transactions through the loop below are many times slower.
    run_backfill(loop.writer, opts_.roots, stats_, Loop::with_cancel(opts_.tailer, &stop_), {});
    for (const FileRecord& f : loop.writer.all_files()) loop.files.emplace(f.path, f);
    for (const fs::path& root : {opts_.roots.claude_projects, opts_.roots.codex_sessions}) {
        std::error_code ec;
        if (!root.empty() && !fs::is_directory(root, ec))
            spdlog::warn("{}: not found; it will be picked up if it appears", root.string());
    }
    loop.rescan();
    set_state(State::Running, {});
    beat("running", {});
    spdlog::info("watcher: {} transcripts, {} directories watched", loop.files.size(), loop.inotify.watched());

    // A missing root is checked often (from the first pass on), so a first transcript shows up quickly.
    auto rescan_in = [&] {
        return loop.roots_missing ? std::min(opts_.rescan_interval, std::chrono::milliseconds(2000))
                                  : opts_.rescan_interval;
    };
    auto next_beat = Clock::now() + opts_.heartbeat_interval;
    auto next_rescan = Clock::now() + rescan_in();
    while (!stop_) {
        if (loop.drain() && on_commit_) on_commit_();
        const auto now = Clock::now();
        if (now >= next_beat) {
            beat("running", {});
            next_beat = now + opts_.heartbeat_interval;
        }
        if (now >= next_rescan) {
            loop.rescan();
            next_rescan = now + rescan_in();
        }
        if (!loop.dirty.empty()) continue;
        auto until = std::min(next_beat, next_rescan);
        for (const auto& [path, when] : loop.retry) until = std::min(until, when);
        bool overflow = false;
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        for (const auto& e : loop.inotify.wait(std::max(timeout, std::chrono::milliseconds(0)), overflow)) loop.handle(e);
        if (overflow) {
            spdlog::warn("inotify queue overflowed; rescanning");
            loop.rescan();
        }
    }
    beat("stopped", "shutdown");
    set_state(State::Stopped, "shutdown");
}

}  // namespace agentpulse
