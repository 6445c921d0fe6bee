// Fuzz target: the OTLP receiver's decoding and mapping (otlp/). The first byte picks what the rest is: a
// logs, metrics or traces export in JSON or protobuf, gzip-compressed or not. Whatever the bytes, decoding
// either throws OtlpDecodeError or yields records; mapped records always carry a key (a usage record's
// dedup_key, a tool call's id) and plausible token counts, a tool result always follows its call, and
// gzip never inflates past its limit.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agents/FieldCleaning.hpp"
#include "otlp/OtlpDecode.hpp"
#include "otlp/OtlpMapping.hpp"

using namespace agentpulse;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "otlp_fuzz: invariant broken: %s\n", what);
    std::abort();
}

void check_logs(const OtlpLogs& logs) {
    const MappedLogs m = map_logs(logs);
    std::size_t mapped = 0;
    for (const TelemetryRecord& r : m.records) {
        if (r.lines.empty()) fail("a mapped record without lines");
        for (const ParsedLine& l : r.lines) {
            if (l.session.session_id.empty()) fail("a mapped line without a session");
            if (l.usage) {
                if (l.usage->dedup_key.empty()) fail("a usage record without a key");
                if (!tokens_plausible(l.usage->tokens)) fail("implausible token counts stored");
            }
            for (const ToolCallRecord& c : l.tool_calls)
                if (c.tool_use_id.empty() || c.tool_name.empty()) fail("a tool call without an id or a name");
        }
        ++mapped;
    }
    if (mapped + static_cast<std::size_t>(m.rejected) > logs.records()) fail("more records out than in");
    for (IngestBatch& b : telemetry_batches(std::vector<TelemetryRecord>(m.records)))
        if (b.file.provider.empty() || b.lines.empty()) fail("an empty telemetry batch");
    (void)otlp_response(OtlpSignal::Logs, OtlpEncoding::Json, m.rejected, m.reject_message);
    (void)otlp_response(OtlpSignal::Logs, OtlpEncoding::Protobuf, m.rejected, m.reject_message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const unsigned mode = data[0];
    std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    const OtlpEncoding enc = mode & 1 ? OtlpEncoding::Protobuf : OtlpEncoding::Json;
    std::string inflated;
    if (mode & 8) {
        std::string error;
        constexpr std::size_t kMax = 1 << 20;
        if (otlp_gunzip(body, kMax, inflated, error) != GunzipResult::Ok) {
            if (error.empty()) fail("gzip refused without a reason");
            return 0;
        }
        if (inflated.size() > kMax) fail("gzip inflated past its limit");
        body = inflated;
    }
    try {
        switch ((mode >> 1) % 3) {
            case 0: check_logs(decode_logs(body, enc)); break;
            case 1: (void)decode_metrics(body, enc); break;
            case 2: (void)decode_traces(body, enc); break;
        }
    } catch (const OtlpDecodeError& e) {
        if (std::string_view(e.what()).empty()) fail("a decode error without a message");
    }
    return 0;
}
