// (h2) Hostile clients against the server's limits, on real sockets (see also hostile_clients_test.cpp):
// a connection flood past the cap (--max-connections 50: 503 + Retry-After, streams keep their latency
// measured against a baseline, new ones accepted once others close); oversized targets (414) and headers
// (431); malformed request lines and header blocks (400, or 405 for a well-formed unknown method);
// request smuggling shapes; path traversal in every encoding against a secret file next to the served
// dashboard folder; a huge or garbage Last-Event-ID (ignored: the stream starts from now); keep-alive idle
// and whole-request timeouts (made short with --keepalive-timeout-ms / --request-timeout-ms; the defaults
// are checked not to cut in early); a client that pipelines requests and never reads the answers; with a
// token, every route the Router knows (taken from server/http/*.cpp) refused without it, with a wrong one,
// or with one in the wrong place; --allow-remote (and a token) letting serve bind a non-loopback address.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <fstream>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "SseFleet.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// Waits up to `timeout` for the peer to close; returns the ms it took, or -1.
double ms_until_closed(LoopbackSocket& s, Millis timeout, std::string* got = nullptr) {
    const auto t0 = Clock::now();
    std::string in;
    while (ms_since(t0) < static_cast<double>(timeout.count())) {
        const ssize_t n = s.recv_some(in, Millis(50));
        if (n == 0 || n == -2) {
            if (got) *got = in;
            return ms_since(t0);
        }
    }
    if (got) *got = in;
    return -1;
}

// The repository's root, from the price card's path (conf/pricing.json).
fs::path repo_root() { return fs::path(AGENTPULSE_PRICING_FILE).parent_path().parent_path(); }

std::string slurp_file(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_limits)

