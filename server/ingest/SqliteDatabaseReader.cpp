// See SqliteDatabaseReader.hpp. Opening another program's live database safely:
// - read-only (SQLITE_OPEN_READONLY, mode=ro): we never write it, never take a write lock, never
//   checkpoint it; a WAL reader never blocks the writer, and we hold no transaction between reads;
// - when its -wal and -shm files exist (the agent has it open, or left them after a crash), the ordinary
//   way, sharing the agent's -shm; when they do not (the agent closed it and checkpointed everything into
//   the main file), `immutable=1`: SQLite would otherwise create an empty -wal and a -shm owned by us,
//   which an agent running as another user could not open for writing. The main file is then the whole
//   database; if the agent opens it meanwhile, its writes go to a new -wal whose events bring us back.
#include "ingest/SqliteDatabaseReader.hpp"

#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <chrono>
#include <map>
#include <mutex>
#include <memory>
#include <thread>

#include "core/Hash.hpp"

namespace agentpulse {

namespace {

struct FileStat {
    bool exists = false;
    int error = 0;
    std::int64_t size = 0, mtime_ns = 0, ino = 0, dev = 0;
};

FileStat stat_of(const std::string& path) {
    FileStat f;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        f.error = errno;
        return f;
    }
    f.exists = S_ISREG(st.st_mode);
    f.size = static_cast<std::int64_t>(st.st_size);
    f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
    f.ino = static_cast<std::int64_t>(st.st_ino);
    f.dev = static_cast<std::int64_t>(st.st_dev);
    return f;
}

// file:<path>?mode=ro[&immutable=1], with the characters a URI path cannot hold escaped.
std::string uri_of(const std::string& path, bool immutable) {
    std::string uri = "file:";
    for (const char c : path) {
        if (c == '?' || c == '#' || c == '%') {
            char esc[4];
            std::snprintf(esc, sizeof esc, "%%%02X", static_cast<unsigned char>(c));
            uri += esc;
        } else {
            uri += c;
        }
    }
    return uri + (immutable ? "?mode=ro&immutable=1" : "?mode=ro");
}

struct CloseDb {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Connection = std::unique_ptr<sqlite3, CloseDb>;

// A read transaction: BEGIN now (the snapshot is taken at the first read), ended on every path.
class ReadTransaction {
public:
    explicit ReadTransaction(sqlite3* db) : db_(db) { exec("BEGIN"); }
    ~ReadTransaction() { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }
    ReadTransaction(const ReadTransaction&) = delete;
    ReadTransaction& operator=(const ReadTransaction&) = delete;

private:
    void exec(const char* sql) {
        if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
            throw std::runtime_error(std::string(sql) + ": " + sqlite3_errmsg(db_));
    }
    sqlite3* db_;
};

// One read of one database: the sink its parser hands rows to, batching them into commits.
class Pass final : public DatabaseSink {
public:
    Pass(const DatabaseReadContext& ctx, const AgentSource& source, FileRecord& file, const FileRecord& cur,
         const std::function<void(std::int64_t)>& progress)
        : ctx_(ctx), file_(file), progress_(progress), parser_(source.make_database_parser(cur)) {
        if (!parser_) throw std::logic_error(std::string(source.name()) + " has no database parser");
        parser_->load_state(cur.parser_state);
        batch_.price_family = source.traits().prices.name;
        batch_.file = cur;
    }

    DatabaseParser& parser() { return *parser_; }

    bool take(ParsedLine&& line) override {
        ++ctx_.stats.lines_read;
        ++taken_;
        batch_.lines.push_back(std::move(line));
        return batch_.lines.size() < ctx_.opts.batch_lines || commit(0);
    }

    void issue(std::int64_t row, LineIssue issue, std::string detail) override {
        ctx_.stats.count_issue(issue);
        if (logged_ < ctx_.opts.max_logged_issues) {
            ++logged_;
            spdlog::warn("{}: row {}: {}{}{}", file_.path, row, line_issue_name(issue), detail.empty() ? "" : ": ",
                         detail);
        }
        batch_.errors.push_back({row, issue, std::move(detail)});
    }

    // Commits the batch with the parser's state (or hands it to the sink); `bytes` is the input it
    // completes (the whole database on the last commit of a read, 0 before). False when the store refused.
    bool commit(std::int64_t bytes) {
        batch_.file.parser_state = parser_->save_state();
        if (!deliver_batch({ctx_.writer, ctx_.stats, ctx_.sink, ctx_.last_store_error}, batch_, bytes, file_, progress_))
            return false;
        batch_.lines.clear();
        batch_.errors.clear();
        committed_ = true;
        return true;
    }

    // The file state the last commit of a read leaves: the whole database read.
    void finish_state(std::int64_t db_bytes, std::int64_t with_wal, std::string signature) {
        batch_.file.offset = db_bytes;
        batch_.file.size = with_wal;
        batch_.file.head_len = 0;
        batch_.file.head_hash = std::move(signature);
    }

