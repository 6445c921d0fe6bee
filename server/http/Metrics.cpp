// See Metrics.hpp. Names follow Prometheus conventions (base units: seconds, bytes; _total counters).
#include "http/Metrics.hpp"

#include <cstdio>
#include <sstream>

namespace agentpulse {

namespace {

void metric(std::ostringstream& o, const char* name, const char* type, const char* help, double value,
            const std::string& labels = {}) {
    o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n'
      << name << labels << ' ' << value << '\n';
}

}  // namespace

std::string escape_label(std::string_view s) {
    std::string out;
    for (const char c : s.substr(0, 200)) {
        if (c == '\\' || c == '"') out.push_back('\\');
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out.push_back(c);
    }
    return out;
}

std::string metrics_io_part(const ServerContext& ctx) {
    std::ostringstream o;
    o.precision(12);
    const BroadcastStats& b = ctx.broadcaster.stats();
    metric(o, "agentpulse_subscribers", "gauge", "Live stream clients connected now.", static_cast<double>(ctx.sse.active));
    metric(o, "agentpulse_http_connections", "gauge",
           "Open HTTP connections that are not live streams (those are agentpulse_subscribers).",
           static_cast<double>(ctx.connections));
    metric(o, "agentpulse_http_rejected_total", "counter", "Connections refused with 503 at the connection cap.",
           static_cast<double>(ctx.rejected));
    metric(o, "agentpulse_streams_opened_total", "counter", "Live streams opened.", static_cast<double>(ctx.sse.opened));
    metric(o, "agentpulse_frames_published_total", "counter", "Row frames published to all subscribers.",
           static_cast<double>(b.frames));
    metric(o, "agentpulse_batches_published_total", "counter", "Batches of row frames published.",
           static_cast<double>(b.batches));
    metric(o, "agentpulse_stream_bytes_sent_total", "counter", "Bytes written to live streams.",
           static_cast<double>(ctx.sse.bytes));
    metric(o, "agentpulse_stream_direct_writes_total", "counter", "Batches written straight to caught-up clients.",
           static_cast<double>(ctx.sse.frames_direct));
    metric(o, "agentpulse_stream_async_writes_total", "counter", "Asynchronous writes (clients behind or partial sends).",
           static_cast<double>(ctx.sse.writes_async));
    metric(o, "agentpulse_stream_gathered_writes_total", "counter",
           "Non-blocking gathered writes (control frames, several batches or a replay in one send).",
           static_cast<double>(ctx.sse.writes_gathered));
    metric(o, "agentpulse_fanout_passes_total", "counter", "Fan-out passes over the subscriber list.",
           static_cast<double>(b.passes));
    metric(o, "agentpulse_stream_resyncs_total", "counter",
           "Clients told to resync because rows were dropped for them (fell behind or resumed too late).",
           static_cast<double>(ctx.sse.resyncs));
    metric(o, "agentpulse_stream_stalled_drops_total", "counter", "Clients dropped because a write stayed pending too long.",
           static_cast<double>(ctx.sse.stalled));
    metric(o, "agentpulse_stream_write_errors_total", "counter", "Stream writes that failed (client gone).",
           static_cast<double>(ctx.sse.write_errors));
    metric(o, "agentpulse_replay_ring_frames", "gauge", "Row frames held for replay to resuming clients.",
           static_cast<double>(ctx.broadcaster.ring().size()));
    metric(o, "agentpulse_replay_ring_bytes", "gauge", "Bytes held by the replay ring.",
           static_cast<double>(ctx.broadcaster.ring().bytes()));
    return o.str();
}

std::string metrics_poller_part(Poller& poller, const IngestStats* ingest) {
    std::ostringstream o;
    o.precision(12);
    const PollerCounters& c = poller.counters();
    metric(o, "agentpulse_polls_total", "counter", "Store polls for new rows.", static_cast<double>(c.polls.load()));
    metric(o, "agentpulse_polls_unchanged_total", "counter",
           "Polls that found the store unchanged (PRAGMA data_version) and read nothing.",
           static_cast<double>(c.polls_unchanged.load()));
    metric(o, "agentpulse_poll_errors_total", "counter", "Store polls or ticks that failed.", static_cast<double>(c.errors.load()));
    metric(o, "agentpulse_poll_duration_seconds", "gauge", "Duration of the last poll.", c.last_poll_us.load() / 1e6);
    metric(o, "agentpulse_poll_duration_max_seconds", "gauge", "Longest poll so far.", c.max_poll_us.load() / 1e6);
    metric(o, "agentpulse_poll_row_lag_seconds", "gauge",
           "Newest row's transcript time to the poll that published it (includes the agent's own write delay).",
           c.last_row_lag_ms.load() / 1e3);
    metric(o, "agentpulse_rows_published_total", "counter", "Rows published as frames.", static_cast<double>(c.rows.load()));
    o << "# HELP agentpulse_store_rows Rows ever inserted per streamed table (sqlite_sequence).\n"
         "# TYPE agentpulse_store_rows gauge\n";
    for (const auto& [table, n] : poller.table_rows())
        o << "agentpulse_store_rows{table=\"" << escape_label(table) << "\"} " << n << '\n';
    metric(o, "agentpulse_burn_usd_per_hour", "gauge", "Spend rate over the last 5 minutes, USD per hour.",
           poller.usd_per_hour_utc());
    const WatcherState w = poller.watcher_state();
    metric(o, "agentpulse_watcher_running", "gauge", "1 when the transcript watcher is running.", w.state == "running" ? 1 : 0);

    static const std::int64_t bounds[] = {100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000};
    o << "# HELP agentpulse_tool_latency_ms Tool call latency (call line to result line) over the last 24 h.\n"
         "# TYPE agentpulse_tool_latency_ms histogram\n";
    for (const ToolLatencySummary& s : poller.latency_summary(24, 50)) {
        const std::string tool = escape_label(s.tool_name);
        for (const std::int64_t le : bounds)
            o << "agentpulse_tool_latency_ms_bucket{tool=\"" << tool << "\",le=\"" << le << "\"} "
              << s.histogram.count_below(le + 1) << '\n';
        o << "agentpulse_tool_latency_ms_bucket{tool=\"" << tool << "\",le=\"+Inf\"} " << s.histogram.count() << '\n'
          << "agentpulse_tool_latency_ms_sum{tool=\"" << tool << "\"} " << s.histogram.approx_sum() << '\n'
          << "agentpulse_tool_latency_ms_count{tool=\"" << tool << "\"} " << s.histogram.count() << '\n';
    }
    if (ingest) {
        metric(o, "agentpulse_ingest_bytes_total", "counter", "Transcript bytes read.", static_cast<double>(ingest->bytes_read.load()));
        metric(o, "agentpulse_ingest_lines_total", "counter", "Transcript lines read.", static_cast<double>(ingest->lines_read.load()));
        metric(o, "agentpulse_ingest_lines_rejected_total", "counter", "Lines that could not be used (malformed...).",
               static_cast<double>(ingest->lines_rejected.load()));
        metric(o, "agentpulse_ingest_commit_errors_total", "counter", "Batches the store refused (retried).",
               static_cast<double>(ingest->commit_errors.load()));
        metric(o, "agentpulse_ingest_read_errors_total", "counter", "Transcript read errors (retried).",
               static_cast<double>(ingest->read_errors.load()));
    }
    return o.str();
}

}  // namespace agentpulse
