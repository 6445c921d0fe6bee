// core/StreamEvents: the table's invariants, and that the two copies of it outside C++ are current: the
// dashboard's frontend/src/api/streamEvents.ts and the event table of docs/live-api.md. Adding a type to the
// table fails here until both are regenerated (AGENTPULSE_WRITE_GENERATED=1 rewrites them), and the
// dashboard's build then fails until liveStore.ts handles the new type. Also core/SseFrame's id line.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"

using namespace agentpulse;
namespace fs = std::filesystem;

namespace {

// The checkout: the pricing file the tests are given lives in its conf/ folder.
fs::path source_root() { return AGENTPULSE_SOURCE_DIR; }

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

bool rewrite_requested() {
    const char* v = std::getenv("AGENTPULSE_WRITE_GENERATED");
    return v && std::string(v) == "1";
}

void write(const fs::path& p, const std::string& text) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << text;
    BOOST_REQUIRE_MESSAGE(out.good(), "cannot write " << p);
}

constexpr std::string_view kBegin = "<!-- stream-events:begin (generated from server/core/StreamEvents.hpp) -->\n";
constexpr std::string_view kEnd = "<!-- stream-events:end -->";

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_events)

BOOST_AUTO_TEST_CASE(row_streams_map_to_their_types) {
    BOOST_TEST(event_name(row_event(Stream::Usage)) == "event");
    BOOST_TEST(event_name(row_event(Stream::ToolCall)) == "tool_call");
    BOOST_TEST(event_name(row_event(Stream::ToolResult)) == "tool_result");
    BOOST_TEST(event_name(row_event(Stream::UsageUpdate)) == "event_update");
    BOOST_TEST((stream_event(StreamEvent::BurnTick).slot == ControlSlot::Burn));
    BOOST_TEST((stream_event(StreamEvent::Ready).delivery == Delivery::Preamble));
}

BOOST_AUTO_TEST_CASE(every_type_is_documented_and_a_plain_token) {
    std::set<std::string_view> names;
    for (const StreamEventInfo& i : kStreamEvents) {
        names.insert(i.name);
        BOOST_TEST(!i.when.empty());
        BOOST_TEST(!i.payload.empty());
        // An SSE event name ends at the line; a Markdown cell at a pipe.
        BOOST_TEST(i.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") == std::string_view::npos);
        BOOST_TEST(i.when.find('|') == std::string_view::npos);
        BOOST_TEST(i.payload.find('|') == std::string_view::npos);
    }
    BOOST_TEST(names.size() == kStreamEvents.size());
}

BOOST_AUTO_TEST_CASE(frontend_types_are_generated_from_the_table) {
    const fs::path file = source_root() / "frontend/src/api/streamEvents.ts";
    const std::string want = stream_events_typescript();
    if (rewrite_requested() && slurp(file) != want) write(file, want);
    BOOST_TEST_MESSAGE("checking " << file);
    BOOST_TEST(slurp(file) == want,
               file << " is not what server/core/StreamEvents.hpp generates: rerun this test with "
                       "AGENTPULSE_WRITE_GENERATED=1, then handle any new type in frontend/src/api/liveStore.ts");
    for (const StreamEventInfo& i : kStreamEvents)
        BOOST_TEST(want.find("'" + std::string(i.name) + "'") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(docs_table_is_generated_from_the_table) {
    const fs::path file = source_root() / "docs/live-api.md";
    std::string doc = slurp(file);
    const auto b = doc.find(kBegin);
    const auto e = doc.find(kEnd);
    BOOST_REQUIRE_MESSAGE(b != std::string::npos && e != std::string::npos && b < e,
                          file << " lacks the stream-events markers around the event table");
    const std::string have = doc.substr(b + kBegin.size(), e - b - kBegin.size());
    const std::string want = stream_events_markdown();
    if (rewrite_requested() && have != want) {
        doc.replace(b + kBegin.size(), e - b - kBegin.size(), want);
        write(file, doc);
    }
    BOOST_TEST(slurp(file).find(std::string(kBegin) + want + std::string(kEnd)) != std::string::npos,
               "the event table of " << file << " is not what server/core/StreamEvents.hpp generates: rerun "
                                        "this test with AGENTPULSE_WRITE_GENERATED=1");
}

BOOST_AUTO_TEST_CASE(id_line_span_and_replacement) {
    const SseIdFrame f = sse_id_frame("tool_result", "u1.t2.r3.g4", "{}");
    BOOST_TEST(f.bytes == "event: tool_result\nid: u1.t2.r3.g4\ndata: {}\n\n");
    BOOST_TEST(f.bytes.substr(f.id_begin, f.id_end - f.id_begin) == "id: u1.t2.r3.g4\n");
    BOOST_TEST(sse_with_id(f.bytes, f.id_begin, f.id_end, "u10.t2.r30.g4") ==
               "event: tool_result\nid: u10.t2.r30.g4\ndata: {}\n\n");
    // A frame without an id: the span is empty, at the place an id line would go.
    const SseIdFrame bare = sse_id_frame("watcher", "", "{}");
    BOOST_TEST(bare.id_begin == bare.id_end);
    BOOST_TEST(sse_with_id(bare.bytes, bare.id_begin, bare.id_end, "u1.t1.r1.g1") ==
               "event: watcher\nid: u1.t1.r1.g1\ndata: {}\n\n");
    BOOST_TEST(sse_frame("watcher", "{}") == bare.bytes);
}

BOOST_AUTO_TEST_SUITE_END()
