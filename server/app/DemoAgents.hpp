// `agentpulse serve --demo`: simulated agents (Claude Code and Codex CLI, parallel tool calls, errors,
// sub-agents, several projects; server/sim/) write transcripts into a temporary folder in
// real time, on a thread of their own, and the embedded watcher ingests them like real ones. A month of
// history is written first so that the Overview and Sessions tabs have something to show.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string_view>
#include <thread>

#include "agents/AgentRegistry.hpp"

namespace agentpulse {

struct DemoOptions {
    std::uint64_t seed = 0;          // 0 = from the clock (a different demo each run)
    int concurrent = 4;              // sessions running at once
    double time_scale = 0.3;         // simulated durations x this (think times of ~15 s, not ~45 s)
    int history_days = 30;           // 0 = no history
    std::int64_t history_bytes = 6'000'000;
    int history_files = 60;
};

class DemoAgents {
public:
    // Creates the folder (under the system temp dir) and writes the history. Throws std::runtime_error.
    explicit DemoAgents(DemoOptions opts = {});
    ~DemoAgents();  // stops and removes the folder
    DemoAgents(const DemoAgents&) = delete;
    DemoAgents& operator=(const DemoAgents&) = delete;

    const std::filesystem::path& folder() const { return folder_; }
    // The folder each agent source writes into: <folder>/<agent name>.
    std::filesystem::path root_of(std::string_view agent) const { return folder_ / agent; }
    AgentRoots roots() const;

    void start();  // the live agents' thread
    void stop();   // thread-safe, idempotent
    std::uint64_t lines_written() const { return lines_; }

private:
    void run();

    DemoOptions opts_;
    std::filesystem::path folder_;
    std::thread thread_;
    std::mutex mu_;
    std::condition_variable cv_;
    bool stop_ = false;
    std::atomic<std::uint64_t> lines_{0};
};

}  // namespace agentpulse
