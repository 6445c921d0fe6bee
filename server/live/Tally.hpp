// A counter that one strand writes and any thread reads (/metrics, /healthz, the accept loop's cap check):
// a relaxed load and store, so counting a delivery on the fan-out path costs a plain add, not a locked one.
#pragma once

#include <atomic>
#include <cstdint>

namespace agentpulse {

class Tally {
public:
    // Only from the one writer (its strand); a second writer would lose counts.
    void add(std::uint64_t n = 1) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
    Tally& operator++() {
        add();
        return *this;
    }
    Tally& operator+=(std::uint64_t n) {
        add(n);
        return *this;
    }
    std::uint64_t get() const { return v_.load(std::memory_order_relaxed); }
    operator std::uint64_t() const { return get(); }

private:
    std::atomic<std::uint64_t> v_{0};
};

}  // namespace agentpulse
