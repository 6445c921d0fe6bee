// See Backfill.hpp.
#include "ingest/Backfill.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
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

// The files to read, registered in the store (new ones at offset 0), with the bytes each has to go.
struct Registered {
    std::vector<FileRecord> files;
    std::int64_t bytes_total = 0;
    std::int64_t unregistered = 0;  // files the store refused to register: left for a later run
};

// New files are registered in one transaction: on a fresh store, one commit per file was thousands of
// tiny transactions before the first byte was parsed. When the store refuses that transaction, files are
// registered one by one until the first refusal.
class Registration {
public:
    Registration(StoreWriter& writer, IngestStats& stats) : writer_(writer), stats_(stats) {}

    Registered run(const std::vector<FileRecord>& found) {
        if (!grouped(found)) one_by_one(found);
        stats_.files_seen += static_cast<std::int64_t>(out_.files.size());
        return std::move(out_);
    }

private:
    void add(const FileRecord& proto) {
        FileRecord f = writer_.ensure_file(proto);
        struct stat st {};
        if (::stat(f.path.c_str(), &st) != 0) return;
        out_.bytes_total += st.st_size >= f.offset ? st.st_size - f.offset : st.st_size;
        out_.files.push_back(std::move(f));
    }

    // False when the store refused the transaction (transient errors only; others are thrown).
    bool grouped(const std::vector<FileRecord>& found) {
        try {
            writer_.begin_group();
        } catch (const StoreError& e) {
            if (!e.transient()) throw;
            spdlog::warn("store: cannot open a transaction for new files ({}); registering them one by one", e.what());
            return false;
        }
        try {
            for (const FileRecord& proto : found) add(proto);
            writer_.end_group();
            return true;
        } catch (const StoreError& e) {
            writer_.abandon_group();
            if (!e.transient()) throw;
            spdlog::warn("store: registering new files failed ({}); trying them one by one", e.what());
            out_ = {};
            return false;
        } catch (...) {
            writer_.abandon_group();
            throw;
        }
    }

    // The store refuses writes (disk full, locked for longer than the busy timeout, read-only): the first
    // file it refuses to register ends the registration, so that a long lock does not cost a timeout per
    // file. The files registered until then are read (their batches may go through); the rest are left
    // for a later run or, under --follow, for the watcher's rescans.
    void one_by_one(const std::vector<FileRecord>& found) {
        for (std::size_t i = 0; i < found.size(); ++i) {
            try {
                add(found[i]);
            } catch (const StoreError& e) {
                if (!e.transient()) throw;
                ++stats_.commit_errors;
                out_.unregistered = static_cast<std::int64_t>(found.size() - i);
                spdlog::error("store: cannot register transcripts ({}); {} of them are left for a later run",
                              e.what(), out_.unregistered);
                return;
            }
        }
    }

    StoreWriter& writer_;
    IngestStats& stats_;
    Registered out_;
};

// Batches are committed in groups (StoreWriter::begin_group) of about kGroupBytes of input or
// kGroupSeconds, whichever comes first, so readers of the store still see progress every second.
class CommitGroups {
public:
    CommitGroups(StoreWriter& writer, IngestStats& stats, std::function<double()> clock)
        : writer_(writer), stats_(stats), clock_(std::move(clock)) {}

    void start() {
        bytes_ = 0;
        started_ = clock_();
        try {
            writer_.begin_group();
        } catch (const StoreError& e) {
            spdlog::warn("store: cannot open a commit group ({}); committing batch by batch", e.what());
        }
    }
    void add_bytes(std::int64_t n) { bytes_ += n; }
    // Commits the group when it is big or old enough, and opens the next.
    void maybe_rotate() {
        if (!writer_.in_group() || failed_) return;
        if (bytes_ < kGroupBytes && clock_() - started_ < kGroupSeconds) return;
        end();
        if (!failed_) start();
    }
    // Commits what the group holds; a refusal stops the backfill (failed()).
    void end() {
        if (!writer_.in_group() || failed_) return;
        try {
            writer_.end_group();
        } catch (const StoreError& e) {
            ++stats_.commit_errors;
            spdlog::error("store refused a commit group ({}); stopping: what was not stored is read again on the "
                          "next run",
                          e.what());
            failed_ = true;
        }
    }
    bool failed() const { return failed_; }

private:
    static constexpr std::int64_t kGroupBytes = 64 << 20;
    static constexpr double kGroupSeconds = 1.0;
    StoreWriter& writer_;
    IngestStats& stats_;
    std::function<double()> clock_;
    std::int64_t bytes_ = 0;
    double started_ = 0;
    bool failed_ = false;
};

// A parse thread reads and parses the files in order and hands each batch to the calling thread, which
// commits them in the same order: parsing overlaps committing. Batches only bound memory here (the
// commit groups set the transaction size), so they are kept small.
class Backfill {
public:
    Backfill(StoreWriter& writer, IngestStats& stats, const TailerOptions& opts,
             const std::function<void(const BackfillProgress&)>& on_progress)
        : writer_(writer), stats_(stats), opts_(opts), on_progress_(on_progress), sink_(queue_),
          groups_(writer, stats, [this] { return elapsed(); }) {}

