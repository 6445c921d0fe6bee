// Where a live client is in each of the four row streams, as carried by SSE `id:` lines and
// Last-Event-ID: "u<usage id>.t<tool call id>.r<result seq>.g<update seq>", e.g. "u120.t455.r450.g37".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentpulse {

enum class Stream : std::uint8_t { Usage = 0, ToolCall = 1, ToolResult = 2, UsageUpdate = 3 };

struct Watermark {
    std::int64_t usage = 0;      // usage_events.id
    std::int64_t tool_call = 0;  // message_tool_mart.id
    std::int64_t result = 0;     // message_tool_mart.result_seq
    std::int64_t update = 0;     // usage_events.update_seq

    std::int64_t& operator[](Stream s);
    std::int64_t operator[](Stream s) const;
    bool operator==(const Watermark&) const = default;
    // Every component <= the other's.
    bool covered_by(const Watermark& o) const;
    Watermark max_with(const Watermark& o) const;

    std::string to_string() const;
    // nullopt for anything that is not exactly that shape with non-negative numbers (garbage is ignored
    // by the caller, never an error to the client).
    static std::optional<Watermark> parse(std::string_view text);
};

}  // namespace agentpulse
