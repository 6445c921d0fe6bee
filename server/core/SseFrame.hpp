// Server-Sent Events framing: `event:` + optional `id:` + one `data:` line holding
// {"type", "payload", "ts"}, then a blank line. Comments (heartbeats) and `retry:` too. The only place
// that knows the byte layout of a frame.
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

// A frame with an `id:` line, and where that line lies in its bytes: a client resuming from a watermark
// ahead in some stream gets the same frame with its own id (sse_with_id) without re-serialising the data.
struct SseIdFrame {
    std::string bytes;
    std::uint32_t id_begin = 0, id_end = 0;  // "id: ...\n" is bytes[id_begin, id_end)
};
SseIdFrame sse_id_frame(std::string_view type, std::string_view id, std::string_view data_json);
// `frame` (the bytes of an SseIdFrame) with its id line replaced by one holding `id`.
std::string sse_with_id(std::string_view frame, std::uint32_t id_begin, std::uint32_t id_end, std::string_view id);

std::string sse_comment(std::string_view text);
std::string sse_retry(std::int64_t ms);

}  // namespace agentpulse
