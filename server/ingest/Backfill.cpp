// See Backfill.hpp.
#include "ingest/Backfill.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace agentpulse {

namespace {

// Parsed batches on their way from the parse thread to the writer thread, bounded by their lines
// (a parsed line costs about 1 KB) so that memory stays flat whatever the corpus.
class BatchQueue {
public:
    enum class Kind { Batch, FileDone, End };
    struct Item {
        Kind kind = Kind::Batch;
        IngestBatch batch;
        std::int64_t bytes = 0;
        std::size_t file_index = 0;  // FileDone
        TailStatus status = TailStatus::UpToDate;
    };

    // Waits while full; drops the item once the writer has closed the queue. Frees the batches the
    // writer handed back (recycle) on this, the allocating thread: cheaper than freeing them there.
    void push(Item item) {
        std::vector<IngestBatch> spent;
        std::unique_lock lk(mu_);
        spent.swap(spent_);
        const std::size_t n = item.batch.lines.size();
        space_.wait(lk, [&] { return closed_ || items_.empty() || lines_ + n <= kMaxLines; });
        if (closed_) return;
        lines_ += n;
        items_.push_back(std::move(item));
        ready_.notify_one();
    }
    Item pop() {
        std::unique_lock lk(mu_);
        ready_.wait(lk, [&] { return !items_.empty(); });
        Item it = std::move(items_.front());
        items_.pop_front();
        lines_ -= it.batch.lines.size();
        space_.notify_one();
        return it;
    }
    void recycle(IngestBatch&& batch) {
        std::lock_guard lk(mu_);
        spent_.push_back(std::move(batch));
    }
    void close() {
        std::lock_guard lk(mu_);
        closed_ = true;
        space_.notify_all();
    }
    bool closed() const {
        std::lock_guard lk(mu_);
        return closed_;
    }

private:
    static constexpr std::size_t kMaxLines = 8192;
    mutable std::mutex mu_;
    std::condition_variable ready_, space_;
    std::deque<Item> items_;
    std::vector<IngestBatch> spent_;
    std::size_t lines_ = 0;
    bool closed_ = false;
};

class QueueSink final : public BatchSink {
public:
    explicit QueueSink(BatchQueue& q) : q_(q) {}
    bool accept(IngestBatch&& batch, std::int64_t bytes) override {
        const std::int64_t id = batch.file.id;
        if (refused_.load() == id || q_.closed()) return false;
        q_.push({BatchQueue::Kind::Batch, std::move(batch), bytes, 0, TailStatus::Progressed});
        return refused_.load() != id && !q_.closed();
    }
    // The writer refused a batch of this file: stop parsing it (its later batches are dropped anyway).
    void refuse(std::int64_t file_id) { refused_ = file_id; }

private:
    BatchQueue& q_;
    std::atomic<std::int64_t> refused_{-1};
};

}  // namespace

