// See Watcher.hpp. One store connection, one inotify instance, one thread.
#include "ingest/Watcher.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
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
        , tailer(writer, w.stats_, with_cancel(w.opts_.tailer, &w.stop_)) {
        writer.set_index_text(w.opts_.index_text);
        StoreWriter::Origin o = StoreWriter::local_origin();
        if (!w.opts_.machine.empty()) o.machine = w.opts_.machine;
        if (!w.opts_.user.empty()) o.user = w.opts_.user;
        writer.set_origin(std::move(o));
    }

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
    struct Settle {
        Clock::time_point at;
        int tries = 0;
    };
    std::map<std::string, Settle> settle;              // paths to read again shortly (look_again_soon)
    std::set<std::string> unreadable;                  // paths that failed to open (retried on rescan/attrib)
    bool roots_missing = false;
    std::map<std::string, FileRecord> unregistered;    // the store refused to register them: retried in 2 s
    Clock::time_point register_retry_at{};
    bool rescan_soon = false;                          // a root went away: look for it again shortly
    std::string store_problem;                         // why the store refuses writes ("" when it does not)

    // The store refused a write (disk full, locked, read-only...): say so in the state and the heartbeat
    // until a commit goes through again. Nothing is lost meanwhile: offsets did not move.
    void store_failed(const std::string& why) {
        const std::string problem = "the store refuses writes (" + why + "); nothing is lost, retrying every 2 s";
        if (problem == store_problem) return;
        store_problem = problem;
        w.set_state(State::Running, store_problem);
    }
    void store_ok() {
        if (store_problem.empty()) return;
        spdlog::info("the store accepts writes again");
        store_problem.clear();
        w.set_state(State::Running, {});
    }

    // Commits what the inbox holds (the OTLP receiver's jobs) as one group: one transaction for every
    // job queued since the last pass. A store error rolls the whole group back and fails every job in it
    // (their senders retry; natural keys make the retry exact). True when rows were added or changed.
    bool drain_inbox() {
        if (!w.opts_.inbox) return false;
        std::vector<InboxJob> jobs = w.opts_.inbox->take_all();
        if (jobs.empty()) return false;
        std::vector<InboxOutcome> outcomes(jobs.size());
        BatchResult total;
        try {
            writer.begin_group();
            for (std::size_t i = 0; i < jobs.size(); ++i)
                for (const IngestBatch& b : jobs[i].batches) outcomes[i].rows += writer.commit(b);
            writer.end_group();
            for (InboxOutcome& o : outcomes) o.stored = true, total += o.rows;
            store_ok();
        } catch (const std::exception& e) {
            writer.abandon_group();
            ++w.stats_.commit_errors;
            spdlog::error("telemetry: the store refused {} request(s) ({}); their senders are told to retry", jobs.size(),
                          e.what());
            store_failed(e.what());
            for (InboxOutcome& o : outcomes) o = InboxOutcome{false, {}, e.what()};
        }
        if (total.rows() > 0) w.stats_.count_commit(total);
        for (std::size_t i = 0; i < jobs.size(); ++i)
            if (jobs[i].done) jobs[i].done(std::move(outcomes[i]));
        return total.rows() > 0;
    }

    // Catch up through the backfill pipeline first (parse thread, group commits): after a long pause or
    // on a first start, file-by-file transactions through the loop are many times slower.
    void catch_up() {
        run_backfill(writer, w.opts_.roots, w.stats_, with_cancel(w.opts_.tailer, &w.stop_), {});
        for (const FileRecord& f : writer.all_files()) files.emplace(f.path, f);
        for (const AgentRoot& r : w.opts_.roots) {
            std::error_code ec;
            if (!r.path.empty() && !fs::is_directory(r.path, ec))
                spdlog::warn("{}: not found; it will be picked up if it appears", r.path.string());
        }
        rescan();
    }

    // A heartbeat the store refuses (on a disk so full that not even its one page fits) is logged and
    // tried again at the next loop pass that is due, not taken as told.
    bool beat(std::string_view state, std::string_view reason, const std::string& started_at) {
        try {
            writer.beat(state, reason, w.stats_.to_json(), w.opts_.heartbeat_interval.count(), started_at);
            return true;
        } catch (const StoreError& e) {
            spdlog::warn("heartbeat not written: {}", e.what());
            return false;
        }
    }

    // Blocks on inotify until `until` at the latest (or an earlier retry), and handles what arrived.
    void wait_for_events(Clock::time_point until) {
        for (const auto& [path, when] : retry) until = std::min(until, when);
        for (const auto& [path, s] : settle) until = std::min(until, s.at);
        if (!unregistered.empty()) until = std::min(until, register_retry_at);
        bool overflow = false;
        const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
        for (const auto& e : inotify.wait(std::max(timeout, std::chrono::milliseconds(0)), overflow)) handle(e);
        if (overflow) {
            spdlog::warn("inotify queue overflowed; rescanning");
            rescan();
        }
    }

    // Watches every folder of `root` an agent may write to. With `settle` (a folder that just appeared),
    // the tree is listed again until a listing finds no folder it has not watched: a folder made while
    // the tree is being watched (mkdir -p of a new session's folders) can appear after a listing but
    // before its parent's watch exists, and would then raise no event. Each pass's watches are in place
    // before the next listing, so folders made later raise events of their own. (The periodic rescan
    // lists each root once: it is the safety net itself.)
    void watch_tree(const fs::path& root, bool settle = false) {
        std::set<std::string> done;
        for (int pass = 0; pass < (settle ? 8 : 1); ++pass) {
            bool added = false;
            for (const fs::path& d : watch_directories(w.opts_.roots, root)) {
                if (!done.insert(d.string()).second) continue;
                added = true;
                if (!inotify.add_directory(d))
                    spdlog::warn("{}: cannot add an inotify watch ({}); relying on rescans", d.string(),
                                 errno == ENOSPC ? "the watch limit is reached" : std::strerror(errno));
            }
            if (!added) break;
        }
    }

    void track(const FileRecord& proto) {
        auto it = files.find(proto.path);
        if (it == files.end()) {
            try {
                it = files.emplace(proto.path, writer.ensure_file(proto)).first;
            } catch (const StoreError& e) {
                ++w.stats_.commit_errors;
                spdlog::error("{}: cannot register ({}); will retry in 2 s", proto.path, e.what());
                store_failed(e.what());
                if (unregistered.empty()) register_retry_at = Clock::now() + std::chrono::seconds(2);
                unregistered.emplace(proto.path, proto);
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
        for (const AgentRoot& r : w.opts_.roots) {
            const fs::path& root = r.path;
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
                watch_tree(e.path, true);
                for (const FileRecord& f : discover_transcripts(w.opts_.roots, e.path)) track(f);
            } else if (!e.gone) {
                // Attributes of a folder changed (chmod back after chmod 000): files below it that could not
                // be read, or changed meanwhile, are read now rather than at the next rescan.
                watch_tree(e.path);
                for (const FileRecord& f : discover_transcripts(w.opts_.roots, e.path)) {
                    auto it = files.find(f.path);
                    struct stat st {};
                    if (it == files.end() || unreadable.count(f.path) || ::stat(f.path.c_str(), &st) != 0 ||
                        st.st_size != it->second.size || static_cast<std::int64_t>(st.st_ino) != it->second.inode)
                        track(f);
                }
            }
            return;
        }
        if (e.gone) {
            dirty.erase(e.path.string());
            // A root itself was deleted or moved away (rm -rf): nothing watches its parent, so look for it
            // again soon (and every 2 s while it is missing) instead of at the next slow rescan.
            for (const AgentRoot& r : w.opts_.roots)
                if (!r.path.empty() && e.path == r.path) {
                    spdlog::warn("{}: the transcripts folder went away; it will be picked up if it appears again",
                                 r.path.string());
                    rescan_soon = true;
                }
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
            if (it == files.end()) {
                settle.erase(path);
                continue;
            }
            const TailStatus s = tailer.ingest(it->second);
            if (s == TailStatus::Progressed) committed = true, store_ok();
            if (s == TailStatus::StoreFailed) {
                retry[path] = Clock::now() + std::chrono::seconds(2);
                store_failed(tailer.last_store_error());
            }
            if (s == TailStatus::Unreadable) unreadable.insert(path);
            if (s != TailStatus::Unreadable) unreadable.erase(path);
            look_again(path);
        }
        const auto now = Clock::now();
        if (!unregistered.empty() && now >= register_retry_at) {
            std::map<std::string, FileRecord> again;
            again.swap(unregistered);
            for (const auto& [path, proto] : again) {
                track(proto);
                if (!unregistered.empty()) {  // still refused: keep the rest for the next retry
                    for (const auto& [p, f] : again) unregistered.emplace(p, f);
                    break;
                }
            }
        }
        for (auto it = retry.begin(); it != retry.end();) {
            if (it->second <= now) {
                dirty.insert(it->first);
                it = retry.erase(it);
            } else {
                ++it;
            }
        }
        for (const auto& [path, s] : settle)
            if (s.at <= now) dirty.insert(path);
        return committed;
    }

    // A read that saw a write not yet visible (TranscriptTailer::look_again_soon) is repeated after 5 ms,
    // then 10, 20, ... 640 ms (about 1.3 s in all: the frames of a rolled-back transaction look the same
    // until the next commit, hence the bound); a read that sees nothing pending ends the series.
    void look_again(const std::string& path) {
        if (!tailer.look_again_soon()) {
            settle.erase(path);
            return;
        }
        Settle& s = settle[path];
        if (s.tries >= 8) {
            settle.erase(path);
            return;
        }
        s.at = Clock::now() + std::chrono::milliseconds(5 << s.tries);
        ++s.tries;
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
    wake();
}

void Watcher::wake() {
    // Under the lock, so run() cannot unhook and destroy the InotifyWatcher between the load and wake().
    std::lock_guard lock(wake_mutex_);
    if (auto* ino = static_cast<InotifyWatcher*>(wake_target_.load())) ino->wake();
}

void Watcher::run() {
    Loop loop(*this);
    {
        std::lock_guard lock(wake_mutex_);
        wake_target_ = &loop.inotify;
    }
    struct Unhook {
        Watcher& w;
        ~Unhook() {
            std::lock_guard lock(w.wake_mutex_);
            w.wake_target_ = nullptr;
        }
    } unhook{*this};
    // The inbox wakes this loop when a job arrives; once the loop ends, queued and later jobs are refused.
    struct InboxHook {
        BatchInbox* inbox;
        ~InboxHook() {
            if (!inbox) return;
            inbox->on_push(nullptr);
            inbox->close();
        }
    } inbox_hook{opts_.inbox};
    if (opts_.inbox) opts_.inbox->on_push([this] { wake(); });

    const std::string started_at = format_iso8601(now_epoch_ms());
    loop.catch_up();
    set_state(State::Running, {});
    loop.beat("running", {}, started_at);
    spdlog::info("watcher: {} transcripts, {} directories watched", loop.files.size(), loop.inotify.watched());

    // A missing root is checked often (from the first pass on), so a first transcript shows up quickly.
    auto rescan_in = [&] {
        return loop.roots_missing ? std::min(opts_.rescan_interval, std::chrono::milliseconds(2000))
                                  : opts_.rescan_interval;
    };
    auto next_beat = Clock::now() + opts_.heartbeat_interval;
    auto next_rescan = Clock::now() + rescan_in();
    std::string beat_problem;  // the store problem the last heartbeat told
    auto beat_retry_at = Clock::now();  // after a refused heartbeat, when to try telling a new problem again
    while (!stop_) {
        bool committed = loop.drain();
        if (loop.drain_inbox()) committed = true;
        if (committed && on_commit_) on_commit_();
        const auto now = Clock::now();
        // A new store problem (or its end) is told at once, not at the next regular beat.
        if (now >= next_beat || (beat_problem != loop.store_problem && now >= beat_retry_at)) {
            if (loop.beat("running", loop.store_problem, started_at)) {
                beat_problem = loop.store_problem;
            } else {
                beat_retry_at = now + std::chrono::milliseconds(500);
            }
            next_beat = now + opts_.heartbeat_interval;
        }
        if (loop.rescan_soon) {
            loop.rescan_soon = false;
            loop.roots_missing = true;  // rescans every 2 s until the root is back
            next_rescan = std::min(next_rescan, now + std::chrono::milliseconds(500));
        }
        if (now >= next_rescan) {
            loop.rescan();
            next_rescan = now + rescan_in();
        }
        if (!loop.dirty.empty() || (opts_.inbox && !opts_.inbox->empty())) continue;
        auto until = std::min(next_beat, next_rescan);
        if (beat_problem != loop.store_problem) until = std::min(until, beat_retry_at);
        loop.wait_for_events(until);
    }
    loop.beat("stopped", "shutdown", started_at);
    set_state(State::Stopped, "shutdown");
}

}  // namespace agentpulse
