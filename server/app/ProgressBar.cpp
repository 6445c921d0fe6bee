// See ProgressBar.hpp.
#include "app/ProgressBar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace agentpulse {

ProgressBar::ProgressBar(bool enabled) : tty_(enabled && ::isatty(STDERR_FILENO)) {}

std::string ProgressBar::render(const BackfillProgress& p, std::int64_t rows, int width) {
    const double frac = p.bytes_total > 0 ? std::min(1.0, static_cast<double>(p.bytes_done) / p.bytes_total) : 1.0;
    const double mb = p.bytes_done / 1e6, mb_total = p.bytes_total / 1e6;
    const double rate = p.seconds > 0 ? mb / p.seconds : 0;
    const double rows_rate = p.seconds > 0 ? rows / p.seconds : 0;
    // Files that grow while being read can take bytes_done past bytes_total: no negative ETA then.
    const double eta = rate > 0 ? std::max(0.0, mb_total - mb) / rate : 0;
    std::string bar(static_cast<std::size_t>(width), ' ');
    const int filled = static_cast<int>(frac * width);
    for (int i = 0; i < filled && i < width; ++i) bar[static_cast<std::size_t>(i)] = '=';
    if (filled < width) bar[static_cast<std::size_t>(filled)] = '>';
    char buf[256];
    std::snprintf(buf, sizeof buf, "[%s] %3.0f%%  %lld/%lld files  %.1f/%.1f MB  %.1f MB/s  %.0f rows/s  ETA %d:%02d",
                  bar.c_str(), frac * 100, static_cast<long long>(p.files_done), static_cast<long long>(p.files_total),
                  mb, mb_total, rate, rows_rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    return buf;
}

void ProgressBar::update(const BackfillProgress& p, std::int64_t rows) {
    if (!tty_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && now - last_ < std::chrono::milliseconds(100) && p.files_done < p.files_total) return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r%s\x1b[K", render(p, rows, 30).c_str());
    std::fflush(stderr);
}

void ProgressBar::finish() {
    if (tty_ && drawn_) std::fputc('\n', stderr);
}

}  // namespace agentpulse
