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

}  // namespace

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
