// agentpulse-load-writer: the row source of the live load scenarios. `init` creates a store (and seed
// rows); `store` commits usage rows through the real StoreWriter at a paced rate, single rows or bursts,
// each stamped "load@<wall ns>" in its model column just before the commit; `transcript` appends Claude
// Code lines stamped the same way to a transcript that a serve with its watcher tails (line to browser).
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "LatencyHdr.hpp"
#include "LoadClock.hpp"
#include "ResultFile.hpp"
#include "core/IsoTime.hpp"
#include "core/PriceBook.hpp"
#include "store/Database.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"
#include "store/StoreWriter.hpp"

using namespace agentpulse;
using namespace agentpulse::load;

namespace {

const char* kUsage =
    "usage: agentpulse-load-writer init --store S [--rows N]\n"
    "       agentpulse-load-writer store --store S --rate COMMITS_PER_S [--burst ROWS_PER_COMMIT] --duration SEC\n"
    "                                    [--start-file F] [--out F]\n"
    "       agentpulse-load-writer transcript --file F.jsonl --rate LINES_PER_S --duration SEC [--burst LINES]\n"
    "                                         [--start-file F] [--out F]\n";

std::map<std::string, std::string> parse(int argc, char** argv) {
    std::map<std::string, std::string> kv;
    for (int i = 2; i + 1 < argc; i += 2) kv[argv[i]] = argv[i + 1];
    return kv;
}
std::string get(const std::map<std::string, std::string>& kv, const std::string& k, const std::string& def = "") {
    auto it = kv.find(k);
    return it == kv.end() ? def : it->second;
}
double num(const std::map<std::string, std::string>& kv, const std::string& k, double def) {
    auto it = kv.find(k);
    return it == kv.end() ? def : std::atof(it->second.c_str());
}

std::int64_t max_usage_id(Database& db) {
    Statement s(db, "SELECT COALESCE(MAX(id), 0) FROM usage_events");
    ResetGuard g(s);
    return s.step() ? s.column_int(0) : 0;
}

void wait_for_start(const std::string& file) {
    if (file.empty()) return;
    for (int i = 0; i < 6000 && access(file.c_str(), F_OK) != 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// Sleeps until monotonic `t` (coarse sleep, then a short spin for sub-millisecond accuracy).
void sleep_until_mono(std::int64_t t) {
    for (;;) {
        const std::int64_t left = t - mono_ns();
        if (left <= 0) return;
        if (left > 1'500'000) std::this_thread::sleep_for(std::chrono::nanoseconds(left - 1'000'000));
        else if (left > 50'000) std::this_thread::sleep_for(std::chrono::microseconds(20));
    }
}

class StoreLoad {
public:
    explicit StoreLoad(const std::string& path)
        : db_(path, Database::Mode::ReadWrite), writer_((migrate(db_), db_), std::make_shared<const PriceBook>()) {
        FileRecord proto;
        proto.path = "load://writer/" + std::to_string(getpid()) + "/" + std::to_string(wall_ns());
        proto.provider = "claude";
        proto.kind = "session";
        proto.project_slug = "-load-project";
        file_ = writer_.ensure_file(proto);
        tag_ = std::to_string(getpid()) + "-" + std::to_string(wall_ns());
    }

    // One commit of `rows` usage rows, stamped just before the commit.
    void commit(int rows, bool stamp) {
        IngestBatch b;
        const EpochMs now = now_epoch_ms();
        for (int j = 0; j < rows; ++j) {
            ParsedLine p;
            p.line_no = ++file_.line_no;
            p.ts = now;
            p.session.project_slug = "-load-project";
            p.session.project_name = "load";
            p.session.cwd = "/load/project";
            p.session.session_id = "load-session-" + tag_;
            UsageRecord u;
            u.dedup_key = "load-" + tag_ + "-" + std::to_string(seq_++);
            u.tokens.input = 1200;
            u.tokens.output = 340;
            u.tokens.cache_read = 50'000;
            u.tokens.cache_create = 2'000;
            u.service_tier = "standard";
            p.usage = std::move(u);
            b.lines.push_back(std::move(p));
        }
        file_.offset += 100 * rows;
        const std::string model = stamp ? "load@" + std::to_string(wall_ns()) : std::string("load-seed");
        for (ParsedLine& p : b.lines) p.usage->model = model;
        b.file = file_;
        const std::int64_t t0 = mono_ns();
        writer_.commit(b);
        commit_us_.add(static_cast<std::uint64_t>((mono_ns() - t0) / 1000));
    }

    Database& db() { return db_; }
    const LatencyHdr& commit_us() const { return commit_us_; }

private:
    Database db_;
    StoreWriter writer_;
    FileRecord file_;
    std::string tag_;
    std::int64_t seq_ = 0;
    LatencyHdr commit_us_;
};

std::string claude_line(const std::string& session, std::int64_t seq, std::int64_t stamp_ns) {
    const std::string id = session + "-" + std::to_string(seq);
    return "{\"parentUuid\":null,\"isSidechain\":false,\"userType\":\"external\",\"cwd\":\"/load/project\","
           "\"sessionId\":\"" + session + "\",\"version\":\"2.1.3\",\"gitBranch\":\"main\",\"message\":{\"id\":\"msg_" + id +
           "\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"load@" + std::to_string(stamp_ns) +
           "\",\"content\":[{\"type\":\"text\",\"text\":\"load line\"}],\"stop_reason\":null,\"usage\":{\"input_tokens\":1200,"
           "\"output_tokens\":340,\"cache_read_input_tokens\":50000,\"cache_creation_input_tokens\":2000,"
           "\"service_tier\":\"standard\"}},\"type\":\"assistant\",\"uuid\":\"uuid-" + id +
           "\",\"timestamp\":\"" + format_iso8601(stamp_ns / 1'000'000) + "\",\"requestId\":\"req_" + id + "\"}\n";
}

void put_hdr(ResultFile& r, const std::string& prefix, const LatencyHdr& h) {
    r.set(prefix + "_p50_us", h.percentile(50));
    r.set(prefix + "_p99_us", h.percentile(99));
    r.set(prefix + "_max_us", h.max());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    const auto kv = parse(argc, argv);
    try {
        if (cmd == "init") {
            StoreLoad s(get(kv, "--store"));
            const int rows = static_cast<int>(num(kv, "--rows", 1));
            for (int done = 0; done < rows; done += 500) s.commit(std::min(500, rows - done), false);
            std::printf("{\"max_id\": %lld}\n", static_cast<long long>(max_usage_id(s.db())));
            return 0;
        }
        const double rate = num(kv, "--rate", 100), duration = num(kv, "--duration", 10);
        const int burst = std::max(1, static_cast<int>(num(kv, "--burst", 1)));
        if (rate <= 0 || duration <= 0 || (cmd != "store" && cmd != "transcript")) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        const auto total = static_cast<std::int64_t>(rate * duration + 0.5);
        ResultFile r;
        r.set("kind", cmd);
        r.set("rate", rate);
        r.set("burst", burst);
        std::int64_t late_max_us = 0;
        if (cmd == "store") {
            StoreLoad s(get(kv, "--store"));
            const std::int64_t before = max_usage_id(s.db());
            wait_for_start(get(kv, "--start-file"));
            const std::int64_t t0 = mono_ns();
            const double period = 1e9 / rate;
            for (std::int64_t k = 0; k < total; ++k) {
                const std::int64_t due = t0 + static_cast<std::int64_t>(static_cast<double>(k) * period);
                sleep_until_mono(due);
                late_max_us = std::max(late_max_us, (mono_ns() - due) / 1000);
                s.commit(burst, true);
            }
            const double wall = static_cast<double>(mono_ns() - t0) / 1e9;
            const std::int64_t after = max_usage_id(s.db());
            r.set("commits", total);
            r.set("rows", after - before);
            r.set("first_id", before + 1);
            r.set("last_id", after);
            r.set("wall_s", wall);
            r.set("rows_per_s", static_cast<double>(after - before) / wall);
            put_hdr(r, "commit", s.commit_us());
        } else {
            const std::string path = get(kv, "--file");
            const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
            if (fd < 0) {
                std::perror(path.c_str());
                return 1;
            }
            const std::string session = get(kv, "--session", "load-" + std::to_string(getpid()));
            wait_for_start(get(kv, "--start-file"));
            const std::int64_t t0 = mono_ns();
            const double period = 1e9 / rate;
            LatencyHdr write_us;
            std::int64_t seq = static_cast<std::int64_t>(num(kv, "--seq", 0)), lines = 0;
            for (std::int64_t k = 0; k < total; ++k) {
                const std::int64_t due = t0 + static_cast<std::int64_t>(static_cast<double>(k) * period);
                sleep_until_mono(due);
                late_max_us = std::max(late_max_us, (mono_ns() - due) / 1000);
                std::string chunk;
                const std::int64_t stamp = wall_ns();
                for (int j = 0; j < burst; ++j) chunk += claude_line(session, seq++, stamp);
                const std::int64_t w0 = mono_ns();
                if (::write(fd, chunk.data(), chunk.size()) != static_cast<ssize_t>(chunk.size())) {
                    std::perror("write");
                    return 1;
                }
                write_us.add(static_cast<std::uint64_t>((mono_ns() - w0) / 1000));
                lines += burst;
            }
            ::close(fd);
            r.set("appends", total);
            r.set("rows", lines);
            r.set("wall_s", static_cast<double>(mono_ns() - t0) / 1e9);
            put_hdr(r, "write", write_us);
        }
        r.set("schedule_late_max_us", late_max_us);
        const std::string out = get(kv, "--out");
        if (out.empty()) std::fputs(r.json().c_str(), stdout);
        else if (!r.write(out)) return 1;
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "agentpulse-load-writer: %s\n", e.what());
        return 1;
    }
}
