// The real `agentpulse serve` as a child process on 127.0.0.1 with an OS-chosen port, for the live
// suite: waits for its "listening on" line, reads its RSS from /proc, its /healthz, /metrics and
// /api/live/stats, and stops it with a signal (bounded waits everywhere).
#pragma once

#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "Process.hpp"
#include "SseClient.hpp"
#include "TempDir.hpp"

namespace agentpulse::test {

using Clock = std::chrono::steady_clock;

// An ASan or TSan build (scripts/sanitize.sh): the server and this test process both run several times
// slower, so tests whose point is load rather than correctness scale their load down there.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
// Sanitizer builds keep freed memory in quarantine and shadow it: RSS says nothing about leaks there.
constexpr bool kRssIsMeaningful = !kSanitized;

inline double ms_since(Clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

class LiveServer {
    static bool has(const std::vector<std::string>& v, const std::string& flag) {
        return std::find(v.begin(), v.end(), flag) != v.end();
    }

public:
    // `extra` follows `serve --port 0 --store STORE --claude-projects D --codex-sessions D --static-dir D`.
    LiveServer(const std::filesystem::path& dir, const std::filesystem::path& store,
               std::vector<std::string> extra, const std::string& name = "serve") {
        std::filesystem::create_directories(dir / "claude");
        std::filesystem::create_directories(dir / "codex");
        std::vector<std::string> args = {AGENTPULSE_BINARY,
                                         "serve",
                                         "--port",
                                         "0",
                                         "--store",
                                         store.string(),
                                         "--claude-projects",
                                         (dir / "claude").string(),
                                         "--codex-sessions",
                                         (dir / "codex").string(),
                                         "--static-dir",
                                         (dir / "no-dashboard").string()};
        // A flag in `extra` replaces the default above (e.g. "--port P" to restart on the same port,
        // "--static-dir D" to serve a dashboard).
        for (std::size_t i = 2; i + 1 < args.size();) {
            if (std::find(extra.begin(), extra.end(), args[i]) != extra.end())
                args.erase(args.begin() + static_cast<std::ptrdiff_t>(i), args.begin() + static_cast<std::ptrdiff_t>(i) + 2);
            else
                i += 2;
        }
        args.insert(args.end(), extra.begin(), extra.end());
        // LIVE_IO_THREADS=N runs every server of the suite on N io threads: the contract is the same
        // whatever the thread count. Read here, as the child's environment is a clean one.
        if (const char* n = std::getenv("LIVE_IO_THREADS"); n && *n && !has(extra, "--io-threads"))
            args.insert(args.end(), {"--io-threads", n});
        proc_ = std::make_unique<Process>(args, dir / "logs", name + std::to_string(++counter()));
        const auto t0 = Clock::now();
        const bool up = eventually(
            [&] {
                const std::string out = proc_->out();
                const auto at = out.find("listening on http://127.0.0.1:");
                if (at == std::string::npos || out.find('\n', at) == std::string::npos)
                    return !proc_->running();
                port_ = static_cast<unsigned short>(std::atoi(out.c_str() + at + 30));
                return true;
            },
            std::chrono::seconds(20));
        if (!up || port_ == 0)
            throw std::runtime_error("agentpulse serve did not start: " + proc_->err().substr(0, 4000));
        startup_ms_ = ms_since(t0);
    }
    ~LiveServer() {
        if (proc_ && proc_->running()) {
            proc_->signal(SIGTERM);
            if (!proc_->wait_for(std::chrono::seconds(5))) proc_->signal(SIGKILL);
        }
    }

    unsigned short port() const { return port_; }
    pid_t pid() const { return proc_->pid(); }
    Process& process() { return *proc_; }
    double startup_ms() const { return startup_ms_; }

    // Resident set size in KiB (VmRSS), 0 if the process is gone.
    long rss_kb() const {
        std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
        std::string line;
        while (std::getline(in, line))
            if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
        return 0;
    }

    boost::json::object get_json(const std::string& target,
                                 const std::vector<std::pair<std::string, std::string>>& headers = {}) {
        const HttpResult r = http_request(port_, target, headers);
        if (r.status != 200)
            throw std::runtime_error(target + " answered " + std::to_string(r.status) + ": " +
                                     r.body.substr(0, 300));
        return boost::json::parse(r.body).as_object();
    }
    boost::json::object healthz() { return get_json("/healthz"); }
    std::int64_t subscribers() { return healthz().at("subscribers").to_number<std::int64_t>(); }
    boost::json::object stats(const std::string& query = "", const std::string& token = "") {
        std::vector<std::pair<std::string, std::string>> h;
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        return get_json("/api/live/stats" + query, h);
    }

    // One sample of a Prometheus metric without labels (or the whole "name{labels}" key); NaN if absent.
    double metric(const std::string& name, const std::string& token = "") {
        std::vector<std::pair<std::string, std::string>> h;
        if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
        const HttpResult r = http_request(port_, "/metrics", h);
        std::size_t pos = 0;
        while (pos < r.body.size()) {
            auto eol = r.body.find('\n', pos);
            if (eol == std::string::npos) eol = r.body.size();
            const std::string line = r.body.substr(pos, eol - pos);
            pos = eol + 1;
            if (line.starts_with(name + " ")) return std::atof(line.c_str() + name.size() + 1);
        }
        return std::nan("");
    }

    // SIGTERM, then waits; returns the exit status and how long it took (ms), or throws after `limit`.
    std::pair<ExitStatus, double> stop(std::chrono::milliseconds limit = std::chrono::seconds(10)) {
        const auto t0 = Clock::now();
        proc_->signal(SIGTERM);
        const auto s = proc_->wait_for(limit);
        const double took = ms_since(t0);
        if (!s) {
            proc_->signal(SIGKILL);
            proc_->wait_for(std::chrono::seconds(5));
            throw std::runtime_error("agentpulse serve did not exit within " + std::to_string(limit.count()) +
                                     " ms");
        }
        return {*s, took};
    }

private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    std::unique_ptr<Process> proc_;
    unsigned short port_ = 0;
    double startup_ms_ = 0;
};

// Sets `flag` when the scope ends, a failed BOOST_REQUIRE included, so that worker threads (std::jthread,
// declared before it) see it, stop and are joined instead of terminating the test program.
struct RaiseOnExit {
    std::atomic<bool>& flag;
    ~RaiseOnExit() { flag = true; }
};

inline boost::json::object data_of(const SseEvent& e) {
    return boost::json::parse(e.data).as_object();
}
inline boost::json::object payload_of(const SseEvent& e) {
    return data_of(e).at("payload").as_object();
}
inline std::int64_t int_of(const boost::json::value& v) {
    return v.to_number<std::int64_t>();
}

// Prints a measured figure in the test log (`--log_level=message`; docs/RELIABILITY.md quotes them).
#define LIVE_FIGURE(what) BOOST_TEST_MESSAGE("FIGURE " << what)

}  // namespace agentpulse::test
