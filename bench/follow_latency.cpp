// agentpulse-follow-latency: append-to-commit latency of `agentpulse ingest --follow`. Starts the binary on
// a temporary store and a small synthetic corpus, waits until it has caught up and its watcher runs, then
// appends single Claude assistant lines (each with a unique uuid) at spaced intervals and polls the store
// read-only (~100 us sleeps) until that uuid is in `messages`. Prints p50/p90/p99/max. Local files only.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/IsoTime.hpp"
#include "agents/AgentRegistry.hpp"
#include "sim/SynthCorpus.hpp"
#include "sim/SynthRng.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

extern char** environ;

namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using agentpulse::Database;
using agentpulse::ResetGuard;
using agentpulse::Statement;

struct Options {
    fs::path binary;
    int lines = 200;
    int interval_ms = 50;
    int timeout_s = 120;
    std::int64_t corpus_bytes = 4'000'000;
    bool keep = false;
};

int usage(const char* why) {
    if (why) std::fprintf(stderr, "agentpulse-follow-latency: %s\n", why);
    std::fprintf(
        stderr,
        "usage: agentpulse-follow-latency [--agentpulse PATH] [--lines N] [--interval-ms M] "
        "[--timeout-s S] [--corpus-bytes B] [--keep]\n"
        "  PATH defaults to the agentpulse binary next to this one; N <= 100000; S bounds the whole run.\n");
    return 2;
}

double ms(Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
}

class Child {
  public:
    Child(const fs::path& binary, const std::vector<std::string>& args, const fs::path& log) {
        std::vector<char*> argv;
        std::vector<std::string> all{binary.string()};
        all.insert(all.end(), args.begin(), args.end());
        for (std::string& a : all) argv.push_back(a.data());
        argv.push_back(nullptr);
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        const int rc = posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&fa);
        if (rc != 0) {
            pid_ = -1;
            throw std::runtime_error("cannot start " + binary.string() + ": " + std::strerror(rc));
        }
    }
    ~Child() { stop(); }
    bool running() {
        if (pid_ <= 0) return false;
        int st = 0;
        if (::waitpid(pid_, &st, WNOHANG) == pid_) pid_ = -1;
        return pid_ > 0;
    }
    // SIGTERM, then SIGKILL after 5 s.
    void stop() {
        if (!running()) return;
        ::kill(pid_, SIGTERM);
        for (int i = 0; i < 500 && running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
        if (running()) {
            ::kill(pid_, SIGKILL);
            int st = 0;
            ::waitpid(pid_, &st, 0);
            pid_ = -1;
        }
    }

  private:
    pid_t pid_ = -1;
};

// A Claude assistant line (one API response, one text block) for `session` with the given uuid.
std::string assistant_line(const std::string& session, const std::string& uuid, int n) {
    char buf[1200];
    std::snprintf(
        buf, sizeof buf,
        "{\"parentUuid\":null,\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"/home/bench/src/"
        "probe\","
        "\"sessionId\":\"%s\",\"version\":\"2.1.12\",\"gitBranch\":\"main\",\"message\":{\"id\":"
        "\"msg_01probe%012d\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
        "\"claude-sonnet-4-5-20250929\",\"content\":[{\"type\":\"text\",\"text\":\"probe line %d\"}],"
        "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":3,"
        "\"cache_creation_input_tokens\":120,\"cache_read_input_tokens\":40000,\"cache_creation\":"
        "{\"ephemeral_5m_input_tokens\":120,\"ephemeral_1h_input_tokens\":0},\"output_tokens\":42,"
        "\"service_tier\":\"standard\"}},\"requestId\":\"req_011Cprobe%012d\",\"type\":\"assistant\","
        "\"uuid\":\"%s\",\"timestamp\":\"%s\"}\n",
        session.c_str(), n, n, n, uuid.c_str(),
        agentpulse::format_iso8601(agentpulse::now_epoch_ms()).c_str());
    return buf;
}

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size()))) - 1;
    return v[std::min(i, v.size() - 1)];
}

