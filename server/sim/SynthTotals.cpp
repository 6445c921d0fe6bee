// See SynthTotals.hpp.
#include "sim/SynthTotals.hpp"

namespace agentpulse {

SynthTotals& SynthTotals::operator+=(const SynthTotals& o) {
    files += o.files, bytes += o.bytes, lines += o.lines;
    messages += o.messages, usage_events += o.usage_events, usage_updates += o.usage_updates;
    unpriced_events += o.unpriced_events;
    tool_calls += o.tool_calls, tool_results += o.tool_results, tool_errors += o.tool_errors;
    subagent_files += o.subagent_files, tool_latency_ms += o.tool_latency_ms;
    tokens += o.tokens;
    return *this;
}

}  // namespace agentpulse
