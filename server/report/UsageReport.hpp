// The terminal reports of `agentpulse report` (daily, weekly, monthly, per session, 5-hour blocks) as
// rows of usage sums, built from ReportQueries' results. Pure: no store, no output format (ReportOutput
// prints them), so every grouping rule is tested directly. The period reports are built from the same
// per-day slices as /api/overview, so their totals are the Overview's for the same days and zone.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/TokenCounts.hpp"
#include "core/ZonedCalendar.hpp"
#include "report/ReportQueries.hpp"

namespace agentpulse {

enum class ReportKind { Daily, Weekly, Monthly, Session, Blocks };
std::optional<ReportKind> parse_report_kind(std::string_view name);
std::string_view report_kind_name(ReportKind kind);

struct UsageSum {
    double cost_usd = 0;
    TokenCounts tokens;
    std::int64_t events = 0, unpriced_events = 0, estimated_events = 0;

    void add(const UsageSum& o);
    std::int64_t total_tokens() const {
        return tokens.input + tokens.output + tokens.cache_read + tokens.cache_create;
    }
};

struct ReportRow {
    // daily: the date; weekly: the date the week starts; monthly: "YYYY-MM"; session: the agent's session id;
    // blocks: the block's start (ISO-8601 UTC), "gap-" and the gap's start for a gap.
    std::string key;
    UsageSum usage;
    std::set<std::string> models;
    EpochMs start = 0, end = 0;         // the period's or block's bounds (a period clipped to the range)
    EpochMs first_at = 0, last_at = 0;  // first and last usage in the row (session, blocks)
    std::string provider, project;      // session: its agent and project
    std::int64_t session_row = 0;       // session: sessions.id
    bool gap = false, active = false;   // blocks: a stretch without activity; the block still running
};

struct UsageReport {
    ReportKind kind = ReportKind::Daily;
    std::string tz, since, until;  // zone and local dates of the range (both days included)
    std::string agent, project;    // filters ("" = every one)
    EpochMs from = 0, to = 0, now = 0;
    std::vector<ReportRow> rows;
    UsageSum totals;  // over the rows (gaps hold nothing)
};

// Daily, weekly or monthly rows over `range` from per-day slices (slice.day indexes range.days); periods
// without usage are left out. Weeks start on `week_start` (0 = Monday ... 6 = Sunday).
std::vector<ReportRow> period_rows(ReportKind kind, const LocalDayRange& range,
                                   const std::vector<UsageSlice>& slices, int week_start = 0);

// Claude-style billing blocks, as ccusage draws them: a block starts at the first event after the previous
// block, floored to the UTC hour, and lasts `block_ms`; an event more than `block_ms` after the block's start
// or after the previous event starts the next block; a silence longer than `block_ms` shows as a gap row
// (from the last event + `block_ms` to the next event). Events are added in time order. A block is active
// while `now` is before its end and less than `block_ms` after its last event.
class BlockBuilder {
public:
    static constexpr EpochMs kBlockMs = 5 * 3'600'000LL;
    explicit BlockBuilder(EpochMs block_ms = kBlockMs) : block_ms_(block_ms) {}
    void add(const UsageEventRow& e);
    std::vector<ReportRow> finish(EpochMs now);

private:
    EpochMs block_ms_;
    std::vector<ReportRow> rows_;
    std::optional<ReportRow> open_;
};

std::vector<ReportRow> block_rows(const std::vector<UsageEventRow>& events, EpochMs now,
                                  EpochMs block_ms = BlockBuilder::kBlockMs);

// One row per session from its (session, model) sums, in order of last activity.
std::vector<ReportRow> session_rows(const std::vector<SessionModelUsage>& usage,
                                    const std::map<std::int64_t, std::string>& projects);

UsageSum sum_rows(const std::vector<ReportRow>& rows);

}  // namespace agentpulse
