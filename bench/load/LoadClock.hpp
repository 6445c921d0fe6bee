// Clocks shared by the load tools: wall-clock nanoseconds (CLOCK_REALTIME, comparable across processes on
// one machine: the writer stamps rows with it and the client subtracts it on receipt) and monotonic
// nanoseconds for pacing and timeouts.
#pragma once

#include <ctime>
#include <cstdint>

namespace agentpulse::load {

inline std::int64_t wall_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

inline std::int64_t mono_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000LL + ts.tv_nsec;
}

// User + system CPU seconds of this process.
inline double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace agentpulse::load