BOOST_AUTO_TEST_CASE(connection_flood_past_the_cap) {
    constexpr int kCap = 50, kStreams = 40, kIdle = kCap - kStreams;
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(20, 1, 20);
    // Idle connections would be closed after the whole-request timeout: keep them for this test's length.
    LiveServer server(dir.path(), store,
                      {"--no-watcher", "--max-connections", std::to_string(kCap), "--request-timeout-ms", "60000"});
    const unsigned short port = server.port();

    // A burst of connections arriving together (the server accepts what is queued in one go): no more
    // than the cap get in, the others get 503 at once.
    {
        std::vector<LoopbackSocket> burst;
        for (int i = 0; i < 3 * kCap; ++i) burst.emplace_back(port);
        std::this_thread::sleep_for(Millis(1000));  // every refusal has been written by now
        int refused = 0, admitted = 0;
        for (auto& s : burst) {
            std::string in;
            const ssize_t n = s.recv_some(in, Millis(20));
            if (in.starts_with("HTTP/1.1 503")) ++refused;
            else if (n == -1) ++admitted;  // nothing yet: waiting for its request
        }
        BOOST_TEST(admitted == kCap, admitted << " of a burst of " << 3 * kCap << " admitted with a cap of " << kCap);
        BOOST_TEST(refused == 2 * kCap);
    }
    BOOST_TEST_REQUIRE(eventually([&] { return http_request(port, "/healthz").status == 200; }, std::chrono::seconds(5)));

    SseFleet::Options fo;
    fo.reconnect = false;
    SseFleet fleet(port, kStreams, fo);
    fleet.connect_all();
    using C = SseFleet::Client;
    BOOST_REQUIRE(fleet.run_until([&] { return fleet.count([](const C& c) { return c.have_base; }) == kStreams; },
                                  Millis(10'000)));
    // The rest of the cap: connections that send nothing (an HTTP connection counts as much as a stream).
    std::vector<LoopbackSocket> idle;
    for (int i = 0; i < kIdle; ++i) idle.emplace_back(port);

    // Rows land every 20 ms for the whole test; the commit time of each usage id is kept.
    std::mutex m;
    std::map<std::int64_t, double> committed;  // usage id -> ms since the fleet's t0
    std::atomic<bool> stop{false};
    std::jthread writer([&] {
        while (!stop) {
            feed.commit({feed.response(0)});
            const auto id = feed.head().usage;
            {
                std::lock_guard lock(m);
                committed[id] = ms_since(fleet.t0());
            }
            std::this_thread::sleep_for(Millis(20));
        }
    });
    RaiseOnExit guard{stop};

    // At the cap: the next connection gets 503 with Retry-After (the last idle one may still be in the
    // accept queue for a moment: a probe that got in is simply closed and tried again).
    HttpResult at_cap;
    BOOST_TEST_REQUIRE(eventually(
        [&] {
            at_cap = http_request(port, "/healthz");
            return at_cap.status == 503;
        },
        std::chrono::seconds(5)));
    BOOST_TEST(at_cap.header("retry-after") == "5");
    BOOST_TEST(at_cap.header("content-type") == "application/json");
    BOOST_TEST(at_cap.body.find("\"status\":503") != std::string::npos, at_cap.body);
    BOOST_TEST(at_cap.complete);

    // Baseline: stream latency (commit -> client) over 2 s with nothing else going on.
    const double base_from = ms_since(fleet.t0());
    fleet.run_until([] { return false; }, Millis(2000));
    const double base_to = ms_since(fleet.t0());

    // The flood: 4 threads open connections as fast as they can for 2.5 s; each must get 503 quickly.
    std::atomic<int> flood_503{0}, flood_other{0}, flood_retry_after{0};
    std::atomic<double> flood_worst_ms{0};
    std::mutex om;
    std::vector<std::string> others;
    std::vector<std::jthread> flooders;
    const double flood_from = ms_since(fleet.t0());
    for (int t = 0; t < 4; ++t)
        flooders.emplace_back([&] {
            const auto until = Clock::now() + Millis(2500);
            while (Clock::now() < until) {
                const auto t0 = Clock::now();
                HttpResult r;
                try {
                    r = raw_exchange(port, "GET /api/live/stream HTTP/1.1\r\nHost: x\r\n\r\n", Millis(3000));
                } catch (const std::exception& e) {
                    r.status_line = e.what();
                }
                const double took = ms_since(t0);
                if (took > flood_worst_ms) flood_worst_ms = took;
                if (r.status == 503) {
                    ++flood_503;
                    if (r.header("retry-after") == "5") ++flood_retry_after;
                } else {
                    ++flood_other;
                    std::lock_guard lock(om);
                    if (others.size() < 5) others.push_back(std::to_string(r.status) + " " + r.status_line + " " + r.body.substr(0, 100));
                }
            }
        });
    fleet.run_until([] { return false; }, Millis(2600));
    for (auto& f : flooders) f.join();
    const double flood_to = ms_since(fleet.t0());
    // A little more under normal conditions so that rows committed at the end of the flood arrive.
    fleet.run_until([] { return false; }, Millis(300));

    BOOST_TEST(flood_503 > 200);
    BOOST_TEST(flood_other == 0, flood_other << " flood connections got something else than 503, e.g. "
                                             << (others.empty() ? "" : others.front()));
    BOOST_TEST(flood_retry_after == flood_503);
    BOOST_TEST(flood_worst_ms < 1000.0);
    // The streams kept up: every client every row so far, in order, with their latency unchanged.
    std::vector<double> base_lag, flood_lag;
    {
        std::lock_guard lock(m);
        for (const C& c : fleet.clients()) {
            BOOST_TEST(c.fd >= 0);  // still connected
            BOOST_TEST(c.check.errors.empty());
            BOOST_TEST(c.check.resyncs.empty());
            for (const auto& [id, at] : committed) {
                const auto it = c.check.arrival_ms.find(id);
                if (it == c.check.arrival_ms.end()) continue;
                if (at >= base_from && at < base_to) base_lag.push_back(it->second - at);
                if (at >= flood_from && at < flood_to) flood_lag.push_back(it->second - at);
            }
        }
    }
    BOOST_TEST_REQUIRE(base_lag.size() > 40u * 50u);
    BOOST_TEST_REQUIRE(flood_lag.size() > 40u * 60u);
    const double b50 = percentile(base_lag, 50), b95 = percentile(base_lag, 95);
    const double f50 = percentile(flood_lag, 50), f95 = percentile(flood_lag, 95), fmax = percentile(flood_lag, 100);
    // Generous against a loaded 2-core machine, tight against a flood that blocks the io thread. For the
    // release build (the same CI run checks it there): under ASan, with the instrumented flood threads and
    // server on two loaded cores, the p95 once went from 21 to 231 ms.
    if (!kSanitized) {
        BOOST_TEST(f50 <= b50 + 50.0, "median lag " << b50 << " ms -> " << f50 << " ms under the flood");
        BOOST_TEST(f95 <= std::max(3 * b95, b95 + 100.0), "p95 lag " << b95 << " ms -> " << f95 << " ms under the flood");
        BOOST_TEST(fmax < 1000.0);
    }
    LIVE_FIGURE("connection flood past a cap of " << kCap << ": " << flood_503 << " connections refused with 503 in 2.5 s "
                                                  << "(slowest answer " << flood_worst_ms << " ms); " << kStreams
                                                  << " streams' commit->client lag p50/p95 " << b50 << "/" << b95
                                                  << " ms before, " << f50 << "/" << f95 << " ms during (max "
                                                  << fmax << " ms)");

    // Once connections close, new ones are accepted again, up to the cap.
    idle.clear();
    for (int i = 0; i < 10; ++i) fleet.drop(static_cast<std::size_t>(i), false);
    BOOST_TEST_REQUIRE(eventually(
        [&] {
            const HttpResult r = http_request(port, "/healthz");
            return r.status == 200 && r.body.find("\"subscribers\":30") != std::string::npos;
        },
        std::chrono::seconds(5)));
    std::vector<std::unique_ptr<SseClient>> fresh;
    for (int i = 0; i < kCap - 30; ++i) {
        fresh.push_back(std::make_unique<SseClient>(port));
        BOOST_TEST(fresh.back()->status() == 200);
        BOOST_TEST(fresh.back()->next_of("ready", Millis(3000)).has_value());
    }
    BOOST_TEST(http_request(port, "/healthz").status == 503);  // full again
    fresh.pop_back();
    BOOST_TEST_REQUIRE(eventually([&] { return http_request(port, "/healthz").status == 200; }, std::chrono::seconds(5)));
    fresh.pop_back();  // room for /metrics' own connection
    double rejected = 0;
    BOOST_TEST_REQUIRE(eventually(
        [&] {
            rejected = server.metric("agentpulse_http_rejected_total");
            return rejected == rejected;  // not NaN
        },
        std::chrono::seconds(5)));
    BOOST_TEST(rejected >= static_cast<double>(flood_503 + 2));
}

BOOST_AUTO_TEST_CASE(oversized_and_malformed_requests) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(5, 1, 5);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const unsigned short port = server.port();

    // Targets: up to 8 KB answered; longer is 414 (also when the request line alone passes the 16 KB
    // header limit); headers past 16 KB are 431. The connection is closed after each refusal.
    BOOST_TEST(http_request(port, "/healthz?pad=" + std::string(7'000, 'a')).status == 200);
    for (const std::size_t n : {9'000u, 16'000u, 20'000u, 100'000u}) {
        const HttpResult r = http_request(port, "/healthz?pad=" + std::string(n, 'a'));
        BOOST_TEST(r.status == 414, n << "-byte target: " << r.status);
        BOOST_TEST(r.complete);
        BOOST_TEST(r.header("content-type") == "application/json");
    }
    BOOST_TEST(http_request(port, "/" + std::string(30'000, 'x')).status == 414);
    {
        const HttpResult r = http_request(port, "/healthz", {{"X-Big", std::string(17'000, 'x')}});
        BOOST_TEST(r.status == 431);
        BOOST_TEST(r.complete);
    }
    BOOST_TEST(http_request(port, "/healthz", {{"Cookie", std::string(64'000, 'c')}}).status == 431);
    // A header block that never ends (no blank line) is cut off at the limit too.
    {
        LoopbackSocket s(port);
        s.send_all("GET /healthz HTTP/1.1\r\nHost: x\r\n");
        for (int i = 0; i < 40; ++i)
            if (!s.send_all("X-Pad-" + std::to_string(i) + ": " + std::string(1000, 'p') + "\r\n")) break;
        std::string got;
        BOOST_TEST(ms_until_closed(s, Millis(3000), &got) >= 0);
        BOOST_TEST(got.starts_with("HTTP/1.1 431"), got.substr(0, 60));
    }

    // Malformed request lines, targets and header blocks: 400, and the connection is closed (a well-formed
    // unknown method is 405, on a connection that may stay open: those requests ask for the close).
    struct Bad {
        std::string raw;
        std::set<int> ok;
    };
    const std::vector<Bad> bad = {
        {"GET\r\n\r\n", {400}},
        {"GET /\r\n\r\n", {400}},                                  // HTTP/0.9
        {"GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n", {400}},
        {"GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400}},       // two spaces
        {" GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", {400}},        // a header without a colon
        {"GET /healthz HTTP/1.1\r\n: empty-name\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nX Y: z\r\n\r\n", {400}},
        {"GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.12\r\nHost: x\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n", {400, 413}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", {400}},
        {"G\0T /healthz HTTP/1.1\r\nHost: x\r\n\r\n"s, {400}},
        {"GET /\0 HTTP/1.1\r\nHost: x\r\n\r\n"s, {400}},
        {"GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n", {400}},
        {"GET /healthz HTTP/1.1\r\nHost: \x01\x02\r\n\r\n", {400}},
        {"GET http://127.0.0.1/healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400}},  // absolute form
        {"GET healthz HTTP/1.1\r\nHost: x\r\n\r\n", {400}},
        {"OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", {400, 405}},
        {"CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n", {400, 405}},
        {"BREW /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405}},
        {"get /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {405}},  // methods are case-sensitive
        {"GET /?a=%zz HTTP/1.1\r\nHost: x\r\n\r\n", {400}},
        {"\x16\x03\x01\x02\x10\x01\x11\x01\xfc\x03\x03" + std::string(64, '\x42') + "\r\n\r\n", {400}},  // TLS hello
        {std::string(100, '\r') + std::string(100, '\n'), {400}},
        {"\r\n\r\n\r\n", {400}},
    };
    for (const Bad& b : bad) {
        const HttpResult r = raw_exchange(port, b.raw, Millis(3000));
        std::string shown;
        for (const char c : b.raw.substr(0, 100)) shown += (c >= 32 && c < 127) ? std::string(1, c) : "\\x" + std::to_string(static_cast<unsigned char>(c));
        BOOST_TEST(b.ok.count(r.status) == 1u, shown << " -> " << r.status << " " << r.body.substr(0, 80));
        BOOST_TEST(r.complete, shown << ": the connection was not closed");
    }
    // A body on a GET (within the limit) is read and skipped: the pipelined request behind it is answered.
    {
        const HttpResult r = raw_exchange(port,
                                          "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nGET /nope X"
                                          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        BOOST_TEST(r.status == 200);
        BOOST_TEST(r.body.find("HTTP/1.1 200 OK") != std::string::npos);
        BOOST_TEST(r.body.find("404") == std::string::npos);
    }
    {
        const HttpResult r = raw_exchange(port,
                                          "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                                          "5\r\nhello\r\n0\r\n\r\n"
                                          "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        BOOST_TEST(r.status == 200);
        BOOST_TEST(r.body.find("HTTP/1.1 200 OK") != std::string::npos);
    }
    // The server is still fine.
    BOOST_TEST(server.healthz().at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(huge_or_garbage_last_event_id) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(30, 1, 30);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const unsigned short port = server.port();
    const Watermark head = feed.head();
    std::string binary;
    for (int i = 0x20; i < 256; ++i)  // every byte a header value may hold (VCHAR, SP, obs-text)
        if (i != 0x7f) binary.push_back(static_cast<char>(i));
    const std::vector<std::string> ids = {
        std::string(15'000, '9'),                                   // huge, within the header limit
        "u" + std::string(12'000, '1') + ".t0.r0.g0",               // a huge number
        "u0.t0.r0.g0" + std::string(10'000, 'x'),
        "u18446744073709551616.t0.r0.g0",                          // 2^64
        "u9223372036854775807.t9223372036854775807.r9223372036854775807.g9223372036854775807",
        "u-1.t-1.r-1.g-1",
        "u1.t1.r1",
        "u1.t1.r1.g1.x1",
        "u0x10.t0.r0.g0",
        "u1e3.t0.r0.g0",
        "\xc0\xae\xc0\xae",
        binary,
        "%75%31.t0.r0.g0",
        "u1.t1.r1.g1, u2.t2.r2.g2",
    };
    for (const std::string& id : ids) {
        const std::string shown = id.substr(0, 40);
        SseClient c(port, {.last_event_id = id});
        BOOST_TEST_REQUIRE(c.status() == 200, shown);
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_TEST_REQUIRE(ready.has_value(), shown);
        const auto p = payload_of(*ready);
        const auto& replay = p.at("replay").as_object();
        // Ignored (the stream starts from now), or -- for the largest well-formed ids -- ahead of this
        // server: resync and go on from now. Never a replay of old rows.
        BOOST_TEST(int_of(replay.at("frames")) == 0, shown);
        BOOST_TEST((ready_watermark(*ready) == head), shown);
        if (replay.at("requested").is_null()) BOOST_TEST(replay.at("resync").as_bool() == false, shown);
    }
    // Control characters in it make a malformed header (400); past the header limit it is 431.
    for (const std::string& id : {"u1\x01.t0.r0.g0"s, "u1.t0\0.r0.g0"s, "\x7f"s}) {
        const HttpResult r = http_request(port, "/api/live/stream", {{"Last-Event-ID", id}});
        BOOST_TEST(r.status == 400);
    }
    {
        const HttpResult r = http_request(port, "/api/live/stream", {{"Last-Event-ID", std::string(20'000, '7')}});
        BOOST_TEST(r.status == 431);
    }
    // After garbage, the stream goes on from now: the next row arrives, nothing older.
    {
        SseClient c(port, {.last_event_id = std::string(15'000, 'z')});
        auto ready = c.next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        StreamChecker check;
        check.set_base(ready_watermark(*ready));
        feed.responses(3, 1, 3);
        const Watermark next = feed.head();
        BOOST_TEST(check.drain(c, next, Millis(3000)));
        check.expect_exactly(next, "after a garbage Last-Event-ID");
        BOOST_TEST(check.errors.empty());
        BOOST_TEST(check.events.front() == head.usage + 1);
    }
    BOOST_TEST(server.healthz().at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(path_traversal_on_the_wire) {
    // dist/ is served; a secret lies next to it, in a sibling whose name extends dist's, and behind
    // symlinks that point out of it.
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    const std::string kSecret = "TOP-SECRET-NEXT-TO-DIST";
    const fs::path web = dir / "web";
    const fs::path dist = web / "dist";
    write_file(dist / "index.html", "<!doctype html><title>dashboard</title>");
    write_file(dist / "assets" / "index-4f2a9c1b.js", "console.log('app')");
    write_file(web / "secret.txt", kSecret);
    write_file(web / "dist-secret" / "secret.txt", kSecret);
    write_file(web / ".env", kSecret);
    fs::create_symlink(web / "secret.txt", dist / "link.txt");
    fs::create_symlink(web / "secret.txt", dist / "link");
    fs::create_directory_symlink(web / "dist-secret", dist / "escape");
    LiveServer server(dir.path(), store, {"--no-watcher", "--static-dir", dist.string()});
    const unsigned short port = server.port();

    // Controls: the dashboard's files and routes are served.
    BOOST_TEST(http_request(port, "/assets/index-4f2a9c1b.js").body == "console.log('app')");
    BOOST_TEST(http_request(port, "/").body.find("<title>dashboard</title>") != std::string::npos);
    BOOST_TEST(http_request(port, "/live").body.find("<title>dashboard</title>") != std::string::npos);
    BOOST_TEST(http_request(port, "/sessions/12").status == 200);

    struct Attack {
        const char* target;
        int status;
    };
    const Attack attacks[] = {
        {"/../secret.txt", 400},
        {"/../../../../../../../../etc/passwd", 400},
        {"/assets/../../secret.txt", 400},
        {"/index.html/../../secret.txt", 400},
        {"/./index.html", 400},
        {"/%2e%2e/secret.txt", 400},
        {"/%2E%2E/secret.txt", 400},
        {"/.%2e/secret.txt", 400},
        {"/%2e./secret.txt", 400},
        {"/..%2fsecret.txt", 400},
        {"/..%2Fsecret.txt", 400},
        {"/%2e%2e%2fsecret.txt", 400},
        {"/assets%2f..%2f..%2fsecret.txt", 400},
        {"/%2fetc%2fpasswd", 400},
        {"/%2Fetc/passwd", 400},
        {"/..%5csecret.txt", 400},
        {"/..%5Csecret.txt", 400},
        {"/%5c..%5csecret.txt", 400},
        {"/..\\secret.txt", 400},
        {"/assets\\..\\..\\secret.txt", 400},
        {"/secret.txt%00.js", 400},
        {"/%00", 400},
        {"/index.html%00", 400},
        {"/.%00./secret.txt", 400},
        {"/%252e%252e/secret.txt", 400},
        {"/%252e%252e%252fsecret.txt", 400},
        {"/..%252fsecret.txt", 400},
        {"/%25%32%65%25%32%65/secret.txt", 400},
        {"/%c0%ae%c0%ae/secret.txt", 400},
        {"/%c0%af..%c0%afsecret.txt", 400},
        {"/%e0%80%ae%e0%80%ae/secret.txt", 400},
        {"/%c1%9c..%c1%9csecret.txt", 400},
        {"/%ff%fe/secret.txt", 400},
        {"/%0d%0aX-Injected:%20yes", 400},
        {"/%2", 400},
        {"/%zz", 400},
        {"/etc/passwd", 404},
        {"//etc/passwd", 404},
        {"///etc//passwd", 404},
        {"/secret.txt", 404},
        {"/dist-secret/secret.txt", 404},
        {"/..;/secret.txt", 404},
        {"/.env", 404},
        {"/.git/config", 404},
        {"/link.txt", 404},
        {"/link", 404},
        {"/escape/secret.txt", 404},
        {"/escape", 404},
        {"/assets", 404},
        {"/C:/Windows/win.ini", 404},
        {"/~root/.ssh/id_rsa", 404},
        {"/proc/self/environ", 404},
        {"/http://example.com/", 404},
    };
    for (const Attack& a : attacks) {
        for (const char* method : {"GET", "HEAD"}) {
            const HttpResult r =
                raw_exchange(port, std::string(method) + " " + a.target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
            BOOST_TEST(r.body.find(kSecret) == std::string::npos, method << " " << a.target << " leaked the secret");
            BOOST_TEST(r.body.find("<title>dashboard</title>") == std::string::npos, method << " " << a.target);
            BOOST_TEST(r.status == a.status, method << " " << a.target << " -> " << r.status << " (want " << a.status << ")");
            BOOST_TEST(r.header("x-injected").empty());
        }
    }
    // Raw bytes no client would send: a NUL, a space, a DEL in the path are refused by the parser.
    for (const std::string& raw : {"GET /\0../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"s,
                                  std::string("GET /.. /secret.txt HTTP/1.1\r\nHost: x\r\n\r\n"),
                                  std::string("GET /\x7f../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n")}) {
        const HttpResult r = raw_exchange(port, raw);
        BOOST_TEST(r.status == 400);
        BOOST_TEST(r.body.find(kSecret) == std::string::npos);
    }
    BOOST_TEST(server.healthz().at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(keepalive_idle_and_request_timeouts) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(5, 0, 5);
    LiveServer fast(dir.path(), store,
                    {"--no-watcher", "--keepalive-timeout-ms", "1500", "--request-timeout-ms", "3000", "--retry-ms", "4500"});
    LiveServer defaults(dir.path(), store, {"--no-watcher"}, "defaults");
    const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

    // Each check in its own thread: they wait in parallel.
    std::atomic<double> idle_after_response{-2}, idle_no_request{-2}, slowloris{-2}, never_reads{-2};
    std::atomic<int> kept_alive_answers{0}, default_answers{0};
    std::atomic<bool> stream_alive{false};
    std::atomic<int> stream_retry_ms{0};
    {
        std::vector<std::jthread> checks;
        // 1. Keep-alive: after a response, an idle connection is closed after ~1.5 s.
        checks.emplace_back([&] {
            LoopbackSocket s(fast.port());
            s.send_all(get);
            std::string in;
            const auto t0 = Clock::now();
            while (in.find("\"status\":\"ok\"") == std::string::npos && ms_since(t0) < 3000) s.recv_some(in, Millis(100));
            idle_after_response = ms_until_closed(s, Millis(6000));
        });
        // 2. Requests 1 s apart keep the connection alive (the idle timer restarts after each answer).
        checks.emplace_back([&] {
            LoopbackSocket s(fast.port());
            for (int i = 0; i < 3; ++i) {
                if (i) std::this_thread::sleep_for(Millis(1000));
                if (!s.send_all(get)) return;
                std::string in;
                const auto t0 = Clock::now();
                while (in.find("\"status\":\"ok\"") == std::string::npos && ms_since(t0) < 3000)
                    if (s.recv_some(in, Millis(100)) == 0) return;
                if (in.starts_with("HTTP/1.1 200")) ++kept_alive_answers;
            }
        });
        // 3. A connection that never sends a request: closed after the 3 s request timeout.
        checks.emplace_back([&] {
            LoopbackSocket s(fast.port());
            idle_no_request = ms_until_closed(s, Millis(8000));
        });
        // 4. Slowloris at one byte per 200 ms: the 3 s is for the whole request, not per byte.
        checks.emplace_back([&] {
            LoopbackSocket s(fast.port());
            const auto t0 = Clock::now();
            s.send_all("GET /healthz HTTP/1.1\r\nX-Slow: ");
            std::string in;
            while (ms_since(t0) < 8000) {
                const ssize_t n = s.recv_some(in, Millis(200));
                if (n == 0 || n == -2 || !s.send_all("a")) {
                    slowloris = ms_since(t0);
                    return;
                }
            }
        });
        // 5. A client that pipelines thousands of requests and never reads an answer: once the socket
        //    buffers fill, the pending write times out and the connection is closed.
        checks.emplace_back([&] {
            LoopbackSocket s(fast.port(), 4096);
            std::string many;
            for (int i = 0; i < 200; ++i) many += "GET /api/live/stats HTTP/1.1\r\nHost: x\r\n\r\n";
            const auto t0 = Clock::now();
            ::fcntl(s.fd(), F_SETFL, ::fcntl(s.fd(), F_GETFL) | O_NONBLOCK);
            // Keep sending (never reading) until the server closes: send fails with EPIPE/ECONNRESET.
            while (ms_since(t0) < 12'000) {
                const ssize_t n = ::send(s.fd(), many.data(), many.size(), MSG_NOSIGNAL);
                if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
                    never_reads = ms_since(t0);
                    return;
                }
                std::this_thread::sleep_for(Millis(50));
            }
        });
        // 6. Meanwhile a stream is not subject to the keep-alive timeout: it outlives it with rows flowing.
        checks.emplace_back([&] {
            SseClient c(fast.port());
            if (!c.next_of("ready", Millis(3000))) return;
            stream_retry_ms = c.retry_ms().value_or(0);  // --retry-ms reaches the stream's `retry:`
            const auto t0 = Clock::now();
            while (ms_since(t0) < 4000)
                if (!c.next(Millis(100)) && c.eof()) return;
            stream_alive = true;
        });
        // 7. The defaults (30 s keep-alive) do not cut in early: requests 2.5 s apart on one connection.
        checks.emplace_back([&] {
            LoopbackSocket s(defaults.port());
            for (int i = 0; i < 2; ++i) {
                if (i) std::this_thread::sleep_for(Millis(2500));
                if (!s.send_all(get)) return;
                std::string in;
                const auto t0 = Clock::now();
                while (in.find("\"status\":\"ok\"") == std::string::npos && ms_since(t0) < 3000)
                    if (s.recv_some(in, Millis(100)) == 0) return;
                if (in.starts_with("HTTP/1.1 200")) ++default_answers;
            }
        });
        // Rows land meanwhile, and a reader on another connection is answered promptly throughout.
        for (int i = 0; i < 20; ++i) {
            feed.responses(1);
            const auto t0 = Clock::now();
            BOOST_TEST(http_request(fast.port(), "/healthz").status == 200);
            BOOST_TEST(ms_since(t0) < 500.0);
            std::this_thread::sleep_for(Millis(200));
        }
    }
    BOOST_TEST(idle_after_response >= 1300.0);
    BOOST_TEST(idle_after_response <= 2800.0);
    BOOST_TEST(kept_alive_answers == 3);
    BOOST_TEST(idle_no_request >= 2800.0);
    BOOST_TEST(idle_no_request <= 4500.0);
    BOOST_TEST(slowloris >= 2800.0);
    BOOST_TEST(slowloris <= 4500.0);
    BOOST_TEST(never_reads > 0.0);  // closed, not held forever
    BOOST_TEST(never_reads <= 9000.0);
    BOOST_TEST(stream_alive);
    BOOST_TEST(stream_retry_ms == 4500);
    BOOST_TEST(default_answers == 2);
    LIVE_FIGURE("timeouts (keep-alive 1.5 s, request 3 s): idle keep-alive closed after " << idle_after_response
                << " ms, silent connection after " << idle_no_request << " ms, slowloris after " << slowloris
                << " ms, never-reading pipeliner after " << never_reads << " ms");
    BOOST_TEST(fast.healthz().at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(token_on_every_route_the_router_knows) {
    // The routes, from the router's source: every "/api..." and "/metrics" literal it matches on.
    std::set<std::string> routes;
    const std::regex literal(R"re("(/api(?:/[A-Za-z0-9_/.-]*)?|/metrics)")re");
    for (const char* file : {"server/http/Router.cpp", "server/http/ReportRoutes.cpp", "server/http/TranscriptRoutes.cpp"}) {
        const std::string src = slurp_file(repo_root() / file);
        BOOST_TEST_REQUIRE(!src.empty(), file);
        for (auto it = std::sregex_iterator(src.begin(), src.end(), literal); it != std::sregex_iterator(); ++it) {
            std::string r = (*it)[1];
            if (r.ends_with('/') && r != "/api/") r += "1";  // a prefix: one of its members
            routes.insert(r);
        }
    }
    for (const char* r : {"/api/live/stream", "/api/live/stats", "/metrics", "/api/config", "/api/overview",
                          "/api/sessions", "/api/sessions/1"})
        BOOST_TEST(routes.count(r) == 1u, r << " not found in the router's source");
    routes.insert({"/api", "/api/", "/api/nope", "/api/live", "/api/live/stats/", "/api/sessions/1/extra",
                   "/api/sessions/1/transcript"});  // TranscriptRoutes matches it by prefix and suffix
    BOOST_TEST_MESSAGE("routes checked: " << routes.size());

    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(3, 1, 3);
    LiveServer server(dir.path(), store, {"--no-watcher", "--token", "s3cret"});
    const unsigned short port = server.port();
    using H = std::vector<std::pair<std::string, std::string>>;
    const std::vector<std::pair<std::string, H>> refused = {
        {"no token", {}},
        {"wrong bearer", {{"Authorization", "Bearer nope"}}},
        {"empty bearer", {{"Authorization", "Bearer "}}},
        {"bare token", {{"Authorization", "s3cret"}}},
        {"prefix", {{"Authorization", "Bearer s3cre"}}},
        {"longer", {{"Authorization", "Bearer s3cret2"}}},
        {"case", {{"Authorization", "Bearer S3CRET"}}},
        {"basic", {{"Authorization", "Basic s3cret"}}},
        {"two spaces", {{"Authorization", "Bearer  s3cret"}}},
        {"wrong cookie", {{"Cookie", "agentpulse_token=nope"}}},
        {"cookie name", {{"Cookie", "xagentpulse_token=s3cret"}}},
        {"other header", {{"X-Token", "s3cret"}}},
    };
    for (const std::string& route : routes) {
        for (const char* method : {"GET", "HEAD"}) {
            for (const auto& [why, headers] : refused) {
                const HttpResult r = http_request(port, route, headers, method);
                BOOST_TEST(r.status == 401, method << " " << route << " with " << why << " -> " << r.status);
                BOOST_TEST(r.header("content-type") != "text/event-stream; charset=utf-8", route);
            }
            const std::string sep = route.find('?') == std::string::npos ? "?" : "&";
            for (const char* q : {"token=nope", "token=", "token=s3cret%00", "Token=s3cret", "token=S3CRET"}) {
                const HttpResult r = http_request(port, route + sep + q, {}, method);
                BOOST_TEST((r.status == 401 || r.status == 400), method << " " << route << "?" << q << " -> " << r.status);
            }
            // The right token in each accepted place opens it (404 only for routes that do not exist).
            for (const H& ok : {H{{"Authorization", "Bearer s3cret"}}, H{{"Authorization", "bearer s3cret"}},
                                H{{"Cookie", "a=b; agentpulse_token=s3cret"}}, H{}}) {
                const std::string target = ok.empty() ? route + sep + "token=s3cret" : route;
                if (route == "/api/live/stream" && std::string(method) == "GET") continue;  // never ends: below
                const HttpResult r = http_request(port, target, ok, method);
                BOOST_TEST(r.status != 401, method << " " << target << " with the token -> 401");
            }
        }
    }
    // The stream: refused without the right token (no event-stream), opened with it in each place.
    for (const SseClient::Options& o : {SseClient::Options{}, SseClient::Options{.authorization = "Bearer nope"},
                                        SseClient::Options{.cookie = "agentpulse_token=nope"},
                                        SseClient::Options{.target = "/api/live/stream?token=nope"},
                                        SseClient::Options{.target = "/api/live/stream?token=s3cre"}}) {
        SseClient c(port, o);
        BOOST_TEST(c.status() == 401);
        BOOST_TEST(c.head().header("content-type") == "application/json");
    }
    for (const SseClient::Options& o :
         {SseClient::Options{.authorization = "Bearer s3cret"}, SseClient::Options{.cookie = "agentpulse_token=s3cret"},
          SseClient::Options{.target = "/api/live/stream?token=s3cret"}}) {
        SseClient c(port, o);
        BOOST_TEST(c.status() == 200);
        BOOST_TEST(c.next_of("ready", Millis(3000)).has_value());
    }
    // Spellings that do not reach an API route do not reach its data either.
    for (const char* t : {"/API/live/stats", "//api/live/stats", "/%61pi/live/stats", "/metrics/", "/./api/live/stats",
                          "/api/../api/live/stats", "/Metrics"}) {
        const HttpResult r = http_request(port, t);
        BOOST_TEST(r.status != 200, t << " -> 200");
        BOOST_TEST(r.body.find("watermarks") == std::string::npos, t);
        BOOST_TEST(r.body.find("agentpulse_subscribers") == std::string::npos, t);
    }
    // Open without the token: /healthz (no activity data) and the dashboard's page.
    BOOST_TEST(http_request(port, "/healthz").status == 200);
    BOOST_TEST(http_request(port, "/").status == 200);
}

BOOST_AUTO_TEST_CASE(non_loopback_needs_a_token_or_allow_remote) {
    TempDir dir;
    const auto store = (dir / "s.db").string();
    RowFeeder feed(dir / "s.db");
    // Told explicitly (flag or environment), or with a token: it listens on all interfaces, and says so.
    struct Case {
        std::vector<std::string> extra;
        std::map<std::string, std::string> env;
        bool warns;
    };
    const std::vector<Case> cases = {
        {{"--allow-remote"}, {}, true},
        {{}, {{"AGENTPULSE_ALLOW_REMOTE", "true"}}, true},
        {{"--token", "t0k"}, {}, false},
    };
    int n = 0;
    for (const Case& c : cases) {
        std::vector<std::string> args = {AGENTPULSE_BINARY, "serve", "--port", "0", "--host", "0.0.0.0", "--store", store,
                                         "--no-watcher", "--static-dir", (dir / "none").string()};
        args.insert(args.end(), c.extra.begin(), c.extra.end());
        Process p(args, dir / "logs", "remote" + std::to_string(++n), c.env);
        unsigned short port = 0;
        BOOST_TEST_REQUIRE(eventually(
            [&] {
                const std::string out = p.out();
                const auto at = out.find("listening on http://0.0.0.0:");
                if (at == std::string::npos || out.find('\n', at) == std::string::npos) return !p.running();
                port = static_cast<unsigned short>(std::atoi(out.c_str() + at + 28));
                return true;
            },
            std::chrono::seconds(10)));
        BOOST_TEST_REQUIRE(port != 0, p.err());
        BOOST_TEST(http_request(port, "/healthz").status == 200);
        BOOST_TEST(http_request(port, "/api/live/stats").status == (c.warns ? 200 : 401));
        if (c.warns) BOOST_TEST(p.err().find("without a token") != std::string::npos, p.err());
        p.signal(SIGTERM);
        const auto st = p.wait_for(std::chrono::seconds(5));
        BOOST_TEST_REQUIRE(st.has_value());
        BOOST_TEST(st->code == 0);
    }
    // Without either: refused, exit 2, saying why (also for the environment's host).
    Process refused({AGENTPULSE_BINARY, "serve", "--port", "0", "--store", store, "--no-watcher"}, dir / "logs", "refused",
                    {{"AGENTPULSE_HOST", "0.0.0.0"}});
    const auto st = refused.wait_for(std::chrono::seconds(10));
    BOOST_TEST_REQUIRE(st.has_value());
    BOOST_TEST(st->code == 2);
    BOOST_TEST(refused.err().find("--allow-remote") != std::string::npos, refused.err());
}

BOOST_AUTO_TEST_CASE(dns_rebinding_host_names_refused_without_a_token) {
    // A web page can make the browser talk to 127.0.0.1 under the page's own (rebound) host name: without
    // a token, API routes answer only requests addressed to this machine by IP or localhost.
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(3, 1, 3);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const unsigned short port = server.port();
    auto get = [&](const std::string& target, const std::string& host) {
        return raw_exchange(port, "GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    };
    const std::string p = std::to_string(port);
    for (const std::string& host : {"rebind.attacker.example:" + p, "127.0.0.1.nip.io:" + p, "localhost.evil.com"s}) {
        for (const char* t : {"/api/live/stats", "/api/live/stream", "/metrics", "/api/sessions", "/api/config"}) {
            const HttpResult r = get(t, host);
            BOOST_TEST(r.status == 403, t << " for Host " << host << " -> " << r.status);
            BOOST_TEST(r.body.find("--token") != std::string::npos);
        }
    }
    for (const std::string& host : {"127.0.0.1:" + p, "localhost:" + p, "[::1]:" + p, "localhost"s}) {
        BOOST_TEST(get("/api/live/stats", host).status == 200, host);
    }
    BOOST_TEST(get("/healthz", "rebind.attacker.example").status == 200);  // no activity data there
    // With a token, a proxy's host name is fine (the token protects the data).
    LiveServer tokened(dir.path(), store, {"--no-watcher", "--token", "t0k"}, "tokened");
    const HttpResult r = raw_exchange(tokened.port(), "GET /api/live/stats HTTP/1.1\r\nHost: agentpulse.example.com\r\n"
                                                      "Authorization: Bearer t0k\r\nConnection: close\r\n\r\n");
    BOOST_TEST(r.status == 200);
}

BOOST_AUTO_TEST_CASE(no_watcher_holds_the_store_read_only) {
    // The sidecar case: every descriptor `serve --no-watcher` holds on the store file is read-only
    // (O_RDONLY in /proc/PID/fdinfo), whatever requests arrive. SQLite opens the -wal and -shm files
    // read-write whenever it can, even for a read-only connection (readers take their locks in -shm); the
    // connections themselves are SQLITE_OPEN_READONLY and never start a write transaction.
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(20, 1, 20);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    for (const char* t : {"/api/live/stats", "/api/overview", "/api/sessions", "/api/sessions/1", "/api/config", "/metrics"})
        BOOST_TEST(http_request(server.port(), t).status < 500, t);
    feed.responses(5, 1, 5);  // the server reads the WAL too
    BOOST_TEST_REQUIRE(eventually(
        [&] { return int_of(server.stats().at("watermarks").at("usage")) == feed.head().usage; }, std::chrono::seconds(5)));
    const fs::path fds = "/proc/" + std::to_string(server.pid()) + "/fd";
    int store_fds = 0;
    for (const auto& e : fs::directory_iterator(fds)) {
        std::error_code ec;
        const fs::path target = fs::read_symlink(e.path(), ec);
        if (ec || target.parent_path() != fs::canonical(dir.path())) continue;
        const std::string name = target.filename().string();
        if (name != "store.db") continue;
        std::ifstream info("/proc/" + std::to_string(server.pid()) + "/fdinfo/" + e.path().filename().string());
        std::string line;
        long flags = -1;
        while (std::getline(info, line))
            if (line.starts_with("flags:")) flags = std::strtol(line.c_str() + 6, nullptr, 8);
        BOOST_TEST((flags & O_ACCMODE) == O_RDONLY, name << " is open with flags " << std::oct << flags);
        ++store_fds;
    }
    BOOST_TEST(store_fds >= 3);  // the poller's and the report pool's connections at least
}

BOOST_AUTO_TEST_SUITE_END()
