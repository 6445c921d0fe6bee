// Day and month boundaries in an IANA time zone (the browser's), DST-correct, from the system tzdata.
// One convention everywhere: a day is [local midnight, next local midnight), as UTC instants.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"

namespace agentpulse {

struct CalendarSpan {
    std::string tz;               // canonical zone name ("UTC" by default)
    std::string local_date;       // "YYYY-MM-DD" in that zone
    EpochMs day_start = 0, next_day_start = 0;
    EpochMs month_start = 0, next_month_start = 0;
    int utc_offset_minutes = 0;   // at `now`
};

// nullopt for a zone name the system does not know. An empty name means UTC.
std::optional<CalendarSpan> calendar_at(EpochMs now, std::string_view tz);

// Local midnight (UTC instant) of each of the `days` days ending with the one holding `now`, oldest first.
std::optional<std::vector<EpochMs>> local_day_starts(EpochMs now, std::string_view tz, int days);

bool known_time_zone(std::string_view tz);

// One local calendar day: its date, its first instant, and its weekday (0 = Monday ... 6 = Sunday).
struct LocalDay {
    std::string date;  // "YYYY-MM-DD"
    EpochMs start = 0;
    int weekday = 0;
};
struct LocalDayRange {
    std::vector<LocalDay> days;  // oldest first
    EpochMs end = 0;             // the first instant after the last day
};

// Every local day from `first` to `last` ("YYYY-MM-DD", both included) in zone `tz`; nullopt for an
// unknown zone, a malformed or impossible date, or `last` before `first`.
std::optional<LocalDayRange> local_days_between(std::string_view first, std::string_view last, std::string_view tz);

// The local date ("YYYY-MM-DD") and wall time ("YYYY-MM-DD HH:MM") of an instant in `tz` ("" if unknown).
std::string local_date(EpochMs t, std::string_view tz);
std::string local_minute(EpochMs t, std::string_view tz);

// The machine's zone: `tz_env` (the TZ variable, a leading ':' ignored) when it names a known zone, else
// the one /etc/localtime points at, else "UTC".
std::string system_time_zone(const char* tz_env);

// The date `days` days after (before, when negative) a valid "YYYY-MM-DD"; "" for an invalid one.
std::string shift_date(std::string_view date, int days);

// "YYYY-MM-DD" or "YYYYMMDD" as a valid calendar date in the first form; nullopt otherwise.
std::optional<std::string> normalise_date(std::string_view text);

}  // namespace agentpulse
