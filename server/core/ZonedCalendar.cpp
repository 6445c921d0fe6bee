// Uses Howard Hinnant's date/tz (libdate-tz, reading /usr/share/zoneinfo): libstdc++ 12 has no tzdb.
// A local midnight that does not exist (a DST jump at 00:00) maps to the first instant of that day.
#include "core/ZonedCalendar.hpp"

#include <date/tz.h>

#include <vector>

namespace agentpulse {

namespace {

using namespace std::chrono;

const date::time_zone* find_zone(std::string_view tz) {
    if (tz.empty() || tz == "UTC" || tz == "Etc/UTC" || tz == "Z") return nullptr;
    try {
        return date::locate_zone(std::string(tz));
    } catch (const std::exception&) {
        return reinterpret_cast<const date::time_zone*>(1);  // sentinel: unknown
    }
}

bool unknown(const date::time_zone* z) { return z == reinterpret_cast<const date::time_zone*>(1); }

EpochMs to_ms(sys_seconds s) { return duration_cast<milliseconds>(s.time_since_epoch()).count(); }

// UTC instant of local midnight of `day` in zone z (nullptr = UTC).
EpochMs midnight(const date::time_zone* z, date::local_days day) {
    if (!z) return to_ms(sys_seconds{day.time_since_epoch()});
    const date::local_seconds ls{day.time_since_epoch()};
    const auto info = z->get_info(ls);
    if (info.result == date::local_info::nonexistent) return to_ms(info.first.end);
    return to_ms(z->to_sys(ls, date::choose::earliest));
}

date::local_days local_day_of(const date::time_zone* z, EpochMs now, int* offset_min) {
    const sys_time<milliseconds> t{milliseconds{now}};
    if (!z) {
        if (offset_min) *offset_min = 0;
        return date::local_days{floor<date::days>(t).time_since_epoch()};
    }
    const auto info = z->get_info(floor<seconds>(t));
    if (offset_min) *offset_min = static_cast<int>(duration_cast<minutes>(info.offset).count());
    const auto local = date::local_time<milliseconds>{t.time_since_epoch() + info.offset};
    return floor<date::days>(local);
}

// A valid "YYYY-MM-DD" as days since the epoch.
std::optional<date::local_days> parse_date(std::string_view text) {
    const std::optional<std::string> norm = normalise_date(text);
    if (!norm) return std::nullopt;
    const int y = std::stoi(norm->substr(0, 4)), m = std::stoi(norm->substr(5, 2)), d = std::stoi(norm->substr(8, 2));
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return date::local_days{ymd};
}

}  // namespace

std::optional<std::string> normalise_date(std::string_view text) {
    std::string digits;
    if (text.size() == 10 && text[4] == '-' && text[7] == '-')
        digits = std::string(text.substr(0, 4)) + std::string(text.substr(5, 2)) + std::string(text.substr(8, 2));
    else if (text.size() == 8)
        digits = std::string(text);
    else
        return std::nullopt;
    for (const char c : digits)
        if (c < '0' || c > '9') return std::nullopt;
    const int y = std::stoi(digits.substr(0, 4)), m = std::stoi(digits.substr(4, 2)), d = std::stoi(digits.substr(6, 2));
    const date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)}, date::day{static_cast<unsigned>(d)}};
    if (y < 1970 || !ymd.ok()) return std::nullopt;
    return digits.substr(0, 4) + "-" + digits.substr(4, 2) + "-" + digits.substr(6, 2);
}

std::string system_time_zone(const char* tz_env) {
    std::string_view env = tz_env ? tz_env : "";
    if (env.starts_with(':')) env.remove_prefix(1);
    if (!env.empty() && known_time_zone(env)) {
        const date::time_zone* z = find_zone(env);
        return z ? std::string(z->name()) : "UTC";
    }
    try {
        return std::string(date::current_zone()->name());
    } catch (const std::exception&) {
        return "UTC";
    }
}

std::string shift_date(std::string_view text, int days) {
    const auto d = parse_date(text);
    return d ? date::format("%F", date::year_month_day{*d + date::days{days}}) : std::string();
}

std::optional<LocalDayRange> local_days_between(std::string_view first, std::string_view last, std::string_view tz) {
    const date::time_zone* z = find_zone(tz);
    const auto a = parse_date(first), b = parse_date(last);
    if (unknown(z) || !a || !b || *b < *a) return std::nullopt;
    LocalDayRange r;
    for (date::local_days d = *a; d <= *b; d += date::days{1}) {
        const date::weekday wd{d};
        r.days.push_back({date::format("%F", date::year_month_day{d}), midnight(z, d),
                          static_cast<int>((wd.c_encoding() + 6) % 7)});
    }
    r.end = midnight(z, *b + date::days{1});
    return r;
}

std::string local_date(EpochMs t, std::string_view tz) {
    const date::time_zone* z = find_zone(tz);
    if (unknown(z)) return {};
    return date::format("%F", date::year_month_day{local_day_of(z, t, nullptr)});
}

std::string local_minute(EpochMs t, std::string_view tz) {
    const date::time_zone* z = find_zone(tz);
    if (unknown(z)) return {};
    const sys_time<milliseconds> at{milliseconds{t}};
    const auto offset = z ? z->get_info(floor<seconds>(at)).offset : seconds{0};
    const date::local_time<minutes> local{floor<minutes>(at.time_since_epoch() + offset)};
    return date::format("%F %H:%M", local);
}

bool known_time_zone(std::string_view tz) { return !unknown(find_zone(tz)); }

std::optional<CalendarSpan> calendar_at(EpochMs now, std::string_view tz) {
    const date::time_zone* z = find_zone(tz);
    if (unknown(z)) return std::nullopt;
    CalendarSpan c;
    c.tz = z ? std::string(z->name()) : "UTC";
    const date::local_days today = local_day_of(z, now, &c.utc_offset_minutes);
    const date::year_month_day ymd{today};
    c.local_date = date::format("%F", ymd);
    c.day_start = midnight(z, today);
    c.next_day_start = midnight(z, today + date::days{1});
    const date::year_month first{ymd.year(), ymd.month()};
    c.month_start = midnight(z, date::local_days{first / date::day{1}});
    c.next_month_start = midnight(z, date::local_days{(first + date::months{1}) / date::day{1}});
    return c;
}

std::optional<std::vector<EpochMs>> local_day_starts(EpochMs now, std::string_view tz, int days) {
    const date::time_zone* z = find_zone(tz);
    if (unknown(z)) return std::nullopt;
    const date::local_days today = local_day_of(z, now, nullptr);
    std::vector<EpochMs> out;
    for (int i = days - 1; i >= 0; --i) out.push_back(midnight(z, today - date::days{i}));
    return out;
}

}  // namespace agentpulse
