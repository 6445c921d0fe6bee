// SIGINT/SIGTERM for commands that run without an io_context (ingest --follow): the signals are
// blocked in every thread and one thread waits for them, then calls the handler once.
#pragma once

#include <functional>
#include <thread>

namespace agentpulse {

class StopSignals {
public:
    // Must be constructed before any other thread starts, so that they inherit the blocked mask.
    explicit StopSignals(std::function<void(int)> on_signal);
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;

private:
    std::thread waiter_;
};

}  // namespace agentpulse
