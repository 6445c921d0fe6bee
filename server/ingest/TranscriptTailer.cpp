// See TranscriptTailer.hpp. Reads with pread on a descriptor opened per call: no descriptors are held
// between calls, so thousands of transcripts cost no open files.
#include "ingest/TranscriptTailer.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/Hash.hpp"
#include "ingest/FileDescriptor.hpp"
#include "agents/AgentRegistry.hpp"
#include "ingest/WholeDocumentReader.hpp"
#include "ingest/SqliteDatabaseReader.hpp"

namespace agentpulse {

namespace {

constexpr std::size_t kReadChunk = 1u << 20;
constexpr std::size_t kKeepBufferBytes = 4u << 20;
constexpr std::int64_t kHeadBytes = 4096;
constexpr std::int64_t kTailBytes = 256;

// Fingerprint of bytes [from, from+len): "" when they cannot all be read.
std::string fingerprint(int fd, std::int64_t from, std::int64_t len) {
    std::string buf(static_cast<std::size_t>(len), '\0');
    std::int64_t got = 0;
    while (got < len) {
        const ssize_t n = ::pread(fd, buf.data() + got, static_cast<std::size_t>(len - got), from + got);
        if (n <= 0) return {};
        got += n;
    }
    return hex64(fnv1a64(buf));
}

// head_hash column: "<head fingerprint>:<fingerprint of the bytes just before the offset>".
std::string identity(int fd, std::int64_t head_len, std::int64_t offset) {
    const std::int64_t tail_len = std::min(offset, kTailBytes);
    return fingerprint(fd, 0, head_len) + ":" + fingerprint(fd, offset - tail_len, tail_len);
}

}  // namespace

const char* tail_status_name(TailStatus s) {
    switch (s) {
        case TailStatus::UpToDate: return "up_to_date";
        case TailStatus::Progressed: return "progressed";
        case TailStatus::Missing: return "missing";
        case TailStatus::Unreadable: return "unreadable";
        case TailStatus::StoreFailed: return "store_failed";
    }
    return "unknown";
}

TranscriptTailer::TranscriptTailer(StoreWriter& writer, IngestStats& stats, TailerOptions opts)
    : writer_(writer), stats_(stats), opts_(opts) {}

TailStatus TranscriptTailer::ingest(FileRecord& file, const std::function<void(std::int64_t)>& progress) {
    look_again_soon_ = false;
    const AgentSource* source = find_agent(file.provider);
    if (!source) {
        ++stats_.read_errors;
        spdlog::warn("{}: written by agent '{}', which this build does not read", file.path, file.provider);
        return TailStatus::Unreadable;
    }
    switch (source->read_mode(file)) {
        case ReadMode::AppendOnlyLines: return tail_lines(*source, file, progress);
        case ReadMode::WholeDocument:
            return read_whole_document({*source, writer_, stats_, sink_, opts_.max_line_bytes, last_store_error_}, file,
                                       progress);
        case ReadMode::SqliteDatabase:
            return read_sqlite_database(*source, file, {writer_, stats_, opts_, sink_, last_store_error_, look_again_soon_},
                                        progress);
    }
    return TailStatus::Unreadable;
}

namespace {

// Compares the file with what was committed (inode, size, fingerprints). When it was replaced, truncated
// or rewritten, `cur` is reset to read it again from the start. True when its identity changed.
bool check_identity(int fd, const struct stat& st, const FileRecord& file, FileRecord& cur, IngestStats& stats) {
    const char* why = nullptr;
    if (cur.inode != 0 && (static_cast<std::int64_t>(st.st_ino) != cur.inode ||
                           static_cast<std::int64_t>(st.st_dev) != cur.device))
        why = "replaced (new inode)";
    else if (st.st_size < cur.offset)
        why = "truncated";
    else if (cur.offset > 0 && !cur.head_hash.empty() && identity(fd, cur.head_len, cur.offset) != cur.head_hash)
        why = "rewritten";
    if (why) {
        spdlog::info("{}: {}; reading it again from the start (rows already stored are not counted twice)", file.path,
                     why);
        ++stats.rewrites_detected;
        cur.offset = cur.line_no = cur.head_len = 0;
        cur.head_hash.clear();
        cur.parser_state.clear();
        ++cur.rewrites;
    }
    cur.device = static_cast<std::int64_t>(st.st_dev);
    cur.inode = static_cast<std::int64_t>(st.st_ino);
    return why || cur.device != file.device || cur.inode != file.inode;
}

}  // namespace

// One read of one file from its committed offset to its end: the state shared by the steps below.
struct TranscriptTailer::Pass {
    TranscriptTailer& t;
    FileRecord& file;        // the caller's committed state, updated at each commit
    const std::int64_t from; // the offset this pass starts at
    const int fd;
    const std::int64_t size;
    const bool identity_changed;
    const std::function<void(std::int64_t)>& progress;
    std::unique_ptr<LineParser> parser;
    IngestBatch batch;
    std::int64_t consumed, committed, line_no;
    std::size_t batch_bytes = 0;
    int logged = 0, unlogged = 0;
    bool progressed = false;

