// agentpulse status: the watcher heartbeat, ingest counters, row counts, where forwarding stands and the
// latest ingest errors.
#include <cstdio>

#include "app/Startup.hpp"
#include "core/IsoTime.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

int run_status(const Config& c) {
    auto db = open_store_for_reading(c.store);
    std::printf("store: %s\n", c.store.string().c_str());
    {
        Statement s(*db, "SELECT state, coalesce(reason,''), pid, hostname, started_at, beat_at, beat_ms, interval_ms, "
                         "coalesce(counters,'{}') FROM watcher_heartbeat WHERE id = 1");
        ResetGuard g(s);
        if (s.step()) {
            const std::int64_t age = now_epoch_ms() - s.column_int(6);
            const bool fresh = age <= 5 * s.column_int(7);
            std::printf("watcher: %s%s (pid %lld on %s, started %s, last beat %s, %.1f s ago)%s%s\n",
                        s.column_text(0).c_str(), s.column_text(0) == "running" && !fresh ? ", heartbeat stale" : "",
                        static_cast<long long>(s.column_int(2)), s.column_text(3).c_str(), s.column_text(4).c_str(),
                        s.column_text(5).c_str(), age / 1000.0, s.column_view(1).empty() ? "" : ": ",
                        s.column_text(1).c_str());
            std::printf("counters: %s\n", s.column_text(8).c_str());
        } else {
            std::printf("watcher: never ran against this store\n");
        }
    }
    for (const char* table : {"projects", "sessions", "transcript_files", "messages", "usage_events", "message_tool_mart",
                              "pending_tool_results", "ingest_errors"}) {
        Statement s(*db, std::string("SELECT count(*) FROM ") + table);
        ResetGuard g(s);
        s.step();
        std::printf("%-22s %lld rows\n", table, static_cast<long long>(s.column_int(0)));
    }
    // Forwarding (docs/teams.md): per destination, what was accepted and how far behind the cursor is.
    bool has_cursors = false;
    {
        Statement t(*db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'forward_cursors'");
        ResetGuard g(t);
        has_cursors = t.step() && t.column_int(0) == 1;
    }
    if (has_cursors) {
        Statement f(*db, "SELECT destination, records, coalesce(updated_at, 'never'), coalesce(last_error, ''), "
                         "(SELECT count(*) FROM usage_events WHERE id > c.usage_id) + "
                         "(SELECT count(*) FROM message_tool_mart WHERE id > c.tool_id) + "
                         "(SELECT count(*) FROM sessions WHERE seq > c.session_seq) FROM forward_cursors c ORDER BY 1");
        ResetGuard g(f);
        while (f.step())
            std::printf("forward to %s: %lld records accepted, %lld rows waiting, last %s%s%s\n", f.column_text(0).c_str(),
                        static_cast<long long>(f.column_int(1)), static_cast<long long>(f.column_int(4)),
                        f.column_text(2).c_str(), f.column_view(3).empty() ? "" : "; failing: ", f.column_text(3).c_str());
    }
    Statement e(*db, "SELECT ts, coalesce(path,''), coalesce(line_no,0), kind, coalesce(message,'') FROM ingest_errors "
                     "ORDER BY id DESC LIMIT 10");
    ResetGuard g(e);
    bool header = false;
    while (e.step()) {
        if (!header) std::printf("latest ingest errors:\n"), header = true;
        std::printf("  %s %s:%lld %s %s\n", e.column_text(0).c_str(), e.column_text(1).c_str(),
                    static_cast<long long>(e.column_int(2)), e.column_text(3).c_str(), e.column_text(4).c_str());
    }
    return 0;
}

}  // namespace agentpulse
