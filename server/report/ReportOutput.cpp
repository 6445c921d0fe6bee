// See ReportOutput.hpp. The table is built as plain cells first; widths come from the plain text and the
// colour codes wrap each padded cell, so alignment never counts escape bytes.
#include "report/ReportOutput.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>

#include "core/ApiJson.hpp"
#include "core/CsvWriter.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

constexpr const char* kReset = "\x1b[0m";
constexpr const char* kHeaderColor = "\x1b[1;36m";
constexpr const char* kTotalColor = "\x1b[1;33m";
constexpr const char* kGapColor = "\x1b[2m";
constexpr const char* kActiveColor = "\x1b[32m";
constexpr const char* kTitleColor = "\x1b[1m";
constexpr std::size_t kGutter = 2;

std::string with_commas(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return v < 0 ? "-" + out : out;
}

std::string compact_count(std::int64_t v) {
    const double a = std::fabs(static_cast<double>(v));
    char buf[32];
    if (a < 10'000) return std::to_string(v);
    if (a < 1e6)
        std::snprintf(buf, sizeof buf, "%.1fK", static_cast<double>(v) / 1e3);
    else if (a < 1e9)
        std::snprintf(buf, sizeof buf, "%.1fM", static_cast<double>(v) / 1e6);
    else
        std::snprintf(buf, sizeof buf, "%.1fB", static_cast<double>(v) / 1e9);
    return buf;
}

std::string usd(double v) {
    char buf[48];
    const auto cents = static_cast<std::int64_t>(std::llround(v * 100));
    std::snprintf(buf, sizeof buf, ".%02lld", static_cast<long long>(std::llabs(cents) % 100));
    return (cents < 0 ? "-$" : "$") + with_commas(std::llabs(cents) / 100) + buf;
}

std::string usd_compact(double v) {
    if (std::fabs(v) < 10'000) return usd(v);
    char buf[32];
    std::snprintf(buf, sizeof buf, "$%.1fK", v / 1e3);
    return buf;
}

std::string duration_text(EpochMs ms) {
    const std::int64_t minutes = std::max<EpochMs>(ms, 0) / 60'000;
    char buf[32];
    if (minutes >= 48 * 60)
        std::snprintf(buf, sizeof buf, "%lldd %lldh", static_cast<long long>(minutes / 1440),
                      static_cast<long long>(minutes % 1440 / 60));
    else
        std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(minutes / 60),
                      static_cast<long long>(minutes % 60));
    return buf;
}

// The first `n` display columns of `s`, with an ellipsis when cut.
std::string cut(const std::string& s, std::size_t n) {
    if (display_width(s) <= n) return s;
    if (n == 0) return {};
    std::string out;
    std::size_t cols = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const bool starts = (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
        if (starts && ++cols > n - 1) break;
        out += s[i];
    }
    return out + "\xe2\x80\xa6";  // U+2026
}

enum class RowStyle { Plain, Gap, Active, Total };

struct Column {
    std::string header, short_header;
    bool right = false;
    int keep = 0;                            // higher = dropped later; the key and the cost are never dropped
    std::size_t min_width = 0;               // > 0: text that may be shortened to this width
    std::vector<std::string> full, compact;  // one cell per row (the totals row last)
    bool dropped = false;

    const std::vector<std::string>& cells(bool small) const {
        return small && !compact.empty() ? compact : full;
    }
};

struct Table {
    std::vector<Column> cols;
    std::vector<RowStyle> styles;
};

std::string models_text(const std::set<std::string>& models) {
    std::string out;
    for (const std::string& m : models) out += (out.empty() ? "" : ", ") + short_model_name(m);
    return out;
}

std::string key_cell(const UsageReport& r, const ReportRow& row) {
    switch (r.kind) {
        case ReportKind::Blocks:
            return local_minute(row.start, r.tz);
        case ReportKind::Daily:
        case ReportKind::Weekly:
        case ReportKind::Monthly:
        case ReportKind::Session:
            break;
    }
    return row.key;
}

std::string key_header(ReportKind kind) {
    switch (kind) {
        case ReportKind::Daily:
            return "Date";
        case ReportKind::Weekly:
            return "Week of";
        case ReportKind::Monthly:
            return "Month";
        case ReportKind::Session:
            return "Session";
        case ReportKind::Blocks:
            return "Block start";
    }
    return "Date";
}

std::string block_status(const ReportRow& b, EpochMs now) {
    if (b.gap) return "gap " + duration_text(b.end - b.start);
    if (b.active) return "ACTIVE, " + duration_text(b.end - now) + " left";
    return duration_text(b.last_at - b.start);
}

Table build_table(const UsageReport& r) {
    Table t;
    const bool session = r.kind == ReportKind::Session, blocks = r.kind == ReportKind::Blocks;
    Column key{key_header(r.kind), key_header(r.kind), false, 100, session ? 8u : 0u, {}, {}, false};
    Column agent{"Agent", "Agent", false, 20, 0, {}, {}, false};
    Column project{"Project", "Project", false, 30, 8, {}, {}, false};
    Column last{"Last activity", "Last", false, 25, 10, {}, {}, false};
    Column status{"Duration", "Dur.", false, 80, 0, {}, {}, false};
    Column models{"Models", "Models", false, 10, 12, {}, {}, false};
    Column in{"Input", "In", true, 40, 0, {}, {}, false}, out{"Output", "Out", true, 50, 0, {}, {}, false};
    Column cw{"Cache create", "CacheW", true, 35, 0, {}, {}, false},
        cr{"Cache read", "CacheR", true, 45, 0, {}, {}, false};
    Column total{"Total tokens", "Tokens", true, 70, 0, {}, {}, false},
        cost{"Cost (USD)", "Cost", true, 100, 0, {}, {}, false};
    auto numbers = [&](const UsageSum& u) {
        const std::int64_t v[] = {u.tokens.input, u.tokens.output, u.tokens.cache_create, u.tokens.cache_read,
                                  u.total_tokens()};
        Column* c[] = {&in, &out, &cw, &cr, &total};
        for (int i = 0; i < 5; ++i)
            c[i]->full.push_back(with_commas(v[i])), c[i]->compact.push_back(compact_count(v[i]));
        cost.full.push_back(usd(u.cost_usd));
        cost.compact.push_back(usd_compact(u.cost_usd));
    };
    for (const ReportRow& row : r.rows) {
        key.full.push_back(key_cell(r, row));
        if (session) {
            agent.full.push_back(row.provider);
            project.full.push_back(row.project);
            last.full.push_back(local_minute(row.last_at, r.tz));
        }
        if (blocks) {
            status.full.push_back(block_status(row, r.now));
            status.compact.push_back(row.gap      ? "gap"
                                     : row.active ? "ACTIVE"
                                                  : duration_text(row.last_at - row.start));
        }
        models.full.push_back(row.gap ? "" : models_text(row.models));
        if (row.gap) {
            for (Column* c : {&in, &out, &cw, &cr, &total, &cost})
                c->full.push_back(""), c->compact.push_back("");
        } else {
            numbers(row.usage);
        }
        t.styles.push_back(row.gap ? RowStyle::Gap : row.active ? RowStyle::Active : RowStyle::Plain);
    }
    key.full.push_back("Total");
    for (Column* c : {&agent, &project, &last, &status, &models}) c->full.push_back("");
    if (blocks) status.compact.push_back("");
    numbers(r.totals);
    t.styles.push_back(RowStyle::Total);
    t.cols.push_back(std::move(key));
    if (session) {
        t.cols.push_back(std::move(agent));
        t.cols.push_back(std::move(project));
        t.cols.push_back(std::move(last));
    }
    if (blocks) t.cols.push_back(std::move(status));
    for (Column* c : {&models, &in, &out, &cw, &cr, &total, &cost}) t.cols.push_back(std::move(*c));
    return t;
}

std::size_t column_width(const Column& c, bool small, std::size_t cap) {
    std::size_t w = display_width(small ? c.short_header : c.header);
    for (const std::string& s : c.cells(small)) w = std::max(w, display_width(s));
    return c.min_width ? std::min(w, std::max(cap, c.min_width)) : w;
}

struct Layout {
    bool small = false;
    std::vector<std::size_t> widths;  // 0 for a dropped column
    std::size_t total = 0;
};

Layout measure(const Table& t, bool small, bool shorten) {
    Layout l;
    l.small = small;
    for (const Column& c : t.cols) {
        const std::size_t w = c.dropped ? 0 : column_width(c, small, shorten ? c.min_width : SIZE_MAX);
        l.widths.push_back(w);
        if (w) l.total += (l.total ? kGutter : 0) + w;
    }
    return l;
}

// Full numbers if they fit; then compact numbers and short headers; then shortened text; then columns
// dropped, least useful first, until the table fits (the key and the cost always stay).
Layout fit(Table& t, std::size_t width) {
    Layout l = measure(t, false, false);
    if (width == 0 || l.total <= width) return l;
    l = measure(t, true, false);
    if (l.total <= width) return l;
    // Text columns shrink as far as the width needs, no further than their minimum.
    l = measure(t, true, true);
    while (l.total > width) {
        Column* victim = nullptr;
        for (Column& c : t.cols)
            if (!c.dropped && c.keep < 100 && (!victim || c.keep < victim->keep)) victim = &c;
        if (!victim) break;
        victim->dropped = true;
        l = measure(t, true, true);
    }
    // Give the room left back to the shortened text columns.
    std::size_t spare = width > l.total ? width - l.total : 0;
    for (std::size_t i = 0; i < t.cols.size() && spare; ++i) {
        const Column& c = t.cols[i];
        if (c.dropped || !c.min_width) continue;
        const std::size_t want = column_width(c, true, SIZE_MAX);
        const std::size_t grow = std::min(spare, want > l.widths[i] ? want - l.widths[i] : 0);
        l.widths[i] += grow;
        l.total += grow;
        spare -= grow;
    }
    return l;
}

std::string pad(const std::string& s, std::size_t w, bool right) {
    const std::string c = cut(s, w);
    const std::string fill(w - std::min(w, display_width(c)), ' ');
    return right ? fill + c : c + fill;
}

std::string render_line(const Table& t, const Layout& l,
                        const std::function<std::string(const Column&)>& cell, const char* color) {
    std::string line;
    for (std::size_t i = 0; i < t.cols.size(); ++i) {
        if (!l.widths[i]) continue;
        if (!line.empty()) line += std::string(kGutter, ' ');
        line += pad(cell(t.cols[i]), l.widths[i], t.cols[i].right);
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    return color ? std::string(color) + line + kReset : line;
}

std::vector<std::string> wrap(const std::string& text, std::size_t width) {
    std::vector<std::string> lines;
    std::string line, word;
    auto flush_word = [&] {
        if (word.empty()) return;
        if (!line.empty() && width && display_width(line) + 1 + display_width(word) > width)
            lines.push_back(line), line.clear();
        line += (line.empty() ? "" : " ") + word;
        word.clear();
    };
    for (const char c : text) {
        if (c == ' ')
            flush_word();
        else
            word += c;
    }
    flush_word();
    if (!line.empty()) lines.push_back(line);
    return lines;
}

std::string title(const UsageReport& r) {
    std::string s = "agentpulse " + std::string(report_kind_name(r.kind)) + " report, " + r.since + " to " +
                    r.until + " (" + r.tz + ")";
    if (!r.agent.empty()) s += ", agent " + r.agent;
    if (!r.project.empty()) s += ", project " + r.project;
    return s;
}

json::object tokens_json(const UsageSum& u) {
    json::object o = tokens_payload(u.tokens);
    o["total"] = u.total_tokens();
    return o;
}

void sums_json(json::object& o, const UsageSum& u) {
    o["cost_usd"] = u.cost_usd;
    o["tokens"] = tokens_json(u);
    o["events"] = u.events;
    o["unpriced_events"] = u.unpriced_events;
    o["estimated_events"] = u.estimated_events;
}

const char* key_field(ReportKind kind) {
    switch (kind) {
        case ReportKind::Daily:
            return "date";
        case ReportKind::Weekly:
            return "week";
        case ReportKind::Monthly:
            return "month";
        case ReportKind::Session:
            return "session_id";
        case ReportKind::Blocks:
            return "block_start";
    }
    return "date";
}

}  // namespace

std::string short_model_name(std::string_view model) {
    std::string m(model);
    if (m.starts_with("claude-")) m.erase(0, 7);
    // A trailing -YYYYMMDD release date.
    if (m.size() > 9 && m[m.size() - 9] == '-' &&
        std::all_of(m.end() - 8, m.end(), [](char c) { return c >= '0' && c <= '9'; }))
        m.resize(m.size() - 9);
    return m;
}

std::size_t display_width(std::string_view text) {
    std::size_t n = 0;
    for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string report_table(const UsageReport& r, const TableStyle& style) {
    std::string out;
    const auto emit = [&](const std::string& line, const char* color) {
        out += color && style.color ? std::string(color) + line + kReset : line;
        out += '\n';
    };
    for (const std::string& l : wrap(title(r), style.width)) emit(l, kTitleColor);
    if (r.rows.empty()) {
        emit("No usage in this range.", nullptr);
        return out;
    }
    Table t = build_table(r);
    const Layout l = fit(t, style.width);
    const auto color = [&](const char* c) { return style.color ? c : nullptr; };
    out +=
        render_line(
            t, l, [&](const Column& c) { return l.small ? c.short_header : c.header; }, color(kHeaderColor)) +
        '\n';
    out += std::string(std::min(l.total, style.width ? style.width : l.total), '-') + '\n';
    const std::size_t rows = t.styles.size();
    for (std::size_t i = 0; i < rows; ++i) {
        if (t.styles[i] == RowStyle::Total)
            out += std::string(std::min(l.total, style.width ? style.width : l.total), '-') + '\n';
        const char* c = nullptr;
        switch (t.styles[i]) {
            case RowStyle::Plain:
                break;
            case RowStyle::Gap:
                c = kGapColor;
                break;
            case RowStyle::Active:
                c = kActiveColor;
                break;
            case RowStyle::Total:
                c = kTotalColor;
                break;
        }
        out += render_line(
                   t, l, [&](const Column& col) { return col.cells(l.small)[i]; }, color(c)) +
               '\n';
    }
    if (r.totals.unpriced_events > 0)
        for (const std::string& line :
             wrap(std::to_string(r.totals.unpriced_events) +
                      (r.totals.unpriced_events == 1 ? " response" : " responses") +
                      " came from models the price card does not know: their tokens are "
                      "counted, their cost is not.",
                  style.width))
            emit(line, nullptr);
    if (r.totals.estimated_events > 0)
        for (const std::string& line :
             wrap(std::to_string(r.totals.estimated_events) +
                      (r.totals.estimated_events == 1 ? " response names" : " responses name") +
                      " no model: its cost is the price card's estimate.",
                  style.width))
            emit(line, nullptr);
    return out;
}

std::string report_csv(const UsageReport& r) {
    CsvWriter w;
    const bool session = r.kind == ReportKind::Session, blocks = r.kind == ReportKind::Blocks;
    w.text(key_field(r.kind));
    if (session) w.text("provider").text("project").text("first_at").text("last_at");
    if (blocks) w.text("block_end").text("last_at").text("active").text("gap");
    w.text("input_tokens")
        .text("output_tokens")
        .text("cache_create_tokens")
        .text("cache_read_tokens")
        .text("total_tokens");
    w.text("cost_usd").text("events").text("models");
    w.end_row();
    for (const ReportRow& row : r.rows) {
        w.text(row.key);
        if (session)
            w.text(row.provider)
                .text(row.project)
                .text(format_iso8601(row.first_at))
                .text(format_iso8601(row.last_at));
        if (blocks)
            w.text(format_iso8601(row.end))
                .text(row.gap ? "" : format_iso8601(row.last_at))
                .boolean(row.active)
                .boolean(row.gap);
        const UsageSum& u = row.usage;
        w.integer(u.tokens.input)
            .integer(u.tokens.output)
            .integer(u.tokens.cache_create)
            .integer(u.tokens.cache_read);
        w.integer(u.total_tokens()).number(u.cost_usd).integer(u.events);
        std::string models;
        for (const std::string& m : row.models) models += (models.empty() ? "" : "; ") + m;
        w.text(models);
        w.end_row();
    }
    return w.str();
}

json::value report_json(const UsageReport& r) {
    json::object o;
    o["report"] = report_kind_name(r.kind);
    o["tz"] = r.tz;
    o["since"] = r.since;
    o["until"] = r.until;
    o["from"] = format_iso8601(r.from);
    o["to"] = format_iso8601(r.to);
    o["filters"] = json::object{{"agent", r.agent}, {"project", r.project}};
    o["generated_at"] = format_iso8601(r.now);
    json::array rows;
    for (const ReportRow& row : r.rows) {
        json::object x;
        x["key"] = row.key;
        x[key_field(r.kind)] = row.key;
        switch (r.kind) {
            case ReportKind::Daily:
            case ReportKind::Weekly:
            case ReportKind::Monthly:
                x["start"] = format_iso8601(row.start);
                x["end"] = format_iso8601(row.end);
                break;
            case ReportKind::Session:
                x["session_row"] = row.session_row;
                x["provider"] = row.provider;
                x["project"] = row.project;
                x["first_at"] = format_iso8601(row.first_at);
                x["last_at"] = format_iso8601(row.last_at);
                break;
            case ReportKind::Blocks:
                x["block_start"] = format_iso8601(row.start);
                x["start"] = format_iso8601(row.start);
                x["end"] = format_iso8601(row.end);
                x["first_at"] = row.gap ? json::value(nullptr) : json::value(format_iso8601(row.first_at));
                x["last_at"] = row.gap ? json::value(nullptr) : json::value(format_iso8601(row.last_at));
                x["active"] = row.active;
                x["gap"] = row.gap;
                break;
        }
        sums_json(x, row.usage);
        x["models"] = json::value_from(std::vector<std::string>(row.models.begin(), row.models.end()));
        rows.push_back(std::move(x));
    }
    o["rows"] = std::move(rows);
    json::object totals;
    sums_json(totals, r.totals);
    o["totals"] = std::move(totals);
    return o;
}

}  // namespace agentpulse
