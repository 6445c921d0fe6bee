// See SseStreamParser.hpp: the parts that need no template (headers, type names, the data scan).
#include "SseStreamParser.hpp"

#include <cstring>

namespace agentpulse::load {

namespace {

std::int64_t digits_at(std::string_view s, std::size_t pos) {
    std::int64_t v = 0;
    bool any = false;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        v = v * 10 + (s[pos++] - '0');
        any = true;
    }
    return any ? v : -1;
}

bool iequals_prefix(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char a = s[i], b = prefix[i];
        if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
        if (a != b) return false;
    }
    return true;
}

}  // namespace

bool SseStreamParser::header_block(std::string_view block) {
    // "HTTP/1.1 200 OK"
    const std::size_t sp = block.find(' ');
    if (sp == std::string_view::npos || block.substr(0, 5) != "HTTP/") return false;
    status_ = static_cast<int>(digits_at(block, sp + 1));
    if (status_ != 200) return false;
    std::size_t pos = block.find("\r\n");
    while (pos != std::string_view::npos && pos + 2 < block.size()) {
        const std::size_t next = block.find("\r\n", pos + 2);
        const std::string_view h = block.substr(pos + 2, next == std::string_view::npos ? std::string_view::npos : next - pos - 2);
        if (iequals_prefix(h, "content-type:")) return h.find("text/event-stream") != std::string_view::npos;
        pos = next;
    }
    return false;
}

SseType SseStreamParser::type_of(std::string_view t) {
    if (t == "event") return SseType::Event;
    if (t == "event_update") return SseType::EventUpdate;
    if (t == "tool_call") return SseType::ToolCall;
    if (t == "tool_result") return SseType::ToolResult;
    if (t == "ready") return SseType::Ready;
    if (t == "resync") return SseType::Resync;
    if (t == "burn_tick") return SseType::Burn;
    if (t == "sessions") return SseType::Sessions;
    if (t == "watcher") return SseType::Watcher;
    return SseType::Other;
}

void SseStreamParser::scan_data(std::string_view d) {
    // Row frames: {"type":"...","payload":{"id":N,...,"model":"load@<ns>",...},"ts":...}
    static constexpr std::string_view kPayloadId = "\"payload\":{\"id\":";
    static constexpr std::string_view kStamp = "\"model\":\"load@";
    if (const std::size_t p = d.find(kPayloadId); p != std::string_view::npos)
        cur_.row_id = digits_at(d, p + kPayloadId.size());
    if (const std::size_t s = d.find(kStamp); s != std::string_view::npos) {
        const std::int64_t v = digits_at(d, s + kStamp.size());
        if (v > 0) cur_.stamp_ns = v;
    }
}

}  // namespace agentpulse::load