    Pass(TranscriptTailer& t, const AgentSource& source, FileRecord& file, const FileRecord& cur, int fd,
         std::int64_t size, bool identity_changed, const std::function<void(std::int64_t)>& progress)
        : t(t), file(file), from(cur.offset), fd(fd), size(size), identity_changed(identity_changed),
          progress(progress), parser(source.make_parser(cur)), consumed(cur.offset), committed(cur.offset),
          line_no(cur.line_no) {
        parser->load_state(cur.parser_state);
        batch.price_family = source.traits().prices.name;
        batch.file = cur;
    }

    // Reads in chunks; each complete line is taken, a partial last line is left for the next pass. The
    // buffer is the tailer's, reused between calls and only zero-filled when it grows: a fresh 1 MB string
    // per call (per append, in follow mode) cost a page-faulted allocation and a 1 MB memset per read.
    TailStatus run() {
        std::string& buf = t.read_buf_;
        std::size_t used = 0;  // bytes of buf holding file data
        std::int64_t read_pos = from, buf_offset = from;  // buf_offset: file offset of buf[0]
        bool skipping_long_line = false;
        for (;;) {
            if (buf.size() < used + kReadChunk) buf.resize(used + kReadChunk);
            const ssize_t n = ::pread(fd, buf.data() + used, kReadChunk, read_pos);
            if (n < 0) {
                ++t.stats_.read_errors;
                spdlog::warn("{}: read failed at byte {}: {} (will retry)", file.path, read_pos, std::strerror(errno));
                break;
            }
            if (n == 0) break;
            used += static_cast<std::size_t>(n);
            read_pos += n;
            t.stats_.bytes_read += n;

            std::size_t start = 0;
            while (const void* hit = std::memchr(buf.data() + start, '\n', used - start)) {
                const std::size_t nl = static_cast<std::size_t>(static_cast<const char*>(hit) - buf.data());
                std::string_view line(buf.data() + start, nl - start);
                take_line(line, skipping_long_line, buf_offset + static_cast<std::int64_t>(start));
                skipping_long_line = false;
                start = nl + 1;
                consumed = buf_offset + static_cast<std::int64_t>(start);
                if (batch_bytes >= t.opts_.batch_bytes || batch.lines.size() >= t.opts_.batch_lines) {
                    if (!commit()) return TailStatus::StoreFailed;
                    if (t.opts_.cancel && t.opts_.cancel->load()) return TailStatus::Progressed;
                }
            }
            std::memmove(buf.data(), buf.data() + start, used - start);
            used -= start;
            buf_offset += static_cast<std::int64_t>(start);
            if (used > t.opts_.max_line_bytes) {
                // Drop what we have of an over-long line and skip to its end.
                skipping_long_line = true;
                buf_offset += static_cast<std::int64_t>(used);
                used = 0;
            }
        }
        if (buf.capacity() > kKeepBufferBytes) std::string().swap(buf);  // after a very long line
        if (unlogged > 0) spdlog::warn("{}: {} more line issues not logged (see ingest_errors)", file.path, unlogged);
        if (consumed != committed || !batch.errors.empty() || identity_changed) {
            if (!commit()) return TailStatus::StoreFailed;
        }
        return progressed && committed > from ? TailStatus::Progressed : TailStatus::UpToDate;
    }

