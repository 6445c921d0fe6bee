// `agentpulse statusline`'s pure part: the JSON Claude Code writes on the status line command's stdin, and
// the one line printed from a --format template (docs/limits.md lists the fields). The command itself
// (StatuslineCommand.cpp) adds what the store knows and records the limit windows.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/IsoTime.hpp"
#include "model/TranscriptRecords.hpp"

namespace agentpulse {

struct StatusInput {
    std::string session_id, transcript_path, model, version;
    std::optional<double> session_cost_usd;
    std::optional<double> context_percent;
    // rate_limits.five_hour and .seven_day (v2.1.80 on), each only when Claude Code sent it: an absent
    // window is unknown, not 0%.
    std::vector<RateLimitRecord> limits;
};

// Null when the text is not a JSON object. Fields of the wrong type are treated as absent.
std::optional<StatusInput> parse_status_input(std::string_view text);

// Fields by name, as the template shows them ("$1.23", "42%", "14:05"); an empty or missing field makes
// its [group] disappear.
using StatusFields = std::map<std::string, std::string>;

// `{name}` is replaced by the field; `[ ... ]` is a group dropped whole when any field in it is empty.
std::string render_status_line(std::string_view format, const StatusFields& fields);

inline constexpr std::string_view kDefaultStatusFormat =
    "{model} · {session_cost} session · {today_cost} today · {burn}/h"
    "[ · 5h {five_hour} ↺{five_hour_reset}][ · 5h block ~{block_cost} (est.) ↺{block_reset}][ · ▶ {tool}]";

// The fields a template may name, with one line each (for --help and docs/limits.md).
const std::vector<std::pair<std::string_view, std::string_view>>& status_field_docs();

// "$1.23"; "14:05" in the local time zone (with the weekday when not within the next 24 h).
std::string format_usd(double usd);
std::string format_local_clock(EpochMs at, EpochMs now);

}  // namespace agentpulse
