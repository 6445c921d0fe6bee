// See StreamEvents.hpp: the two renderings of the table that live outside C++ (the dashboard's types and
// the docs' table), byte for byte what tests/unit/stream_events_test.cpp compares with the files.
#include "core/StreamEvents.hpp"

namespace agentpulse {

namespace {

std::string ts_list(Delivery only, bool all) {
    std::string s;
    for (const StreamEventInfo& i : kStreamEvents) {
        if (!all && i.delivery != only) continue;
        if (all) s.append("  // ").append(i.when).push_back('\n');
        s.append("  '").append(i.name).append("',\n");
    }
    return s;
}

}  // namespace

std::string stream_events_typescript() {
    std::string s =
        "// Generated from server/core/StreamEvents.hpp (the stream's event types): do not edit by hand.\n"
        "// tests/unit/stream_events_test.cpp fails while this file differs from that table; run it with\n"
        "// AGENTPULSE_WRITE_GENERATED=1 to rewrite this file, then handle the new type in liveStore.ts.\n"
        "\n"
        "/** Every event type of /api/live/stream, in the server's order. */\n"
        "export const STREAM_EVENT_TYPES = [\n";
    s += ts_list(Delivery::Row, true);
    s += "] as const;\n"
         "\n"
         "export type StreamEventType = (typeof STREAM_EVENT_TYPES)[number];\n"
         "\n"
         "/** The row streams' types: frames that carry an `id:` (a watermark) and are replayed on resume. */\n"
         "export const ROW_EVENT_TYPES = [\n";
    s += ts_list(Delivery::Row, false);
    s += "] as const;\n"
         "\n"
         "export type RowEventType = (typeof ROW_EVENT_TYPES)[number];\n";
    return s;
}

std::string stream_events_markdown() {
    std::string s = "| type | when | payload |\n|---|---|---|\n";
    for (const StreamEventInfo& i : kStreamEvents)
        s.append("| `").append(i.name).append("` | ").append(i.when).append(" | ").append(i.payload).append(" |\n");
    return s;
}

}  // namespace agentpulse
