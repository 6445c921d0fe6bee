// agentpulse-load: the live-stream load generator. `subscribe` opens N streams and checks and times them,
// `raw` is the raw-send floor (a trivial sender for the same streams), `merge` combines the result files
// of several subscribe processes (one process per ~19,000 streams) and adds the percentiles.
#include <arpa/inet.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "LatencyHdr.hpp"
#include "RawSender.hpp"
#include "ResultFile.hpp"
#include "SubscriberPool.hpp"

using namespace agentpulse::load;

namespace {

const char* kUsage =
    "usage: agentpulse-load subscribe --port P [--host H] [--clients N] [--rate CONN_PER_S] [--duration S]\n"
    "                                [--source-base 127.x.y.z] [--per-source N] [--reconnect-ms MS] [--jitter-ms MS]\n"
    "                                [--stall N --stall-after-ms MS] [--ready-file F] [--stop-file F] [--until-file F]\n"
    "                                [--out F] [-v]\n"
    "       agentpulse-load raw --clients N --rate ROWS_PER_S --duration S [--port P] [--coalesce]\n"
    "                          [--template F] [--start-file F] [--stop-file F] [--sndbuf BYTES] [--out F]\n"
    "       agentpulse-load merge --out F RESULT...\n";

struct Args {
    std::map<std::string, std::string> kv;
    std::vector<std::string> positional;
    std::string get(const std::string& k, const std::string& def = "") const {
        auto it = kv.find(k);
        return it == kv.end() ? def : it->second;
    }
    double num(const std::string& k, double def) const {
        auto it = kv.find(k);
        return it == kv.end() ? def : std::atof(it->second.c_str());
    }
    bool flag(const std::string& k) const { return kv.count(k) > 0; }
};

Args parse(int argc, char** argv, int from) {
    Args a;
    for (int i = from; i < argc; ++i) {
        std::string s = argv[i];
        if (s == "-v" || s == "--verbose" || s == "--coalesce") {
            a.kv[s == "-v" ? "--verbose" : s] = "1";
        } else if (s.rfind("--", 0) == 0 && i + 1 < argc) {
            a.kv[s] = argv[++i];
        } else {
            a.positional.push_back(s);
        }
    }
    return a;
}

std::uint32_t parse_ipv4(const std::string& s) {
    in_addr a{};
    if (::inet_pton(AF_INET, s.c_str(), &a) != 1) return 0;
    return ntohl(a.s_addr);
}

std::int64_t as_int(const std::map<std::string, std::string>& m, const std::string& k) {
    auto it = m.find(k);
    return it == m.end() || it->second == "null" ? 0 : std::atoll(it->second.c_str());
}

void put_percentiles(ResultFile& r, const std::string& prefix, const LatencyHdr& h) {
    r.set(prefix + "_count", h.count());
    r.set(prefix + "_p50_ms", static_cast<double>(h.percentile(50)) / 1000.0);
    r.set(prefix + "_p90_ms", static_cast<double>(h.percentile(90)) / 1000.0);
    r.set(prefix + "_p99_ms", static_cast<double>(h.percentile(99)) / 1000.0);
    r.set(prefix + "_p999_ms", static_cast<double>(h.percentile(99.9)) / 1000.0);
    r.set(prefix + "_max_ms", static_cast<double>(h.max()) / 1000.0);
    r.set(prefix + "_mean_ms", h.mean() / 1000.0);
}

int merge(const Args& a) {
    if (a.positional.empty()) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    ResultFile out;
    LatencyHdr lat, spread;
    std::map<std::string, std::int64_t> sum;
    std::int64_t min_first = -1, max_first = -1, min_last = -1, max_last = -1, min_count = -1, max_count = 0;
    std::int64_t first_delivery = 0, last_delivery = 0, all_ready = 0, first_outage = 0, last_recovery = 0;
    std::int64_t max_outage = 0, stall_min = -1, stall_max = 0, held = 0, first_attempt = 0;
    double cpu = 0, wall = 0;
    std::vector<std::pair<std::uint64_t, std::uint64_t>> timeline;
    const char* summed[] = {"clients", "stall_count", "opened", "first_ready", "streaming_at_end", "connect_failures",
                            "http_failures", "http_closed_before_response", "http_bad_status", "attempt_timeouts", "disconnects", "reconnects", "outages", "in_outage_at_end", "deliveries",
                            "events", "stamped", "control_frames", "bytes", "gaps", "gap_events", "dups", "resyncs",
                            "skipped_by_resync", "clients_without_events", "stalled", "stalled_dropped"};
    for (const std::string& path : a.positional) {
        const auto m = ResultFile::read(path);
        if (m.empty()) {
            std::fprintf(stderr, "merge: cannot read %s\n", path.c_str());
            return 1;
        }
        for (const char* k : summed) sum[k] += as_int(m, k);
        auto lo = [](std::int64_t& acc, std::int64_t v) { acc = acc < 0 ? v : (v < 0 ? acc : std::min(acc, v)); };
        auto hi = [](std::int64_t& acc, std::int64_t v) { acc = std::max(acc, v); };
        if (as_int(m, "min_first") >= 0 && m.at("min_first") != "-1") {
            lo(min_first, as_int(m, "min_first"));
            hi(max_first, as_int(m, "max_first"));
            lo(min_last, as_int(m, "min_last"));
            hi(max_last, as_int(m, "max_last"));
        }
        lo(min_count, as_int(m, "min_count"));
        hi(max_count, as_int(m, "max_count"));
        const std::int64_t fd = as_int(m, "first_delivery_ns");
        if (fd > 0) first_delivery = first_delivery == 0 ? fd : std::min(first_delivery, fd);
        hi(last_delivery, as_int(m, "last_delivery_ns"));
        hi(all_ready, as_int(m, "all_ready_ns"));
        const std::int64_t fo = as_int(m, "first_outage_ns");
        if (fo > 0) first_outage = first_outage == 0 ? fo : std::min(first_outage, fo);
        hi(last_recovery, as_int(m, "last_recovery_ns"));
        const std::int64_t fa = as_int(m, "outage_first_attempt_ns");
        if (fa > 0) first_attempt = first_attempt == 0 ? fa : std::min(first_attempt, fa);
        hi(max_outage, as_int(m, "max_outage_ms"));
        if (as_int(m, "stall_drop_ms_min") >= 0 && as_int(m, "stalled_dropped") > 0) lo(stall_min, as_int(m, "stall_drop_ms_min"));
        hi(stall_max, as_int(m, "stall_drop_ms_max"));
        hi(held, as_int(m, "max_partial_line_bytes"));
        cpu += std::atof(m.count("cpu_s") ? m.at("cpu_s").c_str() : "0");
        wall = std::max(wall, std::atof(m.count("wall_s") ? m.at("wall_s").c_str() : "0"));
        if (m.count("latency_hdr")) lat.merge(LatencyHdr::decode(m.at("latency_hdr")));
        if (m.count("row_last_hdr")) spread.merge(LatencyHdr::decode(m.at("row_last_hdr")));
        if (m.count("per_second")) {
            // Per-process seconds count from each process's own first delivery: close enough to add up.
            const std::string& t = m.at("per_second");
            std::size_t pos = 0, sec = 0;
            while (pos < t.size()) {
                const std::size_t colon = t.find(':', pos), comma = t.find(',', pos);
                if (colon == std::string::npos || comma == std::string::npos) break;
                if (timeline.size() <= sec) timeline.resize(sec + 1);
                timeline[sec].first += std::stoull(t.substr(pos, colon - pos));
                timeline[sec].second = std::max<std::uint64_t>(timeline[sec].second, std::stoull(t.substr(colon + 1, comma - colon - 1)));
                pos = comma + 1;
                ++sec;
            }
        }
    }
    std::string per_second;
    for (const auto& [n, us] : timeline) per_second += std::to_string(n) + ":" + std::to_string(us) + ",";
    out.set("kind", "subscribe_merged");
    out.set("processes", static_cast<std::uint64_t>(a.positional.size()));
    for (const char* k : summed) out.set(k, sum[k]);
    out.set("min_first", min_first);
    out.set("max_first", max_first);
    out.set("min_last", min_last);
    out.set("max_last", max_last);
    out.set("min_count", min_count < 0 ? 0 : min_count);
    out.set("max_count", max_count);
    out.set("first_delivery_ns", first_delivery);
    out.set("last_delivery_ns", last_delivery);
    out.set("all_ready_ns", all_ready);
    out.set("first_outage_ns", first_outage);
    out.set("last_recovery_ns", last_recovery);
    out.set("max_outage_ms", max_outage);
    out.set("outage_first_attempt_ns", first_attempt);
    out.set("stall_drop_ms_min", stall_min);
    out.set("stall_drop_ms_max", stall_max);
    out.set("max_partial_line_bytes", held);
    const double span = static_cast<double>(last_delivery - first_delivery) / 1e9;
    out.set("delivery_span_s", span);
    out.set("deliveries_per_s", span > 0 ? static_cast<double>(sum["deliveries"]) / span : 0.0);
    out.set("bytes_per_delivery", sum["deliveries"] ? static_cast<double>(sum["bytes"]) / static_cast<double>(sum["deliveries"]) : 0.0);
    out.set("client_cpu_s", cpu);
    out.set("client_wall_s", wall);
    put_percentiles(out, "latency", lat);
    put_percentiles(out, "row_last", spread);
    out.set("per_second", per_second);
    const std::string path = a.get("--out");
    if (path.empty()) {
        std::fputs(out.json().c_str(), stdout);
        return 0;
    }
    return out.write(path) ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fputs(kUsage, stderr);
        return 2;
    }
    const std::string cmd = argv[1];
    const Args a = parse(argc, argv, 2);
    if (cmd == "subscribe") {
        PoolOptions o;
        o.host = a.get("--host", "127.0.0.1");
        o.port = static_cast<std::uint16_t>(a.num("--port", 0));
        o.path = a.get("--path", "/api/live/stream");
        o.clients = static_cast<int>(a.num("--clients", 1));
        o.connect_rate = a.num("--rate", 2000);
        o.source_base = a.flag("--source-base") ? parse_ipv4(a.get("--source-base")) : 0;
        o.per_source = static_cast<int>(a.num("--per-source", 100));
        o.duration_s = a.num("--duration", 60);
        o.reconnect_ms = static_cast<int>(a.num("--reconnect-ms", -1));
        o.reconnect_jitter_ms = static_cast<int>(a.num("--jitter-ms", 500));
        o.stall_count = static_cast<int>(a.num("--stall", 0));
        o.stall_after_ms = static_cast<int>(a.num("--stall-after-ms", 2000));
        o.ready_file = a.get("--ready-file");
        o.stop_file = a.get("--stop-file");
        o.until_file = a.get("--until-file");
        o.result_file = a.get("--out");
        o.verbose = a.flag("--verbose");
        if (o.port == 0 || o.clients < 1 || o.clients > 19'500) {
            std::fputs("subscribe: --port is required and --clients must be 1..19500 (one process per ~19,000 "
                       "streams: the open-file limit is 20,000)\n",
                       stderr);
            return 2;
        }
        return SubscriberPool(o).run();
    }
    if (cmd == "raw") {
        RawOptions o;
        o.host = a.get("--host", "127.0.0.1");
        o.port = static_cast<std::uint16_t>(a.num("--port", 0));
        o.clients = static_cast<int>(a.num("--clients", 1));
        o.rate = a.num("--rate", 100);
        o.duration_s = a.num("--duration", 10);
        o.coalesce = a.flag("--coalesce");
        o.sndbuf = static_cast<int>(a.num("--sndbuf", 64 * 1024));
        o.template_file = a.get("--template");
        o.start_file = a.get("--start-file");
        o.stop_file = a.get("--stop-file");
        o.result_file = a.get("--out");
        if (o.rate <= 0 || o.duration_s <= 0) {
            std::fputs(kUsage, stderr);
            return 2;
        }
        return RawSender(o).run();
    }
    if (cmd == "merge") return merge(a);
    std::fputs(kUsage, stderr);
    return 2;
}
