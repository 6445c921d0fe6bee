// See Backfill.hpp.
#include "ingest/Backfill.hpp"

#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <chrono>

namespace agentpulse {

BackfillResult run_backfill(StoreWriter& writer, const TranscriptRoots& roots, IngestStats& stats,
                            const TailerOptions& opts, const std::function<void(const BackfillProgress&)>& on_progress) {
    const auto t0 = std::chrono::steady_clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };

    std::vector<FileRecord> files;
    BackfillProgress p;
    for (const FileRecord& proto : discover_transcripts(roots)) {
        FileRecord f = writer.ensure_file(proto);
        struct stat st {};
        if (::stat(f.path.c_str(), &st) != 0) continue;
        const std::int64_t pending = st.st_size >= f.offset ? st.st_size - f.offset : st.st_size;
        p.bytes_total += pending;
        files.push_back(std::move(f));
    }
    stats.files_seen += static_cast<std::int64_t>(files.size());
    p.files_total = static_cast<std::int64_t>(files.size());

    TranscriptTailer tailer(writer, stats, opts);
    BackfillResult r;
    for (FileRecord& f : files) {
        const TailStatus s = tailer.ingest(f, [&](std::int64_t bytes) {
            p.bytes_done += bytes;
            r.bytes += bytes;
            p.seconds = elapsed();
            if (on_progress) on_progress(p);
        });
        if (s == TailStatus::StoreFailed || s == TailStatus::Unreadable) ++r.failed_files;
        ++p.files_done;
        p.seconds = elapsed();
        if (on_progress) on_progress(p);
    }
    r.files = p.files_done;
    r.seconds = elapsed();
    return r;
}

}  // namespace agentpulse
