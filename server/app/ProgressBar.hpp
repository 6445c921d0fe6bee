// Backfill progress on a terminal (files, MB, MB/s, rows/s, ETA), redrawn at most 10 times a second;
// nothing until finish() when standard error is not a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "ingest/Backfill.hpp"

namespace agentpulse {

class ProgressBar {
public:
    explicit ProgressBar(bool enabled);
    void update(const BackfillProgress& p, std::int64_t rows);
    void finish();

    // The line drawn for `p` (tested on its own).
    static std::string render(const BackfillProgress& p, std::int64_t rows, int width);

private:
    bool tty_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point last_{};
};

}  // namespace agentpulse
