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

namespace {

void append_id_line(std::string& f, std::string_view id) { f.append("id: ").append(id).push_back('\n'); }

}  // namespace

SseIdFrame sse_id_frame(std::string_view type, std::string_view id, std::string_view data_json) {
    SseIdFrame f;
    std::string& b = f.bytes;
    b.reserve(type.size() + id.size() + data_json.size() + 24);
    b.append("event: ").append(type).push_back('\n');
    f.id_begin = static_cast<std::uint32_t>(b.size());
    if (!id.empty()) append_id_line(b, id);
    f.id_end = static_cast<std::uint32_t>(b.size());
    b.append("data: ").append(data_json).append("\n\n");
    return f;
}

std::string sse_frame(std::string_view type, std::string_view id, std::string_view data_json) {
    return sse_id_frame(type, id, data_json).bytes;
}

std::string sse_with_id(std::string_view frame, std::uint32_t id_begin, std::uint32_t id_end, std::string_view id) {
    std::string out;
    out.reserve(frame.size() + id.size() + 8);
    out.append(frame.substr(0, id_begin));
    append_id_line(out, id);
    out.append(frame.substr(id_end));
    return out;
}

std::string sse_comment(std::string_view text) {
    std::string f = ": ";
    for (const char c : text) f.push_back(c == '\n' || c == '\r' ? ' ' : c);
    return f + "\n\n";
}

std::string sse_retry(std::int64_t ms) { return "retry: " + std::to_string(ms) + "\n\n"; }

}  // namespace agentpulse
