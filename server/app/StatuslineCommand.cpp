// `agentpulse statusline`: the command Claude Code runs as its statusLine. It reads Claude Code's JSON from
// stdin, records the plan's limit windows in the store (so the server and a sidecar see them), adds what the
// store knows (today's cost, the burn rate, the running tool, an estimated 5-hour block where no window is
// reported) and prints one line. No network and no server: with the store missing, locked or newer than
// this build, the line shows what stdin gave. It always exits 0 (a failing command blanks the line).
#include <cstdio>
#include <ctime>
#include <iostream>
#include <iterator>

#include "app/Config.hpp"
#include "app/Startup.hpp"
#include "app/StatusLine.hpp"
#include "core/BurnMath.hpp"
#include "store/LimitStore.hpp"
#include "store/Migrations.hpp"
#include "store/StatusLineQueries.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

// The status line is refreshed often: a store busy with a long write is skipped, never waited for.
constexpr int kBusyTimeoutMs = 15;
// Claude Code's own name in the store (its AgentSource).
constexpr std::string_view kProvider = kEstimatedBlockProvider;
constexpr EpochMs kRunningToolHorizonMs = 3'600'000;
// A window re-reported with the same figures is written again only this long after it was stored: Claude
// Code refreshes the line several times a second, and the window's age needs no finer grain.
constexpr EpochMs kRewriteSameAfterMs = 30'000;

EpochMs local_day_start(EpochMs now) {
    const std::time_t t = static_cast<std::time_t>(now / 1000);
    std::tm tm{};
    localtime_r(&t, &tm);
    tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
    tm.tm_isdst = -1;
    return static_cast<EpochMs>(std::mktime(&tm)) * 1000;
}

std::string percent(double p) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.0f%%", p);
    return buf;
}

void show_window(StatusFields& f, const std::string& name, double used, std::optional<EpochMs> resets, EpochMs now) {
    f[name] = percent(used);
    f[name + "_reset"] = resets ? format_local_clock(*resets, now) : std::string();
}

// What the store adds, and the windows recorded. Throws StoreError (the caller prints the line anyway).
void with_store(const fs::path& path, const StatusInput& in, EpochMs now, StatusFields& f) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    Database db(path, Database::Mode::ReadWrite, kBusyTimeoutMs);
    if (schema_version(db) < current_schema_version()) migrate(db);
    const bool writable = schema_version(db) == current_schema_version();
    LimitReader reader(db);
    const std::vector<LimitState> stored = reader.stored();
    std::vector<const RateLimitRecord*> news;
    for (const RateLimitRecord& r : in.limits) {
        bool same = false;
        for (const LimitState& s : stored)
            same = same || (s.provider == kProvider && s.window == r.window && s.used_percent == r.used_percent &&
                            s.resets_at == r.resets_at && now - s.observed_at < kRewriteSameAfterMs);
        if (!same) news.push_back(&r);
    }
    if (writable && !news.empty()) {
        try {
            LimitWriter w(db);
            Transaction tx(db);
            for (const RateLimitRecord* r : news) w.upsert(kProvider, *r, now, kLimitSourceStatusline, in.session_id);
            tx.commit();
        } catch (const StoreError&) {
            // Another writer holds the store: the next refresh records the windows; the reads below go on.
        }
    }
    StatusLineQueries q(db);
    f["today_cost"] = format_usd(q.cost_between(local_day_start(now), now));
    f["burn"] = format_usd(q.cost_between(now - kBurnWindowMs, now) * (3'600'000.0 / kBurnWindowMs));
    if (!in.session_id.empty())
        if (auto tool = q.running_tool(kProvider, in.session_id, now - kRunningToolHorizonMs)) f["tool"] = *tool;
    // Windows stdin lacked: the newest stored ones still running (another session may have reported them).
    bool five_hour = f.count("five_hour") > 0;
    for (const LimitState& s : stored) {
        if (s.provider != kProvider || f.count(s.window) || !s.used_percent || !s.resets_at || *s.resets_at <= now)
            continue;
        show_window(f, s.window, *s.used_percent, s.resets_at, now);
        five_hour = five_hour || s.window == "five_hour";
    }
    if (!five_hour)
        if (auto block = reader.estimated_block(kProvider, now)) {
            f["block_cost"] = format_usd(block->cost_usd);
            f["block_reset"] = format_local_clock(*block->resets_at, now);
        }
}

}  // namespace

int run_statusline(const Config& c) {
    const EpochMs now = now_epoch_ms();
    std::string text;
    constexpr std::size_t kMaxInput = 1 << 20;
    char buf[8192];
    std::size_t n;
    while (text.size() < kMaxInput && (n = std::fread(buf, 1, sizeof buf, stdin)) > 0) text.append(buf, n);
    const StatusInput in = parse_status_input(text).value_or(StatusInput{});
    StatusFields f;
    f["model"] = in.model;
    if (in.session_cost_usd) f["session_cost"] = format_usd(*in.session_cost_usd);
    if (in.context_percent) f["context"] = percent(*in.context_percent);
    for (const RateLimitRecord& r : in.limits) show_window(f, r.window, r.used_percent, r.resets_at, now);
    try {
        with_store(c.store, in, now, f);
    } catch (const std::exception&) {
        // No store figures this time (missing folder rights, locked, damaged): the line still prints.
    }
    const std::string line = render_status_line(c.format.empty() ? kDefaultStatusFormat : c.format, f);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    return 0;
}

}  // namespace agentpulse