    BackfillResult run(const AgentRoots& roots) {
        Registered reg = Registration(writer_, stats_).run(discover_transcripts(roots));
        files_ = std::move(reg.files);
        progress_.bytes_total = reg.bytes_total;
        progress_.files_total = static_cast<std::int64_t>(files_.size());
        result_.failed_files = reg.unregistered;

        std::thread parser([this] { parse_all(); });
        struct Join {
            BatchQueue& q;
            std::thread& t;
            ~Join() {
                q.close();
                if (t.joinable()) t.join();
            }
        } join{queue_, parser};

        commit_all();
        queue_.close();
        parser.join();
        if (parse_error_) std::rethrow_exception(parse_error_);
        result_.files = progress_.files_done;
        result_.seconds = elapsed();
        return result_;
    }

private:
    double elapsed() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count(); }

    // The parse thread. opts.cancel (a stop signal) ends the backfill after the batch or file at hand.
    void parse_all() {
        try {
            TailerOptions parse_opts = opts_;
            parse_opts.batch_lines = std::min<std::size_t>(parse_opts.batch_lines, 4096);
            parse_opts.batch_bytes = std::min<std::size_t>(parse_opts.batch_bytes, 4u << 20);
            TranscriptTailer tailer(writer_, stats_, parse_opts);  // never touches the writer with a sink
            tailer.set_sink(&sink_);
            for (std::size_t i = 0; i < files_.size() && !queue_.closed() && !(opts_.cancel && *opts_.cancel); ++i) {
                FileRecord f = files_[i];
                const TailStatus s = tailer.ingest(f);
                queue_.push({BatchQueue::Kind::FileDone, {}, 0, i, s});
            }
        } catch (...) {
            parse_error_ = std::current_exception();
        }
        queue_.push({BatchQueue::Kind::End, {}, 0, 0, TailStatus::UpToDate});
    }

    // This thread: commits batches in order until the parse thread ends or the store refuses a group.
    void commit_all() {
        groups_.start();
        for (bool more = true; more && !groups_.failed();) {
            BatchQueue::Item it = queue_.pop();
            switch (it.kind) {
                case BatchQueue::Kind::End: more = false; break;
                case BatchQueue::Kind::FileDone: file_done(it); break;
                case BatchQueue::Kind::Batch: commit(it); break;
            }
        }
        groups_.end();
        if (groups_.failed()) {
            writer_.abandon_group();
            result_.failed_files += static_cast<std::int64_t>(files_.size()) - progress_.files_done;
        }
    }

    void file_done(const BatchQueue::Item& it) {
        if (it.status == TailStatus::StoreFailed || it.status == TailStatus::Unreadable ||
            failed_.count(files_[it.file_index].id))
            ++result_.failed_files;
        ++progress_.files_done;
        report_progress();
    }

    // A refused batch marks its file failed: its later batches are dropped, and it is read again next run.
    void commit(BatchQueue::Item& it) {
        struct Recycle {
            BatchQueue& q;
            IngestBatch& b;
            ~Recycle() { q.recycle(std::move(b)); }
        } recycle{queue_, it.batch};
        const FileRecord& f = it.batch.file;
        if (failed_.count(f.id)) return;
        try {
            stats_.count_commit(writer_.commit(it.batch));
        } catch (const StoreError& e) {
            ++stats_.commit_errors;
            spdlog::error("{}: store refused a batch ({}); nothing was lost, will retry", f.path, e.what());
            failed_.insert(f.id);
            sink_.refuse(f.id);
            return;
        }
        progress_.bytes_done += it.bytes;
        result_.bytes += it.bytes;
        groups_.add_bytes(it.bytes);
        report_progress();
    }

    void report_progress() {
        progress_.seconds = elapsed();
        if (on_progress_) on_progress_(progress_);
        groups_.maybe_rotate();
    }

    StoreWriter& writer_;
    IngestStats& stats_;
    const TailerOptions& opts_;
    const std::function<void(const BackfillProgress&)>& on_progress_;
    const std::chrono::steady_clock::time_point t0_ = std::chrono::steady_clock::now();
    BatchQueue queue_;
    QueueSink sink_;
    CommitGroups groups_;
    std::vector<FileRecord> files_;
    BackfillProgress progress_;
    BackfillResult result_;
    std::set<std::int64_t> failed_;  // file ids whose batch the store refused
    std::exception_ptr parse_error_;
};

}  // namespace

BackfillResult run_backfill(StoreWriter& writer, const AgentRoots& roots, IngestStats& stats,
                            const TailerOptions& opts, const std::function<void(const BackfillProgress&)>& on_progress) {
    return Backfill(writer, stats, opts, on_progress).run(roots);
}

}  // namespace agentpulse
