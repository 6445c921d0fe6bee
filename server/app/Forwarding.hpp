// `--forward URL` (serve, ingest --follow): the forwarder on a thread of its own, stopped and joined when
// this object goes (docs/teams.md).
#pragma once

#include <memory>
#include <thread>

#include "app/Config.hpp"
#include "forward/Forwarder.hpp"

namespace agentpulse {

ForwarderOptions forwarder_options(const Config& c);

class ForwardingThread {
public:
    explicit ForwardingThread(const Config& c);  // does nothing when c.forward is empty
    ~ForwardingThread();
    void stop();

private:
    std::unique_ptr<Forwarder> forwarder_;
    std::thread thread_;
};

}  // namespace agentpulse
