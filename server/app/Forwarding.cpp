// See Forwarding.hpp.
#include "app/Forwarding.hpp"

#include <spdlog/spdlog.h>

namespace agentpulse {

ForwarderOptions forwarder_options(const Config& c) {
    ForwarderOptions o;
    o.store = c.store;
    o.url = c.forward;
    o.token = c.forward_token;
    o.batch = c.forward_batch;
    return o;
}

ForwardingThread::ForwardingThread(const Config& c) {
    if (c.forward.empty()) return;
    forwarder_ = std::make_unique<Forwarder>(forwarder_options(c));
    thread_ = std::thread([f = forwarder_.get()] {
        try {
            f->run();
        } catch (const std::exception& e) {
            spdlog::error("forwarding stopped: {}", e.what());
        }
    });
}

void ForwardingThread::stop() {
    if (forwarder_) forwarder_->stop();
    if (thread_.joinable()) thread_.join();
}

ForwardingThread::~ForwardingThread() { stop(); }

}  // namespace agentpulse
