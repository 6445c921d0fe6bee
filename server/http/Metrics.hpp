// GET /metrics in the Prometheus text format. Two halves: what the io thread owns (streams, frames,
// connections) and what the poller thread owns (store rows, burn rate, tool latency histograms).
#pragma once

#include <string>
#include <string_view>

#include "http/ServerContext.hpp"

namespace agentpulse {

// A Prometheus label value: backslash, quote and newline escaped, at most 200 characters.
std::string escape_label(std::string_view s);

std::string metrics_io_part(const ServerContext& ctx);
std::string metrics_poller_part(Poller& poller, const IngestStats* ingest);

}  // namespace agentpulse
