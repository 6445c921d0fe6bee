// See Watermark.hpp.
#include "core/Watermark.hpp"

#include <algorithm>
#include <charconv>

namespace agentpulse {

std::int64_t& Watermark::operator[](Stream s) {
    switch (s) {
        case Stream::Usage: return usage;
        case Stream::ToolCall: return tool_call;
        case Stream::ToolResult: return result;
        case Stream::UsageUpdate: break;
    }
    return update;
}

std::int64_t Watermark::operator[](Stream s) const { return (*const_cast<Watermark*>(this))[s]; }

bool Watermark::covered_by(const Watermark& o) const {
    return usage <= o.usage && tool_call <= o.tool_call && result <= o.result && update <= o.update;
}

Watermark Watermark::max_with(const Watermark& o) const {
    return {std::max(usage, o.usage), std::max(tool_call, o.tool_call), std::max(result, o.result),
            std::max(update, o.update)};
}

std::string Watermark::to_string() const {
    // to_chars into a fixed buffer: cheap, and no temporary-string concatenation (GCC 12 warns on it).
    char buf[4 * 22];
    char* p = buf;
    const char tags[4] = {'u', 't', 'r', 'g'};
    for (int i = 0; i < 4; ++i) {
        if (i > 0) *p++ = '.';
        *p++ = tags[i];
        p = std::to_chars(p, buf + sizeof buf, (*this)[static_cast<Stream>(i)]).ptr;
    }
    return std::string(buf, p);
}

std::optional<Watermark> Watermark::parse(std::string_view s) {
    if (s.size() > 100) return std::nullopt;
    Watermark w;
    const char tags[4] = {'u', 't', 'r', 'g'};
    std::size_t pos = 0;
    for (int i = 0; i < 4; ++i) {
        if (i > 0) {
            if (pos >= s.size() || s[pos] != '.') return std::nullopt;
            ++pos;
        }
        if (pos >= s.size() || s[pos] != tags[i]) return std::nullopt;
        ++pos;
        std::int64_t v = -1;
        const auto [end, ec] = std::from_chars(s.data() + pos, s.data() + s.size(), v);
        if (ec != std::errc() || end == s.data() + pos || v < 0) return std::nullopt;
        pos = static_cast<std::size_t>(end - s.data());
        w[static_cast<Stream>(i)] = v;
    }
    if (pos != s.size()) return std::nullopt;
    return w;
}

}  // namespace agentpulse
