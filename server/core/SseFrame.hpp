// Server-Sent Events framing: `event:` + optional `id:` + one `data:` line holding
// {"type", "payload", "ts"}, then a blank line. Comments (heartbeats) and `retry:` too.
#pragma once

#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/IsoTime.hpp"

namespace agentpulse {

// The data line's JSON: {"type":..., "payload":..., "ts":...}. Serialised JSON never contains a raw
// newline, so one data: line is always enough.
std::string sse_data_json(std::string_view type, const boost::json::value& payload, EpochMs ts);
std::string sse_frame(std::string_view type, std::string_view id, std::string_view data_json);
inline std::string sse_frame(std::string_view type, std::string_view data_json) { return sse_frame(type, {}, data_json); }
std::string sse_comment(std::string_view text);
std::string sse_retry(std::int64_t ms);

}  // namespace agentpulse
