// ISO-8601 timestamps <-> milliseconds since the Unix epoch (UTC), the store's canonical text form
// ("2026-11-25T12:34:56.789Z", fixed width so that text order is time order) and UTC day strings.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentpulse {

using EpochMs = std::int64_t;

// Parses "YYYY-MM-DDTHH:MM:SS[.fff...][Z|+HH:MM|-HH:MM]" (a space instead of 'T' is accepted).
// A timestamp without a zone is taken as UTC (transcripts write UTC); `had_zone` reports which.
std::optional<EpochMs> parse_iso8601(std::string_view text, bool* had_zone = nullptr);

// Canonical store form: always UTC, always milliseconds, always 24 characters.
std::string format_iso8601(EpochMs ms);

// "YYYY-MM-DD" of the UTC day holding `ms`.
std::string utc_day(EpochMs ms);

// Wall-clock now, in epoch milliseconds.
EpochMs now_epoch_ms();

}  // namespace agentpulse
