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

}  // namespace agentpulse
