// GET /metrics in the Prometheus text format. Two halves: what the io thread owns (streams, frames,
// connections) and what the poller thread owns (store rows, burn rate, tool latency histograms).
#pragma once

#include <string>

#include "http/ServerContext.hpp"

namespace agentpulse {

std::string metrics_io_part(const ServerContext& ctx);
std::string metrics_poller_part(Poller& poller, const IngestStats* ingest);

}  // namespace agentpulse
