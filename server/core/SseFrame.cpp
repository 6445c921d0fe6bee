// See SseFrame.hpp.
#include "core/SseFrame.hpp"

#include <boost/json.hpp>

namespace agentpulse {

std::string sse_data_json(std::string_view type, const boost::json::value& payload, EpochMs ts) {
    boost::json::object o;
    o["type"] = type;
    o["payload"] = payload;
    o["ts"] = format_iso8601(ts);
    return boost::json::serialize(o);
}

std::string sse_frame(std::string_view type, std::string_view id, std::string_view data_json) {
    std::string f;
    f.reserve(type.size() + id.size() + data_json.size() + 24);
    f.append("event: ").append(type).push_back('\n');
    if (!id.empty()) f.append("id: ").append(id).push_back('\n');
    f.append("data: ").append(data_json).append("\n\n");
    return f;
}

std::string sse_comment(std::string_view text) {
    std::string f = ": ";
    for (const char c : text) f.push_back(c == '\n' || c == '\r' ? ' ' : c);
    return f + "\n\n";
}

std::string sse_retry(std::int64_t ms) { return "retry: " + std::to_string(ms) + "\n\n"; }

}  // namespace agentpulse