    bool committed() const { return committed_; }
    std::int64_t taken() const { return taken_; }

private:
    const DatabaseReadContext& ctx_;
    FileRecord& file_;
    const std::function<void(std::int64_t)>& progress_;
    std::unique_ptr<DatabaseParser> parser_;
    IngestBatch batch_;
    std::int64_t taken_ = 0;
    int logged_ = 0;
    bool committed_ = false;
};


// A commit written but not indexed yet is waited for kSettle at a time, at most kMaxWaits times (frames
// of a transaction that was rolled back look the same until the next commit overwrites them: hence the
// bound). A read is repeated at most kMaxReads times in one call: writes that land meanwhile raise inotify
// events of their own, which bring the next call.
constexpr auto kSettle = std::chrono::milliseconds(2);
constexpr int kMaxWaits = 10;
constexpr int kMaxReads = 3;

// What a read is compared with: the database's and its -wal's size and modification time, and the WAL
// index header at the start of the -shm (its change counter and frame count move with every commit,
// through mmap, so without an event).
struct Version {
    FileStat db, wal, shm;
    std::string signature;
    bool commit_pending = false;  // the WAL holds frames of a commit the index does not show yet
    std::int64_t bytes() const { return db.size + (wal.exists ? wal.size : 0); }
};

bool read_at(const std::string& path, char* buf, std::size_t len, std::int64_t offset) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const ssize_t n = ::pread(fd, buf, len, offset);
    ::close(fd);
    return n == static_cast<ssize_t>(len);
}

// The WAL index header (the first 48 bytes of the -shm; the frame count at byte 16, in the machine's
// byte order; all zero before the first commit is indexed), and whether the frame after the last one it
// counts carries the WAL header's salts, i.e. belongs to the WAL's current generation: a commit written
// but not indexed yet. (Frames left from before the WAL restarted carry older salts.) Read only while we
// hold no connection: closing a descriptor drops the process's locks on that file, and ours are all
// released by then.
void read_wal_index(const std::string& path, Version& v) {
    char hdr[48] = {};
    if (v.shm.exists && read_at(path + "-shm", hdr, sizeof hdr, 0))
        v.signature += ":" + hex64(fnv1a64(std::string_view(hdr, sizeof hdr)));
    unsigned char wal_hdr[32], frame_hdr[24];
    if (!v.wal.exists || v.wal.size < 32 + 24 ||
        !read_at(path + "-wal", reinterpret_cast<char*>(wal_hdr), sizeof wal_hdr, 0))
        return;
    std::uint32_t frames = 0;
    std::memcpy(&frames, hdr + 16, sizeof frames);
    // The page size, big-endian at byte 8 of the WAL header (1 stands for 65536).
    std::int64_t page_size = (std::int64_t{wal_hdr[8]} << 24) | (wal_hdr[9] << 16) | (wal_hdr[10] << 8) | wal_hdr[11];
    if (page_size == 1) page_size = 65536;
    if (page_size < 512 || page_size > 65536) return;
    const std::int64_t next = 32 + static_cast<std::int64_t>(frames) * (page_size + 24);
    if (next + 24 > v.wal.size || !read_at(path + "-wal", reinterpret_cast<char*>(frame_hdr), sizeof frame_hdr, next))
        return;
    v.commit_pending = std::memcmp(frame_hdr + 8, wal_hdr + 16, 8) == 0;
}

Version version_of(const std::string& path) {
    Version v;
    v.db = stat_of(path);
    v.wal = stat_of(path + "-wal");
    v.shm = stat_of(path + "-shm");
    v.signature = std::to_string(v.db.size) + ":" + std::to_string(v.db.mtime_ns) + ":" + std::to_string(v.wal.size) +
                  ":" + std::to_string(v.wal.mtime_ns);
    read_wal_index(path, v);
    return v;
}

enum class ReadResult { Done, Refused, Failed };

// How often a parser is asked to look at every row rather than where changes are expected (its first read
// of a database in this process, and then at most this often: the window between is the parser's).
constexpr auto kFullReadEvery = std::chrono::seconds(60);

// Whether the next read of `path` should be full; remembered per process (not in the store: what a read
// covers must not depend on when a run started, only how much work it does).
bool full_read_due(const std::string& path) {
    static std::mutex mu;
    static std::map<std::string, std::chrono::steady_clock::time_point> last;
    const auto now = std::chrono::steady_clock::now();
    std::lock_guard lock(mu);
    auto [it, fresh] = last.try_emplace(path, now);
    if (!fresh && now - it->second < kFullReadEvery) return false;
    it->second = now;
    return true;
}

// One connection, one read transaction: what changed since the parser's watermarks, handed to `pass`.
ReadResult read_once(const std::string& path, const Version& v, Pass& pass, std::string& error) {
    const bool live = v.wal.exists && v.shm.exists;
    sqlite3* raw = nullptr;
    const int rc =
        sqlite3_open_v2(uri_of(path, !live).c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                        nullptr);
    Connection conn(raw);
    if (rc != SQLITE_OK) {
        error = std::string("cannot open read-only: ") + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
        return ReadResult::Failed;
    }
    // A reader waits only while the agent recovers its WAL (after a crash); never on its writes.
    sqlite3_busy_timeout(conn.get(), 1000);
    try {
        ReadTransaction tx(conn.get());
        return pass.parser().read(conn.get(), pass, full_read_due(path)) ? ReadResult::Done : ReadResult::Refused;
    } catch (const std::runtime_error& e) {
        error = e.what();
        return ReadResult::Failed;
    }
}

// A database replaced by another file (a new inode) is read again from the start: its row forgets what
// was read. True when it was.
bool forget_if_replaced(FileRecord& cur, const Version& v, const DatabaseReadContext& ctx) {
    if (cur.inode == 0 || (v.db.ino == cur.inode && v.db.dev == cur.device)) return false;
    spdlog::info("{}: replaced (new inode); reading it again from the start (rows already stored are not "
                 "counted twice)", cur.path);
    ++ctx.stats.rewrites_detected;
    cur.offset = cur.head_len = 0;
    cur.head_hash.clear();
    cur.parser_state.clear();
    ++cur.rewrites;
    return true;
}

// Reads until the version read is the version on disk. inotify reports the agent's write of its WAL
// frames; the commit becomes visible a moment later, when SQLite indexes them in the -shm (through mmap:
// no event). So after a read we look again: while the WAL holds a commit not indexed yet, wait for it;
// then, if the files or the index moved, read again (past the bounds, the next write or rescan looks
// again, the rescan as long as a WAL holds pages). `v` ends as the version last read; the status when a
// read failed or the store refused it.
std::optional<TailStatus> read_until_settled(const std::string& path, Version& v, Pass& pass,
                                             const DatabaseReadContext& ctx) {
    for (int round = 1;; ++round) {
        std::string error;
        const ReadResult r = read_once(path, v, pass, error);
        if (r == ReadResult::Failed) {
            ++ctx.stats.read_errors;
            spdlog::warn("{}: {} (will retry; what was committed stays)", path, error);
            return pass.committed() ? TailStatus::Progressed : TailStatus::Unreadable;
        }
        if (r == ReadResult::Refused) return TailStatus::StoreFailed;
        Version after = version_of(path);
        for (int wait = 0; after.commit_pending && wait < kMaxWaits; ++wait) {
            std::this_thread::sleep_for(kSettle);
            after = version_of(path);
        }
        if (after.signature == v.signature || round >= kMaxReads || after.db.ino != v.db.ino) {
            // A commit still not indexed, or a change past the read bound: the index moves without an
            // event, so the caller looks again shortly rather than at the next write or rescan.
            ctx.look_again_soon = after.commit_pending || (after.signature != v.signature && after.db.ino == v.db.ino);
            return std::nullopt;
        }
        v = std::move(after);
    }
}

}  // namespace

