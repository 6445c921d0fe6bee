// See DemoAgents.hpp. Lines are appended when their simulated time comes (the fleet starts at the wall
// clock's now), each with one write() of the whole line and its newline, as the agents themselves do.
#include "app/DemoAgents.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/IsoTime.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthDatabase.hpp"
#include "sim/SynthWriters.hpp"
#include "sim/SynthFleet.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

// Appends the line; a `replace` line is the file's whole new content, written in place as the agent does
// (truncated, then written: a reader may catch it half-written).
void append_line(const fs::path& file, const std::string& text, bool replace = false) {
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | (replace ? O_TRUNC : O_APPEND) | O_CLOEXEC, 0644);
    if (fd < 0) throw std::runtime_error("cannot append to " + file.string());
    std::string line = text;
    if (!replace) line += '\n';
    std::size_t done = 0;
    while (done < line.size()) {
        const ssize_t n = ::write(fd, line.data() + done, line.size() - done);
        if (n <= 0) break;
        done += static_cast<std::size_t>(n);
    }
    ::close(fd);
}

}  // namespace

DemoAgents::DemoAgents(DemoOptions opts) : opts_(opts) {
    if (opts_.seed == 0) opts_.seed = static_cast<std::uint64_t>(now_epoch_ms());
    std::string tmpl = (fs::temp_directory_path() / "agentpulse-demo-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary folder for the demo");
    folder_ = tmpl;
    for (const AgentRoot& r : roots()) fs::create_directories(r.path);
    if (opts_.history_days > 0) {
        const EpochMs now = now_epoch_ms();
        SynthCorpusOptions c;
        // A folder per agent; the writers' demo shares (sim/SynthWriters.cpp) decide how many sessions each gets.
        for (const AgentSource* s : agent_sources()) c.roots[std::string(s->name())] = root_of(s->name());
        c.shares = demo_synth_shares();
        c.target_bytes = opts_.history_bytes;
        c.files = opts_.history_files;
        c.seed = opts_.seed;
        // Sessions start over the month before today and end before now.
        c.start_ms = now - static_cast<EpochMs>(opts_.history_days) * 86'400'000;
        c.days = std::max(1, opts_.history_days - 1);
        const SynthTotals t = write_synth_corpus(c);
        spdlog::info("demo: wrote {} history transcripts ({} usage events, {} tool calls) under {}", t.files,
                     t.usage_events, t.tool_calls, folder_.string());
    }
}

AgentRoots DemoAgents::roots() const {
    AgentRoots out;
    for (const AgentSource* s : agent_sources()) out.push_back({s, root_of(s->name())});
    return out;
}

DemoAgents::~DemoAgents() {
    stop();
    std::error_code ec;
    fs::remove_all(folder_, ec);
}

void DemoAgents::start() { thread_ = std::thread([this] { run(); }); }

void DemoAgents::stop() {
    {
        std::lock_guard lk(mu_);
        stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void DemoAgents::run() {
    SynthFleetOptions o;
    o.seed = opts_.seed + 1;
    o.start_ms = now_epoch_ms();
    o.concurrent = opts_.concurrent;
    o.median_session_bytes = 250'000;
    o.time_scale = opts_.time_scale;
    o.shares = demo_synth_shares();
    SynthFleet fleet(o);
    SynthDatabase databases;  // the simulated OpenCode's database, open while the demo runs
    std::unique_lock lk(mu_);
    while (!stop_ && !fleet.done()) {
        const EpochMs now = now_epoch_ms();
        const EpochMs due = fleet.next_at();
        if (due > now) {
            cv_.wait_for(lk, std::chrono::milliseconds(std::min<EpochMs>(due - now, 500)));
            continue;
        }
        lk.unlock();
        try {
            const SynthLine line = fleet.next();
            if (line.kind == SynthLine::Kind::Row)
                databases.apply(root_of(line.agent) / line.path, line.text);
            else
                append_line(root_of(line.agent) / line.path, line.text, line.kind == SynthLine::Kind::Replace);
            ++lines_;
        } catch (const std::exception& e) {
            spdlog::warn("demo agents: {}", e.what());
        }
        lk.lock();
    }
}

}  // namespace agentpulse
