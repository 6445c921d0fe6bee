// See UsageReport.hpp.
#include "report/UsageReport.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace agentpulse {

namespace {

constexpr EpochMs kHourMs = 3'600'000;

struct KindName {
    ReportKind kind;
    std::string_view name;
};
constexpr KindName kKinds[] = {{ReportKind::Daily, "daily"},
                               {ReportKind::Weekly, "weekly"},
                               {ReportKind::Monthly, "monthly"},
                               {ReportKind::Session, "session"},
                               {ReportKind::Blocks, "blocks"}};

void add_tokens(TokenCounts& into, const TokenCounts& t) {
    into.input += t.input;
    into.output += t.output;
    into.cache_read += t.cache_read;
    into.cache_create += t.cache_create;
    into.cache_create_1h += t.cache_create_1h;
    into.reasoning += t.reasoning;
}

UsageSum sum_of(const UsageSlice& s) {
    UsageSum u;
    u.cost_usd = s.cost_usd;
    u.tokens = s.tokens;
    u.events = s.events;
    u.unpriced_events = s.unpriced_events;
    u.estimated_events = s.estimated_events;
    return u;
}

UsageSum sum_of(const UsageEventRow& e) {
    UsageSum u;
    u.cost_usd = e.cost_usd;
    u.tokens = e.tokens;
    u.events = 1;
    u.unpriced_events = e.unpriced ? 1 : 0;
    u.estimated_events = e.estimated ? 1 : 0;
    return u;
}

void add_model(std::set<std::string>& models, const std::string& model) {
    if (!model.empty()) models.insert(model);
}

// The index of the period day `i` belongs to: the day itself, the first day of its week, or of its month,
// counted from the range's first day (a period that began before the range is keyed by its true start).
std::string period_key(ReportKind kind, const LocalDayRange& range, std::size_t i, int week_start) {
    const LocalDay& d = range.days[i];
    switch (kind) {
        case ReportKind::Weekly: {
            const int back = (d.weekday - week_start + 7) % 7;
            if (i >= static_cast<std::size_t>(back)) return range.days[i - back].date;
            return shift_date(d.date, -back);  // the week began before the range
        }
        case ReportKind::Monthly:
            return d.date.substr(0, 7);
        case ReportKind::Daily:
        case ReportKind::Session:
        case ReportKind::Blocks:
            break;
    }
    return d.date;
}

}  // namespace

std::optional<ReportKind> parse_report_kind(std::string_view name) {
    for (const KindName& k : kKinds)
        if (k.name == name) return k.kind;
    return std::nullopt;
}

std::string_view report_kind_name(ReportKind kind) {
    for (const KindName& k : kKinds)
        if (k.kind == kind) return k.name;
    return "daily";
}

void UsageSum::add(const UsageSum& o) {
    cost_usd += o.cost_usd;
    add_tokens(tokens, o.tokens);
    events += o.events;
    unpriced_events += o.unpriced_events;
    estimated_events += o.estimated_events;
}

std::vector<ReportRow> period_rows(ReportKind kind, const LocalDayRange& range,
                                   const std::vector<UsageSlice>& slices, int week_start) {
    const std::size_t n = range.days.size();
    std::vector<ReportRow> rows;
    std::vector<std::size_t> row_of(n);
    for (std::size_t i = 0; i < n; ++i) {
        const std::string key = period_key(kind, range, i, week_start);
        if (rows.empty() || rows.back().key != key) {
            ReportRow r;
            r.key = key;
            r.start = range.days[i].start;
            rows.push_back(std::move(r));
        }
        rows.back().end = i + 1 < n ? range.days[i + 1].start : range.end;
        row_of[i] = rows.size() - 1;
    }
    for (const UsageSlice& s : slices) {
        if (s.day < 0 || static_cast<std::size_t>(s.day) >= n) continue;
        ReportRow& r = rows[row_of[static_cast<std::size_t>(s.day)]];
        r.usage.add(sum_of(s));
        add_model(r.models, s.model);
    }
    std::erase_if(rows, [](const ReportRow& r) { return r.usage.events == 0; });
    return rows;
}

void BlockBuilder::add(const UsageEventRow& e) {
    if (open_ && (e.ts - open_->start > block_ms_ || e.ts - open_->last_at > block_ms_)) {
        const EpochMs last = open_->last_at;
        // Whether it is active is decided at finish(): a block closed here has a later event after it, so
        // `now` is past that event, which is past its end or more than block_ms after its last event.
        rows_.push_back(std::move(*open_));
        open_.reset();
        if (e.ts - last > block_ms_) {
            ReportRow gap;
            gap.gap = true;
            gap.start = last + block_ms_;
            gap.end = e.ts;
            gap.key = "gap-" + format_iso8601(gap.start);
            rows_.push_back(std::move(gap));
        }
    }
    if (!open_) {
        open_.emplace();
        open_->start = e.ts - ((e.ts % kHourMs) + kHourMs) % kHourMs;  // floored to the UTC hour
        open_->end = open_->start + block_ms_;
        open_->key = format_iso8601(open_->start);
        open_->first_at = e.ts;
    }
    open_->last_at = e.ts;
    open_->usage.add(sum_of(e));
    add_model(open_->models, e.model);
}

std::vector<ReportRow> BlockBuilder::finish(EpochMs now) {
    if (open_) {
        open_->active = now < open_->end && now - open_->last_at < block_ms_;
        rows_.push_back(std::move(*open_));
        open_.reset();
    }
    return std::move(rows_);
}

std::vector<ReportRow> block_rows(const std::vector<UsageEventRow>& events, EpochMs now, EpochMs block_ms) {
    BlockBuilder b(block_ms);
    for (const UsageEventRow& e : events) b.add(e);
    return b.finish(now);
}

std::vector<ReportRow> session_rows(const std::vector<SessionModelUsage>& usage,
                                    const std::map<std::int64_t, std::string>& projects) {
    std::vector<ReportRow> rows;
    std::unordered_map<std::int64_t, std::size_t> index;
    for (const SessionModelUsage& u : usage) {
        auto [it, fresh] = index.try_emplace(u.session_row, rows.size());
        if (fresh) {
            ReportRow r;
            r.key = u.session_id;
            r.session_row = u.session_row;
            r.provider = u.usage.provider;
            const auto name = projects.find(u.usage.project_id);
            r.project =
                name == projects.end() ? "project " + std::to_string(u.usage.project_id) : name->second;
            r.first_at = u.first_at;
            r.last_at = u.last_at;
            rows.push_back(std::move(r));
        }
        ReportRow& r = rows[it->second];
        r.usage.add(sum_of(u.usage));
        add_model(r.models, u.usage.model);
        r.first_at = std::min(r.first_at, u.first_at);
        r.last_at = std::max(r.last_at, u.last_at);
    }
    for (ReportRow& r : rows) r.start = r.first_at, r.end = r.last_at;
    std::stable_sort(rows.begin(), rows.end(), [](const ReportRow& a, const ReportRow& b) {
        return a.last_at != b.last_at ? a.last_at < b.last_at : a.session_row < b.session_row;
    });
    return rows;
}

UsageSum sum_rows(const std::vector<ReportRow>& rows) {
    UsageSum s;
    for (const ReportRow& r : rows) s.add(r.usage);
    return s;
}

}  // namespace agentpulse
