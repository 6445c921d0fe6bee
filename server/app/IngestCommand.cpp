// agentpulse ingest [--follow]: backfill with a progress bar, then (with --follow) tail until a signal.
// `report --refresh` runs the same one-shot backfill (ingest_once) before it reads the store.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>

#include "app/Forwarding.hpp"
#include "app/ProgressBar.hpp"
#include "app/Startup.hpp"
#include "app/StopSignals.hpp"
#include "ingest/Backfill.hpp"
#include "ingest/Watcher.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse {

OneShotIngest ingest_once(const Config& c, std::shared_ptr<const PriceBook> prices, IngestStats& stats,
                          std::atomic<bool>* cancel, std::FILE* summary) {
    auto db = open_store_for_writing(c.store);
    StoreWriter writer(*db, prices);
    writer.set_index_text(c.index_text);
    writer.set_origin(origin_of(c));
    ProgressBar bar(c.progress);
    TailerOptions opts;
    opts.cancel = cancel;
    const BackfillResult r = run_backfill(writer, c.roots, stats, opts, [&](const BackfillProgress& p) {
        bar.update(p, stats.messages + stats.usage_events + stats.tool_calls);
    });
    bar.finish();
    const double mb = r.bytes / 1e6;
    std::fprintf(summary,
                 "ingested %lld files, %.1f MB in %.2f s (%.1f MB/s): %lld messages, %lld usage events "
                 "(%lld updates), %lld tool calls, %lld tool results; %lld lines rejected, %lld files failed\n",
                 static_cast<long long>(r.files), mb, r.seconds, r.seconds > 0 ? mb / r.seconds : 0.0,
                 static_cast<long long>(stats.messages.load()), static_cast<long long>(stats.usage_events.load()),
                 static_cast<long long>(stats.usage_updates.load()), static_cast<long long>(stats.tool_calls.load()),
                 static_cast<long long>(stats.tool_results.load()), static_cast<long long>(stats.lines_rejected.load()),
                 static_cast<long long>(r.failed_files));
    std::fflush(summary);
    // Leave a small WAL behind: a WAL left large by a long backfill slows every reader until the next
    // checkpoint.
    // Best effort: a full disk or another writer can refuse it, which must not end the run (the WAL is
    // checkpointed again automatically as later commits go through).
    try {
        db->exec("PRAGMA wal_checkpoint(TRUNCATE)");
    } catch (const StoreError& e) {
        spdlog::warn("store: checkpoint skipped ({})", e.what());
    }
    return {r.failed_files};
}

int run_ingest(const Config& c) {
    auto prices = load_prices(c);
    IngestStats stats;
    const AgentRoots& roots = c.roots;
    WatcherOptions wo{roots, c.store, prices};
    wo.index_text = c.index_text;
    wo.machine = c.machine;
    wo.user = c.user;
    Watcher watcher(std::move(wo), stats);
    std::atomic<bool> interrupted{false};
    StopSignals signals([&](int) {
        spdlog::info("stopping");
        interrupted = true;  // ends a backfill at its next batch (everything read by then is committed)
        watcher.stop();
    });

    {
        const OneShotIngest r = ingest_once(c, prices, stats, &interrupted, stdout);
        if (interrupted) {
            // --follow is stopped by a signal as a matter of course; a one-shot backfill did not finish.
            std::fprintf(stderr, "agentpulse ingest: interrupted before the backfill finished; what was read is "
                                 "stored, and running it again continues from there\n");
            return c.follow ? 0 : 1;
        }
        if (!c.follow) {
            if (!c.forward.empty()) {
                // Once: everything the store holds past the cursor, retrying for up to a minute.
                Forwarder f(forwarder_options(c));
                if (!f.drain(std::chrono::seconds(60))) {
                    std::fprintf(stderr, "agentpulse ingest: %s did not take every row (%s); running it again continues "
                                         "from where it stopped\n", c.forward.c_str(), f.last_error().c_str());
                    return 1;
                }
                std::printf("forwarded %lld records to %s\n", static_cast<long long>(f.counters().records.load()),
                            c.forward.c_str());
            }
            return r.failed_files > 0 ? 1 : 0;
        }
    }
    ForwardingThread forwarding(c);
    for (const AgentRoot& r : roots) spdlog::info("following {} transcripts under {}", r.source->traits().label, r.path.string());
    watcher.run();
    return 0;
}

}  // namespace agentpulse