    // One complete line (without its newline). The over-long verdict holds also when one read brought the
    // whole line in: it must not depend on where reads fall.
    // `at`: the file offset of the line's first byte (stored with its message, for the viewer).
    void take_line(std::string_view line, bool skipped_head, std::int64_t at) {
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        ++line_no;
        ++t.stats_.lines_read;
        batch_bytes += line.size() + 1;
        if (skipped_head || line.size() > t.opts_.max_line_bytes) {
            ++t.stats_.lines_rejected;
            note(LineIssue::TooLong, "longer than " + std::to_string(t.opts_.max_line_bytes) + " bytes, skipped");
            return;
        }
        if (line.empty()) return;
        LineIssue issue = LineIssue::None;
        const std::size_t first = batch.lines.size();
        const LineOutcome out = parser->parse_records(line, line_no, batch.lines, issue);
        for (std::size_t i = first; i < batch.lines.size(); ++i) batch.lines[i].byte_offset = at;
        if (out == LineOutcome::Ignored) ++t.stats_.lines_ignored;
        if (out == LineOutcome::Rejected) ++t.stats_.lines_rejected;
        if (issue != LineIssue::None) note(issue, issue == LineIssue::Malformed ? "not a JSON object" : "");
    }

    // Counts and records a line issue; logs the first few of each pass (the rest are only counted).
    void note(LineIssue issue, std::string detail) {
        t.stats_.count_issue(issue);
        if (logged < t.opts_.max_logged_issues) {
            ++logged;
            spdlog::warn("{}:{}: {}{}{}", file.path, line_no, line_issue_name(issue), detail.empty() ? "" : ": ",
                         detail);
        } else {
            ++unlogged;
        }
        batch.errors.push_back({line_no, issue, std::move(detail)});
    }

    // Commits the batch with the file's new offset, line count, fingerprints and parser state (or hands it
    // to the sink). False when the store refused it: nothing of it was written.
    bool commit() {
        batch.file.offset = consumed;
        batch.file.line_no = line_no;
        batch.file.size = size > consumed ? size : consumed;
        batch.file.parser_state = parser->save_state();
        batch.file.head_len = std::min(consumed, kHeadBytes);
        batch.file.head_hash = identity(fd, batch.file.head_len, consumed);
        if (!deliver_batch({t.writer_, t.stats_, t.sink_, t.last_store_error_}, batch, consumed - committed, file,
                           progress))
            return false;
        committed = consumed;
        batch.lines.clear();
        batch.errors.clear();
        batch_bytes = 0;
        progressed = true;
        return true;
    }
};

TailStatus TranscriptTailer::tail_lines(const AgentSource& source, FileRecord& file,
                                        const std::function<void(std::int64_t)>& progress) {
    FileDescriptor fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
        if (errno == ENOENT) return TailStatus::Missing;
        ++stats_.read_errors;
        spdlog::warn("{}: cannot open: {} (will retry)", file.path, std::strerror(errno));
        return TailStatus::Unreadable;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        ++stats_.read_errors;
        spdlog::warn("{}: not a regular file or cannot stat", file.path);
        return TailStatus::Unreadable;
    }
    FileRecord cur = file;
    const bool identity_changed = check_identity(fd.get(), st, file, cur, stats_);
    if (st.st_size == cur.offset && !identity_changed) return TailStatus::UpToDate;
    return Pass(*this, source, file, cur, fd.get(), st.st_size, identity_changed, progress).run();
}

}  // namespace agentpulse
