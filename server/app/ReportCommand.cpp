// agentpulse report daily|weekly|monthly|session|blocks: the usage tables of the usage CLIs, read from the
// store (after a one-shot ingest with --refresh). The day and week reports sum the same per-day slices as
// /api/overview (ReportQueries::usage_by_day), so both give the same totals for the same days and zone.
#include <sys/ioctl.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "app/Startup.hpp"
#include "app/StopSignals.hpp"
#include "core/ZonedCalendar.hpp"
#include "ingest/Backfill.hpp"  // IngestStats
#include "report/ReportOutput.hpp"
#include "report/ReportQueries.hpp"
#include "report/UsageReport.hpp"

namespace agentpulse {

namespace {

// COLUMNS when set, else the terminal's width, else no limit (a pipe or a file gets every column).
std::size_t terminal_width() {
    if (const char* cols = std::getenv("COLUMNS")) {
        const long n = std::strtol(cols, nullptr, 10);
        if (n > 0) return static_cast<std::size_t>(n);
    }
    winsize ws{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

// Colour on a terminal only, and never when NO_COLOR is set to anything (no-color.org).
bool use_color() {
    const char* no = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) && !(no && *no);
}

void refresh(const Config& c) {
    std::atomic<bool> interrupted{false};
    StopSignals signals([&](int) { interrupted = true; });
    IngestStats stats;
    // The summary goes to standard error: standard output is the report (a script may parse it).
    const OneShotIngest r = ingest_once(c, load_prices(c), stats, &interrupted, stderr);
    if (interrupted) throw StartupError(1, "interrupted during --refresh; what was read is stored");
    if (r.failed_files > 0)
        std::fprintf(
            stderr,
            "agentpulse report: %lld transcript files could not be read; reporting what the store holds\n",
            static_cast<long long>(r.failed_files));
}

// The report's rows for the options, from the store.
UsageReport build_report(const ReportOptions& o, ReportQueries& q, EpochMs now) {
    UsageReport r;
    r.kind = *parse_report_kind(o.kind);
    r.tz = o.tz.empty() ? system_time_zone(std::getenv("TZ")) : o.tz;
    r.agent = o.agent;
    r.project = o.project;
    r.now = now;
    r.until = o.until.empty() ? local_date(now, r.tz) : o.until;
    r.since = o.since;
    if (r.since.empty()) {
        const auto first = q.first_usage_at(o.agent);
        r.since = first ? local_date(*first, r.tz) : r.until;
        if (r.since > r.until) r.since = r.until;
    }
    const auto range = local_days_between(r.since, r.until, r.tz);
    if (!range) throw StartupError(2, "--since " + r.since + " is after --until " + r.until);
    r.from = range->days.front().start;
    r.to = range->end;

    const std::map<std::int64_t, std::string> names = q.project_names();
    std::set<std::int64_t> ids;  // of the projects named --project (one per agent that has it)
    for (const auto& [id, name] : names)
        if (name == o.project) ids.insert(id);
    const auto keep = [&](std::int64_t project_id) { return o.project.empty() || ids.count(project_id) > 0; };

    switch (r.kind) {
        case ReportKind::Daily:
        case ReportKind::Weekly:
        case ReportKind::Monthly: {
            std::vector<EpochMs> starts;
            for (const LocalDay& d : range->days) starts.push_back(d.start);
            std::vector<UsageSlice> slices = q.usage_by_day(starts, range->end, nullptr, now, o.agent);
            std::erase_if(slices, [&](const UsageSlice& s) { return !keep(s.project_id); });
            r.rows = period_rows(r.kind, *range, slices, o.week_start);
            break;
        }
        case ReportKind::Session: {
            std::vector<SessionModelUsage> usage = q.usage_by_session(r.from, r.to, o.agent);
            std::erase_if(usage, [&](const SessionModelUsage& u) { return !keep(u.usage.project_id); });
            r.rows = session_rows(usage, names);
            break;
        }
        case ReportKind::Blocks: {
            BlockBuilder blocks;
            q.for_each_usage_event(r.from, r.to, o.agent, [&](const UsageEventRow& e) {
                if (keep(e.project_id)) blocks.add(e);
            });
            r.rows = blocks.finish(now);
            break;
        }
    }
    r.totals = sum_rows(r.rows);
    return r;
}

}  // namespace

int run_report(const Config& c) {
    if (c.report.refresh) refresh(c);
    auto db = open_store_for_reading(c.store);
    ReportQueries q(*db);
    const UsageReport r = build_report(c.report, q, now_epoch_ms());
    std::string out;
    if (c.report.format == "json")
        out = boost::json::serialize(report_json(r)) + "\n";
    else if (c.report.format == "csv")
        out = report_csv(r);
    else
        out = report_table(r, TableStyle{terminal_width(), use_color()});
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (!c.report.project.empty() && r.rows.empty()) {
        bool known = false;
        for (const auto& [id, name] : q.project_names()) known = known || name == c.report.project;
        if (!known)
            std::fprintf(stderr, "agentpulse report: no project is called '%s'\n", c.report.project.c_str());
    }
    return 0;
}

}  // namespace agentpulse
