// Runs a real child process (the agentpulse binary) with its output in files, a clean environment
// (no AGENTPULSE_* variables, no user configuration file, an empty HOME), bounded waits and signals.
#pragma once

#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace agentpulse::test {

struct ExitStatus {
    bool exited = false;  // false: killed by `signal`
    int code = -1;
    int signal = 0;
};

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// What the child changes about itself after fork, before exec (fault tests).
struct ChildOptions {
    // Run as this user and group (the parent must be root): permission bits do not stop root.
    std::optional<uid_t> uid;
    std::optional<gid_t> gid;
    // RLIMIT_FSIZE in bytes: writes past it fail with EFBIG (SIGXFSZ is ignored so they fail, not kill).
    std::optional<std::uint64_t> max_file_size;
    // Standard input read from this file (default: /dev/null).
    std::optional<std::filesystem::path> stdin_file;
};

class Process {
  public:
    // `io_dir` receives <name>.out and <name>.err; `env` is added to (and overrides) the clean environment.
    Process(const std::vector<std::string>& args, const std::filesystem::path& io_dir,
            const std::string& name, const std::map<std::string, std::string>& env = {},
            const ChildOptions& child = {})
        : out_(io_dir / (name + ".out")), err_(io_dir / (name + ".err")) {
        std::filesystem::create_directories(io_dir);
        std::vector<std::string> env_strings;
        for (char** e = environ; *e; ++e) {
            const std::string kv = *e;
            const std::string key = kv.substr(0, kv.find('='));
            // Also the variables that point an agent elsewhere than HOME (OpenCode: $XDG_DATA_HOME, $OPENCODE_DB).
            if (key.starts_with("AGENTPULSE_") || key == "XDG_CONFIG_HOME" || key == "HOME" || key == "XDG_DATA_HOME" ||
                key == "OPENCODE_DB" || env.count(key))
                continue;
            env_strings.push_back(kv);
        }
        env_strings.push_back("XDG_CONFIG_HOME=" + (io_dir / "no-config").string());
        // An empty home: an agent whose folder a test does not name finds nothing there, never the real
        // transcripts of whoever runs the tests.
        if (!env.count("HOME")) env_strings.push_back("HOME=" + (io_dir / "home").string());
        for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
        std::vector<char*> argv, envp;
        for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        for (auto& e : env_strings) envp.push_back(e.data());
        envp.push_back(nullptr);

        const int out_fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        const int err_fd = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd < 0 || err_fd < 0)
            throw std::runtime_error("cannot create the output files in " + io_dir.string());
        pid_ = ::fork();
        if (pid_ == 0) {
            if (child.max_file_size) {
                ::signal(SIGXFSZ, SIG_IGN);  // survives exec: the write fails with EFBIG instead
                const rlimit lim{static_cast<rlim_t>(*child.max_file_size), static_cast<rlim_t>(*child.max_file_size)};
                if (::setrlimit(RLIMIT_FSIZE, &lim) != 0) ::_exit(126);
            }
            if (child.gid && (::setgroups(0, nullptr) != 0 || ::setgid(*child.gid) != 0)) ::_exit(126);
            if (child.uid && ::setuid(*child.uid) != 0) ::_exit(126);
            // If the test process dies (a ctest timeout kills it), take the child with it. After setuid,
            // which clears this setting.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            ::dup2(out_fd, 1);
            ::dup2(err_fd, 2);
            const int null_fd = ::open(child.stdin_file ? child.stdin_file->c_str() : "/dev/null", O_RDONLY);
            ::dup2(null_fd, 0);
            ::execve(argv[0], argv.data(), envp.data());
            ::_exit(127);
        }
        ::close(out_fd);
        ::close(err_fd);
        if (pid_ < 0) throw std::runtime_error("fork failed");
    }
    ~Process() {
        if (!status_) {
            ::kill(pid_, SIGKILL);
            wait_for(std::chrono::seconds(10));
        }
    }
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running() { return !poll(); }

    // The exit status once the process has ended (reaped), without waiting.
    std::optional<ExitStatus> poll() {
        if (status_) return status_;
        int st = 0;
        const pid_t r = ::waitpid(pid_, &st, WNOHANG);
        if (r == pid_) status_ = decode(st);
        return status_;
    }

    // Waits at most `limit`; nullopt when the process is still running.
    std::optional<ExitStatus> wait_for(std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        for (auto step = std::chrono::milliseconds(1);;
             step = std::min(step * 2, std::chrono::milliseconds(20))) {
            if (poll()) return status_;
            if (std::chrono::steady_clock::now() >= until) return std::nullopt;
            std::this_thread::sleep_for(step);
        }
    }

    // Waits, and kills the process (SIGKILL) if it does not end within `limit`.
    ExitStatus finish(std::chrono::milliseconds limit) {
        if (auto s = wait_for(limit)) return *s;
        ::kill(pid_, SIGKILL);
        auto s = wait_for(std::chrono::seconds(10));
        throw std::runtime_error("process did not end within " + std::to_string(limit.count()) +
                                 " ms (killed)" + (s ? "" : " and could not be reaped") +
                                 "; stderr: " + err());
    }

    void signal(int sig) {
        if (!status_) ::kill(pid_, sig);
    }

    std::string out() const { return slurp(out_); }
    std::string err() const { return slurp(err_); }

  private:
    static ExitStatus decode(int st) {
        ExitStatus s;
        if (WIFEXITED(st)) s.exited = true, s.code = WEXITSTATUS(st);
        if (WIFSIGNALED(st)) s.signal = WTERMSIG(st);
        return s;
    }

    std::filesystem::path out_, err_;
    pid_t pid_ = -1;
    std::optional<ExitStatus> status_;
};

// Runs to the end (bounded) and returns the status.
inline ExitStatus run_to_end(const std::vector<std::string>& args, const std::filesystem::path& io_dir,
                             const std::string& name, std::string* out = nullptr, std::string* err = nullptr,
                             std::chrono::milliseconds limit = std::chrono::seconds(60)) {
    Process p(args, io_dir, name);
    const ExitStatus s = p.finish(limit);
    if (out) *out = p.out();
    if (err) *err = p.err();
    return s;
}

// Polls `pred` every few milliseconds until it holds or `limit` passes; returns whether it held.
template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
        if (pred()) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

// The port a `serve --host 127.0.0.1` child printed ("listening on http://127.0.0.1:PORT"), waited for up to
// 20 s; 0 when the child exited first or never said it.
inline unsigned short listening_port(Process& p) {
    unsigned short port = 0;
    eventually(
        [&] {
            const std::string out = p.out();
            const auto at = out.find("listening on http://127.0.0.1:");
            if (at == std::string::npos) return !p.running();
            port = static_cast<unsigned short>(std::atoi(out.c_str() + at + 30));
            return true;
        },
        std::chrono::seconds(20));
    return port;
}

}  // namespace agentpulse::test