BackfillResult run_backfill(StoreWriter& writer, const TranscriptRoots& roots, IngestStats& stats,
                            const TailerOptions& opts, const std::function<void(const BackfillProgress&)>& on_progress) {
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

    std::vector<FileRecord> files;
    BackfillProgress p;
    // New files are registered in one transaction: on a fresh store, one commit per file was thousands
    // of tiny transactions before the first byte was parsed.
    const std::vector<FileRecord> found = discover_transcripts(roots);
    auto add = [&](const FileRecord& proto) {
        FileRecord f = writer.ensure_file(proto);
        struct stat st {};
        if (::stat(f.path.c_str(), &st) != 0) return;
        const std::int64_t pending = st.st_size >= f.offset ? st.st_size - f.offset : st.st_size;
        p.bytes_total += pending;
        files.push_back(std::move(f));
    };
    bool grouped = false;
    try {
        writer.begin_group();
        grouped = true;
    } catch (const StoreError& e) {
        if (!e.transient()) throw;
        spdlog::warn("store: cannot open a transaction for new files ({}); registering them one by one", e.what());
    }
    if (grouped) {
        try {
            for (const FileRecord& proto : found) add(proto);
            writer.end_group();
        } catch (const StoreError& e) {
            writer.abandon_group();
            if (!e.transient()) throw;
            spdlog::warn("store: registering new files failed ({}); trying them one by one", e.what());
            files.clear();
            p.bytes_total = 0;
            grouped = false;
        } catch (...) {
            writer.abandon_group();
            throw;
        }
    }
    std::int64_t unregistered = 0;
    if (!grouped) {
        // The store refuses writes (disk full, locked for longer than the busy timeout, read-only): the first
        // file it refuses to register ends the registration, so that a long lock does not cost a timeout per
        // file. The files registered until then are read (their batches may go through); the rest are left
        // for a later run or, under --follow, for the watcher's rescans.
        for (std::size_t i = 0; i < found.size(); ++i) {
            try {
                add(found[i]);
            } catch (const StoreError& e) {
                if (!e.transient()) throw;
                ++stats.commit_errors;
                unregistered = static_cast<std::int64_t>(found.size() - i);
                spdlog::error("store: cannot register transcripts ({}); {} of them are left for a later run", e.what(),
                              unregistered);
                break;
            }
        }
    }
    stats.files_seen += static_cast<std::int64_t>(files.size());
    p.files_total = static_cast<std::int64_t>(files.size());

    // Batches are committed in groups (StoreWriter::begin_group) of about kGroupBytes of input or
    // kGroupSeconds, whichever comes first, so readers of the store still see progress every second.
    constexpr std::int64_t kGroupBytes = 64 << 20;
    constexpr double kGroupSeconds = 1.0;
    std::int64_t group_bytes = 0;
    double group_started = elapsed();
    bool group_failed = false;
    auto start_group = [&] {
        group_bytes = 0;
        group_started = elapsed();
        try {
            writer.begin_group();
        } catch (const StoreError& e) {
            spdlog::warn("store: cannot open a commit group ({}); committing batch by batch", e.what());
        }
    };
    auto end_group = [&] {
        try {
            writer.end_group();
        } catch (const StoreError& e) {
            ++stats.commit_errors;
            spdlog::error("store refused a commit group ({}); stopping: what was not stored is read again on the "
                          "next run",
                          e.what());
            group_failed = true;
        }
    };
    auto maybe_end_group = [&] {
        if (!writer.in_group() || group_failed) return;
        if (group_bytes < kGroupBytes && elapsed() - group_started < kGroupSeconds) return;
        end_group();
        if (!group_failed) start_group();
    };

    // A parse thread reads and parses the files in order and hands each batch to this thread, which
    // commits them in the same order: parsing overlaps committing. Batches only bound memory here
    // (the commit groups set the transaction size), so they are kept small.
    TailerOptions parse_opts = opts;
    parse_opts.batch_lines = std::min<std::size_t>(parse_opts.batch_lines, 4096);
    parse_opts.batch_bytes = std::min<std::size_t>(parse_opts.batch_bytes, 4u << 20);
    BatchQueue queue;
    QueueSink sink(queue);
    std::exception_ptr parse_error;
    std::thread parser([&] {
        try {
            TranscriptTailer tailer(writer, stats, parse_opts);  // never touches the writer with a sink
            tailer.set_sink(&sink);
            // opts.cancel (a stop signal) ends the backfill after the batch or file at hand.
            for (std::size_t i = 0; i < files.size() && !queue.closed() && !(opts.cancel && *opts.cancel); ++i) {
                FileRecord f = files[i];
                const TailStatus s = tailer.ingest(f);
                queue.push({BatchQueue::Kind::FileDone, {}, 0, i, s});
            }
        } catch (...) {
            parse_error = std::current_exception();
        }
        queue.push({BatchQueue::Kind::End, {}, 0, 0, TailStatus::UpToDate});
    });
    struct Join {
        BatchQueue& q;
        std::thread& t;
        ~Join() {
            q.close();
            if (t.joinable()) t.join();
        }
    } join{queue, parser};

    BackfillResult r;
    r.failed_files = unregistered;
    std::set<std::int64_t> failed;  // file ids whose batch the store refused: later batches are dropped
    start_group();
    for (bool more = true; more && !group_failed;) {
        BatchQueue::Item it = queue.pop();
        switch (it.kind) {
            case BatchQueue::Kind::End:
                more = false;
                break;
            case BatchQueue::Kind::FileDone:
                if (it.status == TailStatus::StoreFailed || it.status == TailStatus::Unreadable ||
                    failed.count(files[it.file_index].id))
                    ++r.failed_files;
                ++p.files_done;
                p.seconds = elapsed();
                if (on_progress) on_progress(p);
                maybe_end_group();
                break;
            case BatchQueue::Kind::Batch: {
                const FileRecord& f = it.batch.file;
                struct Recycle {
                    BatchQueue& q;
                    IngestBatch& b;
                    ~Recycle() { q.recycle(std::move(b)); }
                } recycle{queue, it.batch};
                if (failed.count(f.id)) break;
                try {
                    const BatchResult b = writer.commit(it.batch);
                    stats.messages += b.messages;
                    stats.usage_events += b.usage_new;
                    stats.usage_updates += b.usage_updated;
                    stats.tool_calls += b.tool_calls;
                    stats.tool_results += b.tool_results;
                    ++stats.batches;
                } catch (const StoreError& e) {
                    ++stats.commit_errors;
                    spdlog::error("{}: store refused a batch ({}); nothing was lost, will retry", f.path, e.what());
                    failed.insert(f.id);
                    sink.refuse(f.id);
                    break;
                }
                p.bytes_done += it.bytes;
                r.bytes += it.bytes;
                group_bytes += it.bytes;
                p.seconds = elapsed();
                if (on_progress) on_progress(p);
                maybe_end_group();
                break;
            }
        }
    }
    if (writer.in_group() && !group_failed) end_group();
    if (group_failed) {
        writer.abandon_group();
        r.failed_files += static_cast<std::int64_t>(files.size()) - p.files_done;
    }
    queue.close();
    parser.join();
    if (parse_error) std::rethrow_exception(parse_error);
    r.files = p.files_done;
    r.seconds = elapsed();
    return r;
}

}  // namespace agentpulse