TailStatus read_sqlite_database(const AgentSource& source, FileRecord& file, const DatabaseReadContext& ctx,
                                const std::function<void(std::int64_t)>& progress) {
    // Looked at before reading: a write that lands during the read changes it again, so it is read next time.
    Version v = version_of(file.path);
    if (!v.db.exists) {
        if (v.db.error == ENOENT) return TailStatus::Missing;
        ++ctx.stats.read_errors;
        spdlog::warn("{}: not a regular file or cannot stat: {}", file.path, std::strerror(v.db.error));
        return TailStatus::Unreadable;
    }
    FileRecord cur = file;
    const bool replaced = forget_if_replaced(cur, v, ctx);
    if (!replaced && cur.inode != 0 && cur.head_hash == v.signature) {
        ctx.look_again_soon = v.commit_pending;  // still not indexed: keep looking (the index raises no event)
        return TailStatus::UpToDate;
    }
    cur.device = v.db.dev;
    cur.inode = v.db.ino;
    // Progress in the main file's bytes, as backfill counts what each file has to go (size - offset).
    const std::int64_t new_bytes = v.db.size >= cur.offset ? v.db.size - cur.offset : v.db.size;
    ctx.stats.bytes_read += new_bytes;

    Pass pass(ctx, source, file, cur, progress);
    if (const std::optional<TailStatus> failed = read_until_settled(file.path, v, pass, ctx)) return *failed;
    pass.finish_state(v.db.size, v.bytes(), v.signature);
    if (!pass.commit(new_bytes)) return TailStatus::StoreFailed;
    return pass.taken() > 0 || replaced ? TailStatus::Progressed : TailStatus::UpToDate;
}

}  // namespace agentpulse
