// How core values look in the API's JSON, shared by the live stream (live/) and the dashboard reports
// (report/): the tokens object and the burn block.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/BurnMath.hpp"
#include "core/IsoTime.hpp"
#include "core/TokenCounts.hpp"
#include "core/ZonedCalendar.hpp"

namespace agentpulse {

// {input, output, cache_read, cache_create, cache_create_1h, reasoning}
boost::json::object tokens_payload(const TokenCounts& t);
// The burn block of `burn_tick` frames, the live snapshot and the Overview (docs/live-api.md).
boost::json::value burn_payload(const BurnBlock& b, const CalendarSpan& cal, EpochMs now);

}  // namespace agentpulse
