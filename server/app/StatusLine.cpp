// See StatusLine.hpp.
#include "app/StatusLine.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <ctime>

#include "core/JsonFields.hpp"
#include "core/RateLimits.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

void read_window(const json::value* limits, std::string_view key, std::int64_t minutes, StatusInput& in) {
    const json::value* w = jf::field(limits, key);
    const auto used = jf::number(jf::field(w, "used_percentage"));
    if (!used || *used < 0 || *used > 1000) return;
    RateLimitRecord& r = in.limits.emplace_back();
    r.window = limit_window_name(minutes);
    r.window_minutes = minutes;
    r.used_percent = *used;
    if (const auto at = jf::integer(jf::field(w, "resets_at")); at && *at > 0 && *at < INT64_MAX / 1000)
        r.resets_at = *at * 1000;
}

}  // namespace

std::optional<StatusInput> parse_status_input(std::string_view text) {
    boost::system::error_code ec;
    const json::value v = json::parse(text, ec);
    if (ec || !v.is_object()) return std::nullopt;
    StatusInput in;
    in.session_id = std::string(jf::str(jf::field(v, "session_id")));
    in.transcript_path = std::string(jf::str(jf::field(v, "transcript_path")));
    in.version = std::string(jf::str(jf::field(v, "version")));
    const json::value* model = jf::field(v, "model");
    in.model = std::string(jf::str(jf::field(model, "display_name"), jf::str(jf::field(model, "id"))));
    in.session_cost_usd = jf::number(jf::field(jf::field(v, "cost"), "total_cost_usd"));
    in.context_percent = jf::number(jf::field(jf::field(v, "context_window"), "used_percentage"));
    const json::value* limits = jf::field(v, "rate_limits");
    read_window(limits, "five_hour", kFiveHourMinutes, in);
    read_window(limits, "seven_day", kWeekMinutes, in);
    return in;
}

std::string render_status_line(std::string_view format, const StatusFields& fields) {
    std::string out, group;
    bool in_group = false, group_ok = true;
    std::string* to = &out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        const char ch = format[i];
        if (ch == '[' && !in_group) {
            in_group = true, group_ok = true, group.clear(), to = &group;
        } else if (ch == ']' && in_group) {
            if (group_ok) out += group;
            in_group = false, to = &out;
        } else if (ch == '{') {
            const std::size_t close = format.find('}', i);
            if (close == std::string_view::npos) {
                to->append(format.substr(i));
                break;
            }
            const auto f = fields.find(std::string(format.substr(i + 1, close - i - 1)));
            if (f == fields.end() || f->second.empty())
                group_ok = false;
            else
                to->append(f->second);
            i = close;
        } else {
            to->push_back(ch);
        }
    }
    if (in_group && group_ok) out += group;  // an unclosed group runs to the end
    return out;
}

const std::vector<std::pair<std::string_view, std::string_view>>& status_field_docs() {
    static const std::vector<std::pair<std::string_view, std::string_view>> docs = {
        {"model", "the model's display name (Claude Code's input)"},
        {"session_cost", "this session's cost, Claude Code's own estimate (cost.total_cost_usd)"},
        {"context", "context window used, percent (context_window.used_percentage)"},
        {"today_cost", "today's cost of every agent in the store (local day)"},
        {"burn", "every agent's spend rate over the last 5 minutes, USD per hour"},
        {"five_hour", "5-hour window used, percent, as Claude Code reports it (or as last stored)"},
        {"five_hour_reset", "when that window resets, local time"},
        {"weekly", "7-day window used, percent"},
        {"weekly_reset", "when the 7-day window resets, local time"},
        {"block_cost", "where no 5-hour window is reported: the estimated 5-hour block's cost so far"},
        {"block_reset", "when the estimated block ends, local time"},
        {"tool", "the tool this session is running (a call without its result yet)"},
    };
    return docs;
}

std::string format_usd(double usd) {
    char buf[32];
    std::snprintf(buf, sizeof buf, usd >= 100 ? "$%.0f" : "$%.2f", usd);
    return buf;
}

std::string format_local_clock(EpochMs at, EpochMs now) {
    const std::time_t t = static_cast<std::time_t>(at / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, at - now < 24 * 3'600'000LL ? "%H:%M" : "%a %H:%M", &tm);
    return buf;
}

}  // namespace agentpulse
