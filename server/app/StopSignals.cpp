// See StopSignals.hpp. The destructor wakes the waiter with a SIGTERM of its own, flagged so that
// the handler is not called for it.
#include "app/StopSignals.hpp"

#include <pthread.h>
#include <signal.h>

#include <atomic>

namespace agentpulse {

namespace {
std::atomic<bool> g_closing{false};
}

StopSignals::StopSignals(std::function<void(int)> on_signal) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    waiter_ = std::thread([set, on_signal = std::move(on_signal)] {
        for (;;) {
            int sig = 0;
            sigwait(&set, &sig);
            if (g_closing) return;
            on_signal(sig);
        }
    });
}

StopSignals::~StopSignals() {
    g_closing = true;
    pthread_kill(waiter_.native_handle(), SIGTERM);
    waiter_.join();
}

}  // namespace agentpulse