int run(const Options& o) {
    const auto deadline = Clock::now() + std::chrono::seconds(o.timeout_s);
    char tmpl[] = "/tmp/agentpulse-follow-XXXXXX";
    if (!::mkdtemp(tmpl)) throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
    const fs::path dir = tmpl;
    struct Cleanup {
        fs::path dir;
        bool keep;
        ~Cleanup() {
            std::error_code ec;
            if (!keep) fs::remove_all(dir, ec);
        }
    } cleanup{dir, o.keep};

    agentpulse::SynthCorpusOptions co;
    // A folder per simulated agent, each given to agentpulse by that agent's flag.
    std::vector<std::string> args{"ingest", "--follow", "--no-progress", "--log-level", "warn", "--store",
                                  (dir / "store.db").string()};
    for (const agentpulse::SynthWriter& w : agentpulse::synth_writers()) {
        if (co.roots.count(std::string(w.agent))) continue;  // two writers of one agent's files
        const fs::path root = dir / w.agent;
        co.roots[std::string(w.agent)] = root;
        fs::create_directories(root);
        args.push_back("--" + std::string(agentpulse::find_agent(w.agent)->traits().option));
        args.push_back(root.string());
    }
    const fs::path claude_root = co.roots.at("claude");  // the probe appends Claude lines
    co.target_bytes = o.corpus_bytes;
    co.files = 20;
    co.seed = 42;
    co.start_ms = agentpulse::now_epoch_ms() - 3'600'000;
    co.days = 1;
    agentpulse::write_synth_corpus(co);

    // Append to an existing main session transcript: <claude>/<project>/<session>.jsonl.
    fs::path target;
    std::int64_t corpus_bytes = 0, corpus_files = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
        corpus_bytes += static_cast<std::int64_t>(e.file_size());
        ++corpus_files;
        if (target.empty() && e.path().parent_path().parent_path() == claude_root) target = e.path();
    }
    if (target.empty()) throw std::runtime_error("the corpus has no Claude session transcript");
    const std::string session = target.stem().string();

    const fs::path store = dir / "store.db";
    Child child(o.binary, args, dir / "agentpulse.log");

    // Caught up: every file's offset at its size, and the watcher's heartbeat says it runs.
    const auto t_start = Clock::now();
    std::unique_ptr<Database> db;
    bool ready = false;
    while (!ready && Clock::now() < deadline) {
        if (!child.running())
            throw std::runtime_error("agentpulse exited early; see " + (dir / "agentpulse.log").string());
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        try {
            if (!db) {
                std::error_code ec;
                if (!fs::exists(store, ec)) continue;
                db = std::make_unique<Database>(store, Database::Mode::ReadOnly, 100);
            }
            Statement q(*db,
                        "SELECT (SELECT coalesce(sum(offset), 0) FROM transcript_files), "
                        "(SELECT count(*) FROM transcript_files), "
                        "(SELECT count(*) FROM watcher_heartbeat WHERE state = 'running')");
            ResetGuard g(q);
            ready = q.step() && q.column_int(0) == corpus_bytes && q.column_int(1) == corpus_files &&
                    q.column_int(2) == 1;
        } catch (const agentpulse::StoreError&) {
            db.reset();  // schema not there yet
        }
    }
    if (!ready) throw std::runtime_error("agentpulse did not catch up in time");
    std::printf("caught up on %lld files (%.1f MB) in %.0f ms\n", static_cast<long long>(corpus_files),
                corpus_bytes / 1e6, ms(Clock::now() - t_start));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));

    Statement find(*db, "SELECT 1 FROM messages WHERE line_key = ?");
    const int fd = ::open(target.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot append to " + target.string());
    std::vector<double> lat;
    int timed_out = 0;
    agentpulse::SynthRng rng(7);
    for (int i = 0; i < o.lines && Clock::now() < deadline; ++i) {
        char uuid[40];
        std::snprintf(uuid, sizeof uuid, "f011a7e0-0000-4000-8000-%012d", i);
        const std::string line = assistant_line(session, uuid, i);
        const auto t0 = Clock::now();
        if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            throw std::runtime_error("short write to " + target.string());
        bool seen = false;
        const auto line_deadline = std::min(deadline, t0 + std::chrono::seconds(5));
        while (!seen && Clock::now() < line_deadline) {
            {
                ResetGuard g(find);
                find.bind(1, std::string_view(uuid));
                seen = find.step();
            }
            if (!seen) std::this_thread::sleep_for(std::chrono::microseconds(100));
        }
        if (seen)
            lat.push_back(ms(Clock::now() - t0));
        else
            ++timed_out;
        // Spaced appends, with jitter so the watcher's timers do not phase-lock with us.
        std::this_thread::sleep_for(std::chrono::microseconds(o.interval_ms * 1000 + rng.between(0, 10'000)));
    }
    ::close(fd);
    child.stop();

    std::printf("append-to-commit latency over %zu appends (%d ms apart, %d timed out after 5 s):\n",
                lat.size(), o.interval_ms, timed_out);
    std::printf("  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n", percentile(lat, 50),
                percentile(lat, 90), percentile(lat, 99),
                lat.empty() ? 0.0 : *std::max_element(lat.begin(), lat.end()));
    if (o.keep) std::printf("kept %s\n", dir.c_str());
    return timed_out == 0 && !lat.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    Options o;
    o.binary = fs::path(argv[0]).parent_path() / "agentpulse";
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "-h" || a == "--help") return usage(nullptr), 0;
        if (a == "--keep") {
            o.keep = true;
            continue;
        }
        if (i + 1 >= argc) return usage(("missing value after " + std::string(a)).c_str());
        const char* v = argv[++i];
        const long n = std::strtol(v, nullptr, 10);
        if (a == "--agentpulse")
            o.binary = v;
        else if (a == "--lines" && n > 0 && n <= 100'000)
            o.lines = static_cast<int>(n);
        else if (a == "--interval-ms" && n >= 0 && n <= 60'000)
            o.interval_ms = static_cast<int>(n);
        else if (a == "--timeout-s" && n > 0 && n <= 3'600)
            o.timeout_s = static_cast<int>(n);
        else if (a == "--corpus-bytes" && n > 0)
            o.corpus_bytes = n;
        else
            return usage(("bad option or value: " + std::string(a) + " " + v).c_str());
    }
    try {
        return run(o);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agentpulse-follow-latency: %s\n", e.what());
        return 1;
    }
}
