// Fuzz target: raw bytes from a client through the server's request handling, exactly as a connection
// runs it (http/HttpServer.cpp): read_requests() (Beast's request parser with the server's header and
// body limits and its 400/413/431 verdicts, pipelined requests, the bytes delivered whole and a few at a
// time like a slowloris client), then route_request() (target and query decoding, Auth with a token, the
// API routes' parameters, ?tz=, ?since=, Last-Event-ID), plan_stream() for streams (replay from the
// ring, the preamble), the dashboard reports run on an empty store, and the static file server on a
// dashboard folder with a secret file and symlinks beside it.
//
// Oracles besides the sanitizers: no answer ever carries the secret file's bytes (path traversal), and
// nothing but a 401 or 404 answers an API route unless the request carried the token.
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "core/SseFrame.hpp"
#include "http/HttpServer.hpp"
#include "http/Router.hpp"
#include "store/Migrations.hpp"
#include "report/ReportQueries.hpp"

using namespace agentpulse;
namespace fs = std::filesystem;

namespace {

constexpr const char* kToken = "s3cret-T0ken";
// The secret file's bytes hold a quote and a control character: error answers are JSON and may echo the
// request's path or host (`no such API route: /api/...`), and JSON escapes both, so an echo of a request
// that names the secret can never match; only the file's own bytes can. (A plain string here was found
// by the fuzzer, which learned it from the oracle's own memmem and put it in a path.)
constexpr const char* kSecret = "TOP\"SECRET\x01" "CONTENT";

fs::path g_dir;

void write_file(const fs::path& p, std::string_view data) {
    fs::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << data;
}

struct World {
    boost::asio::io_context io;
    Broadcaster broadcaster{boost::asio::make_strand(io), 16};
    Poller poller{PollerOptions{}, broadcaster};
    ServerContext ctx;
    Database db{":memory:", Database::Mode::ReadWrite};
    std::unique_ptr<ReportQueries> reports;

    explicit World(const fs::path& root) : ctx{broadcaster, poller, {}, StaticFiles(root), kToken} {
        migrate(db);
        reports = std::make_unique<ReportQueries>(db);
        // A ring that has moved on: 24 frames through a ring of 16, so Last-Event-ID can be behind it,
        // inside it, or ahead of the head.
        Watermark w;
        for (int i = 1; i <= 24; ++i) {
            RingFrame f;
            f.stream = static_cast<Stream>(i % 4);
            w[f.stream] += 3;
            f.key = w[f.stream];
            f.composite = w;
            SseIdFrame s = sse_id_frame("event", w.to_string(), "{}");
            f.bytes = std::make_shared<const std::string>(std::move(s.bytes));
            f.id_begin = s.id_begin;
            f.id_end = s.id_end;
            broadcaster.ring().push(std::move(f));
        }
        broadcaster.set_head(w);
    }
};

World* g_world = nullptr;

[[noreturn]] void fail(const char* what, const HttpRequest& req) {
    std::fprintf(stderr, "http_request_fuzz: %s\n  method=%s target=%s\n", what, req.method.c_str(), req.target.c_str());
    std::abort();
}

// Whether the request carries the token anywhere a client can put it (checked loosely on purpose: the
// router's own Auth decides; this only catches answers given to requests that could not have had it).
bool carries_token(const HttpRequest& req) {
    const auto has = [](std::string_view s) { return s.find(kToken) != std::string_view::npos; };
    if (has(req.authorization) || has(req.cookie)) return true;
    for (const auto& [k, v] : req.query)
        if (has(v)) return true;
    return false;
}

void handle(HttpRequest req) {
    World& w = *g_world;
    Route r = route_request(req, w.ctx);
    const bool api = req.path == "/metrics" || req.path == "/api" || req.path.starts_with("/api/");
    if (auto* res = std::get_if<HttpResponse>(&r)) {
        if (res->body.find(kSecret) != std::string::npos) fail("the secret file was served", req);
        if (res->status < 100 || res->status > 599) fail("status out of range", req);
        if (api && res->status != 401 && res->status != 405 && res->status != 400 && !carries_token(req))
            fail("an API route answered without the token", req);
        return;
    }
    if (!api || !carries_token(req)) fail("a data route was opened without the token", req);
    if (auto* s = std::get_if<StreamRoute>(&r)) {
        const StreamStart st = plan_stream(req, *s, w.ctx);
        const FrameRing& ring = w.broadcaster.ring();
        if (st.start < ring.begin_seq() || st.start > ring.end_seq()) fail("stream starts outside the ring", req);
        if (st.resync && st.base) fail("a resync stream has a base watermark", req);
        if (!st.preamble.starts_with("HTTP/1.")) fail("bad stream preamble", req);
        if (!s->tz.empty() && s->tz.find_first_of("\r\n") != std::string::npos) fail("newline in the stream's tz", req);
        return;
    }
    if (auto* q = std::get_if<QueryRoute>(&r)) {
        try {
            const HttpResponse res = q->run(*w.reports);
            if (res.status != 200 && res.status != 404) fail("a report failed on an empty store", req);
        } catch (const StoreError&) {
            fail("a report threw StoreError on an empty store", req);
        }
    }
    // PollerRoute: runs on the poller's thread against a started poller; its parameters (tz, window) are
    // checked by the router and the poller's own clamps.
}

}  // namespace

// Boost assertions of http/HttpServer.cpp (built with BOOST_ENABLE_ASSERT_HANDLER in fuzz builds, see
// fuzz/CMakeLists.txt): all abort, but Beast 1.81's wrong `n >= 5` in parse_chunk_header
// (boostorg/beast#2861), whose following code handles the case correctly.
namespace boost {
void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file, long line) {
    std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s\n", file, line, function, expr, msg ? ": " : "",
                 msg ? msg : "");
    std::abort();
}
void assertion_failed(char const* expr, char const* function, char const* file, long line) {
    if (std::string_view(expr) == "n >= 5" && std::string_view(file).ends_with("basic_parser.ipp")) return;
    assertion_failed_msg(expr, nullptr, function, file, line);
}
}  // namespace boost

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    g_dir = base / ("agentpulse-fuzz-http-" + std::to_string(::getpid()));
    const fs::path root = g_dir / "dist";
    write_file(root / "index.html", "<!doctype html><title>app</title>");
    write_file(root / "assets" / "index-4f2a9c1b.js", "console.log(1)");
    write_file(root / "logo.svg", "<svg/>");
    write_file(g_dir / "secret.txt", kSecret);
    write_file(g_dir / "dist-secret" / "secret.txt", kSecret);  // a sibling whose name extends the root's
    std::error_code ec;
    fs::create_symlink(g_dir / "secret.txt", root / "link.txt", ec);
    fs::create_directory_symlink(g_dir / "dist-secret", root / "escape", ec);
    g_world = new World(root);
    std::atexit([] {
        delete g_world;
        std::error_code ec2;
        fs::remove_all(g_dir, ec2);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return -1;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const ServerLimits limits;  // the server's defaults
    // Whole, then a few bytes per read (the parser sees every partial state, as with a slow client).
    const std::size_t chunks[] = {size ? size : 1, 1 + size % 13};
    for (const std::size_t chunk : chunks) {
        const std::vector<RequestRead> reads = read_requests(bytes, limits, chunk);
        for (const RequestRead& rr : reads) {
            if (!rr.request) {
                if (rr.error_status != 400 && rr.error_status != 413 && rr.error_status != 414 && rr.error_status != 431)
                    std::abort();  // read_requests only reports answered errors
                continue;
            }
            handle(*rr.request);
        }
    }
    return 0;
}
