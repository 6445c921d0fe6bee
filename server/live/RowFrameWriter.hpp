// Turns store rows into the four row streams' frames (event, tool_call, tool_result, event_update): the
// one place that knows each stream's key, payload and event type, and that moves the composite watermark
// every row frame carries as its `id:`. The poller's first load and its polls both write through it.
#pragma once

#include <boost/json/value.hpp>
#include <string>
#include <vector>

#include "core/IsoTime.hpp"
#include "core/Watermark.hpp"
#include "live/FrameRing.hpp"
#include "store/LiveQueries.hpp"

namespace agentpulse {

class RowFrameWriter {
public:
    // Frames are appended to `out`, stamped `now`; `from` is the position before the first of them.
    // `local_machine`: this server's (LiveFrames: its rows' frames name no machine).
    RowFrameWriter(std::vector<RingFrame>& out, const Watermark& from, EpochMs now, std::string local_machine = {})
        : out_(out), at_(from), now_(now), local_machine_(std::move(local_machine)) {}

    void usage(const UsageRow& r);
    void usage_update(const UsageRow& r);
    void tool_call(const ToolRow& r);
    void tool_result(const ToolRow& r);  // r.result_seq must be set (a row of the results stream)

    // Every stream's position after the last frame written.
    const Watermark& position() const { return at_; }

private:
    void push(Stream s, std::int64_t key, const boost::json::value& payload);

    std::vector<RingFrame>& out_;
    Watermark at_;
    EpochMs now_;
    std::string local_machine_;
};

}  // namespace agentpulse
