// See WholeDocumentReader.hpp. The committed fingerprint (transcript_files.head_hash) is
// "doc:<mtime ns>:<hash of the text>" ("racy:" before it when read in the second of its mtime); offset and
// size are the size the document had when read.
#include "ingest/WholeDocumentReader.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <optional>

#include "core/Hash.hpp"
#include "ingest/FileDescriptor.hpp"

namespace agentpulse {

namespace {

std::int64_t mtime_ns(const struct stat& st) {
    return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000LL + st.st_mtim.tv_nsec;
}

std::string mtime_tag(const struct stat& st) { return "doc:" + std::to_string(mtime_ns(st)); }

// File times advance in kernel ticks (milliseconds), so a rewrite of the same size within the tick of the
// read would leave size and mtime as they were. A document read within a second of its mtime is marked so
// that its next change event reads it again (and compares the text) instead of trusting the stat.
constexpr std::int64_t kRacyNs = 1'000'000'000LL;

bool racy(const struct stat& st) {
    struct timespec now {};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000LL + now.tv_nsec - mtime_ns(st) < kRacyNs;
}

// The whole file, up to `max` bytes (false on a read error; `too_long` when there is more).
bool read_all(int fd, std::size_t max, std::string& out, bool& too_long) {
    out.clear();
    too_long = false;
    char buf[1 << 16];
    for (;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(out.size()));
        if (n < 0) return false;
        if (n == 0) return true;
        if (out.size() + static_cast<std::size_t>(n) > max) {
            too_long = true;
            return true;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
}

// The open document's stat, or why it cannot be read now.
std::optional<TailStatus> check_open(const DocumentReadContext& ctx, const FileRecord& file, const FileDescriptor& fd,
                                     struct stat& st) {
    if (fd.get() < 0) {
        if (errno == ENOENT) return TailStatus::Missing;
        ++ctx.stats.read_errors;
        spdlog::warn("{}: cannot open: {} (will retry)", file.path, std::strerror(errno));
        return TailStatus::Unreadable;
    }
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
        ++ctx.stats.read_errors;
        spdlog::warn("{}: not a regular file or cannot stat", file.path);
        return TailStatus::Unreadable;
    }
    return std::nullopt;
}

// The document's records into the batch, from the parser state its file row carries. False when it is not
// a complete JSON document: caught between the writer's truncate and its last write (or broken for good),
// nothing is committed, so nothing is lost; its next change brings it here again.
bool parse_document(const DocumentReadContext& ctx, const FileRecord& file, const std::string& text,
                    IngestBatch& batch) {
    auto parser = ctx.source.make_parser(file);
    parser->load_state(file.parser_state);
    ++ctx.stats.lines_read;
    LineIssue issue = LineIssue::None;
    const LineOutcome out = parser->parse_records(text, 1, batch.lines, issue);
    if (out == LineOutcome::Rejected && issue == LineIssue::Malformed) {
        spdlog::info("{}: not a complete JSON document (being rewritten?); read again at its next change", file.path);
        return false;
    }
    if (out == LineOutcome::Ignored) ++ctx.stats.lines_ignored;
    if (out == LineOutcome::Rejected) ++ctx.stats.lines_rejected;
    if (issue != LineIssue::None) {
        ctx.stats.count_issue(issue);
        spdlog::warn("{}: {}", file.path, line_issue_name(issue));
        batch.errors.push_back({1, issue, "in the document"});
    }
    batch.file.parser_state = parser->save_state();
    return true;
}

}  // namespace

TailStatus read_whole_document(const DocumentReadContext& ctx, FileRecord& file,
                               const std::function<void(std::int64_t)>& progress) {
    FileDescriptor fd(::open(file.path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat st {};
    if (const std::optional<TailStatus> failed = check_open(ctx, file, fd, st)) return *failed;
    const std::string tag = mtime_tag(st);
    const bool same_file = static_cast<std::int64_t>(st.st_ino) == file.inode &&
                           static_cast<std::int64_t>(st.st_dev) == file.device;
    if (same_file && st.st_size == file.size && file.offset == file.size && file.head_hash.starts_with(tag + ":"))
        return TailStatus::UpToDate;

    std::string text;
    bool too_long = false;
    if (!read_all(fd.get(), ctx.max_bytes, text, too_long)) {
        ++ctx.stats.read_errors;
        spdlog::warn("{}: read failed: {} (will retry)", file.path, std::strerror(errno));
        return TailStatus::Unreadable;
    }
    ctx.stats.bytes_read += static_cast<std::int64_t>(text.size());

    IngestBatch batch;
    batch.price_family = ctx.source.traits().prices.name;
    batch.file = file;
    if (!same_file && file.inode != 0) {
        spdlog::info("{}: replaced (new inode); reading it again (rows already stored are not counted twice)",
                     file.path);
        ++ctx.stats.rewrites_detected;
        ++batch.file.rewrites;
    }
    const std::string content = hex64(fnv1a64(text));
    const std::string fingerprint = tag + ":" + content;
    if (too_long) {
        ++ctx.stats.lines_rejected;
        ctx.stats.count_issue(LineIssue::TooLong);
        spdlog::warn("{}: document longer than {} bytes, skipped", file.path, ctx.max_bytes);
        batch.errors.push_back({1, LineIssue::TooLong, "document longer than " + std::to_string(ctx.max_bytes) +
                                                           " bytes, skipped"});
    } else if (!file.head_hash.ends_with(":" + content)) {  // else only its mtime changed
        if (!parse_document(ctx, file, text, batch)) return TailStatus::Unreadable;
    }
    batch.file.device = static_cast<std::int64_t>(st.st_dev);
    batch.file.inode = static_cast<std::int64_t>(st.st_ino);
    batch.file.size = batch.file.offset = static_cast<std::int64_t>(st.st_size);
    batch.file.line_no = 1;
    batch.file.head_len = 0;
    batch.file.head_hash = racy(st) ? "racy:" + fingerprint : fingerprint;
    if (batch.lines.empty() && batch.errors.empty() && batch.file.head_hash == file.head_hash && same_file &&
        batch.file.size == file.size && batch.file.offset == file.offset && batch.file.line_no == file.line_no)
        return TailStatus::UpToDate;  // read again (racy) and found as it was
    const std::int64_t bytes = std::max<std::int64_t>(0, batch.file.offset - file.offset);
    if (!deliver_batch({ctx.writer, ctx.stats, ctx.sink, ctx.last_store_error}, batch, bytes, file, progress))
        return TailStatus::StoreFailed;
    return TailStatus::Progressed;
}

}  // namespace agentpulse
