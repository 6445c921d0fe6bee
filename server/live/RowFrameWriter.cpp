// See RowFrameWriter.hpp. Each frame is serialised once here; the broadcaster only copies pointers.
#include "live/RowFrameWriter.hpp"

#include <boost/json/value.hpp>

#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"
#include "live/LiveFrames.hpp"

namespace agentpulse {

void RowFrameWriter::usage(const UsageRow& r) { push(Stream::Usage, r.id, usage_payload(r, local_machine_)); }

void RowFrameWriter::usage_update(const UsageRow& r) {
    push(Stream::UsageUpdate, r.update_seq, usage_payload(r, local_machine_));
}

void RowFrameWriter::tool_call(const ToolRow& r) { push(Stream::ToolCall, r.id, tool_call_payload(r, local_machine_)); }

void RowFrameWriter::tool_result(const ToolRow& r) {
    push(Stream::ToolResult, *r.result_seq, tool_result_payload(r, local_machine_));
}

void RowFrameWriter::push(Stream s, std::int64_t key, const boost::json::value& payload) {
    at_[s] = key;
    const std::string_view type = event_name(row_event(s));
    SseIdFrame f = sse_id_frame(type, at_.to_string(), sse_data_json(type, payload, now_));
    RingFrame& r = out_.emplace_back();
    r.stream = s;
    r.key = key;
    r.composite = at_;
    r.bytes = std::make_shared<const std::string>(std::move(f.bytes));
    r.id_begin = f.id_begin;
    r.id_end = f.id_end;
}

}  // namespace agentpulse
