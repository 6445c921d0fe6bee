// (h) Hostile and odd clients on real sockets: 404/405/400, oversized headers (431), slowloris (headers
// one byte at a time: closed by the 10 s request timeout), HTTP/1.0 stream clients, pipelined requests,
// HEAD of the stream, a stream client that talks too much; the token on every API route and the stream
// (header, cookie, ?token=) with /healthz open; a non-loopback --host without --token refused (exit 2).
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

int count_of(const std::string& hay, const std::string& needle) {
    int n = 0;
    for (auto p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1)) ++n;
    return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(hostile_clients)

BOOST_AUTO_TEST_CASE(bad_requests_slowloris_http10_pipelining) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    feed.responses(10, 1, 10);
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const unsigned short port = server.port();

    // Slowloris in the background: a header one byte every 250 ms. The request timeout (10 s for the
    // whole request) must close it; the test allows 9-13 s.
    std::atomic<double> slowloris_closed_ms{-1};
    std::atomic<int> slowloris_bytes{0};
    std::jthread slowloris([&] {
        LoopbackSocket s(port);
        const auto t0 = Clock::now();
        const std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
        s.send_all(head);
        std::string in;
        while (ms_since(t0) < 15'000) {
            const ssize_t n = s.recv_some(in, Millis(250));
            if (n == 0 || n == -2) {
                slowloris_closed_ms = ms_since(t0);
                return;
            }
            if (!s.send_all("a")) {
                slowloris_closed_ms = ms_since(t0);
                return;
            }
            ++slowloris_bytes;
        }
    });

    // Unknown API path, wrong methods, garbage.
    HttpResult r = http_request(port, "/api/nope");
    BOOST_TEST(r.status == 404);
    BOOST_TEST(r.header("content-type") == "application/json");
    r = http_request(port, "/api/live/stats", {}, "POST");
    BOOST_TEST(r.status == 405);
    BOOST_TEST(r.header("allow") == "GET, HEAD");
    r = http_request(port, "/api/live/stream", {}, "DELETE");
    BOOST_TEST(r.status == 405);
    r = http_request(port, "/", {}, "PUT");
    BOOST_TEST(r.status == 405);
    r = raw_exchange(port, "HELLO\r\n\r\n");
    BOOST_TEST(r.status == 400);
    BOOST_TEST(r.complete);
    r = raw_exchange(port, "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");
    BOOST_TEST(r.status == 400);
    r = raw_exchange(port, "GET healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // not an origin-form target
    BOOST_TEST(r.status == 400);

    // Oversized headers: 431, and the connection is closed.
    r = http_request(port, "/healthz", {{"X-Big", std::string(20'000, 'x')}});
    BOOST_TEST(r.status == 431);
    BOOST_TEST(r.complete);
    r = http_request(port, "/healthz?" + std::string(20'000, 'q'));
    BOOST_TEST(r.status == 414);  // the target alone is too long: URI Too Long (hostile_limits_test.cpp)
    std::vector<std::pair<std::string, std::string>> many;
    for (int i = 0; i < 400; ++i) many.emplace_back("X-H" + std::to_string(i), std::string(60, 'v'));
    r = http_request(port, "/healthz", many);
    BOOST_TEST(r.status == 431);
    // A body on a GET beyond the limit: 413 as soon as the length is known.
    r = raw_exchange(port, "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n");
    BOOST_TEST(r.status == 413);

    // HEAD of the stream: the headers, then the response ends (no never-ending body).
    r = http_request(port, "/api/live/stream", {}, "HEAD", Millis(3000));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.complete);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(r.header("content-type").starts_with("text/event-stream"));
    r = http_request(port, "/healthz", {}, "HEAD");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body.empty());
    BOOST_TEST(std::stoi(r.header("content-length")) > 0);

    // HTTP/1.0 stream client: close-delimited, no chunking, and frames arrive.
    {
        SseClient c(port, {.http_minor = 0});
        BOOST_TEST(c.head().status_line.starts_with("HTTP/1.0 200"));
        BOOST_TEST(c.head().header("transfer-encoding").empty());
        BOOST_TEST(c.head().header("content-length").empty());
        BOOST_TEST(c.head().header("content-type").starts_with("text/event-stream"));
        BOOST_TEST(c.head().header("cache-control") == "no-cache");
        BOOST_TEST(c.head().header("x-accel-buffering") == "no");
        BOOST_REQUIRE(c.next_of("ready", Millis(3000)));
        feed.responses(3, 0, 3);
        auto e = c.next_of("event", Millis(3000));
        BOOST_REQUIRE(e);
        BOOST_TEST(e->id.has_value());
    }
    // HTTP/1.1 stream client: the same headers, close-delimited too.
    {
        SseClient c(port);
        BOOST_TEST(c.head().status_line.starts_with("HTTP/1.1 200"));
        BOOST_TEST(c.head().header("transfer-encoding").empty());
        BOOST_TEST(c.head().header("connection") == "close");
    }

    // Pipelined requests in one write: three answers in order on one connection.
    r = raw_exchange(port,
                     "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /api/live/stats HTTP/1.1\r\nHost: x\r\n\r\n"
                     "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.complete);
    BOOST_TEST(count_of(r.body, "HTTP/1.1 200 OK") == 2);  // the 2nd and 3rd, after the first's body
    const auto p_stats = r.body.find("\"watermarks\"");
    const auto p_metrics = r.body.find("agentpulse_subscribers");
    BOOST_TEST(p_stats != std::string::npos);
    BOOST_TEST(p_metrics != std::string::npos);
    BOOST_TEST(p_stats < p_metrics);
    // Pipelined, ending in the stream: the first answer, then the stream on the same connection.
    {
        LoopbackSocket s(port);
        s.send_all(
            "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /api/live/stream HTTP/1.1\r\nHost: x\r\n\r\n");
        std::string in;
        const auto t0 = Clock::now();
        while (in.find("event: ready") == std::string::npos && ms_since(t0) < 3000)
            s.recv_some(in, Millis(200));
        BOOST_TEST(in.find("\"status\":\"ok\"") != std::string::npos);
        BOOST_TEST(in.find("text/event-stream") != std::string::npos);
        BOOST_TEST(in.find("event: ready") != std::string::npos);
    }

    // A stream client that keeps talking after its request is cut off (it has nothing to say).
    {
        SseClient c(port);
        BOOST_REQUIRE(c.next_of("ready", Millis(3000)));
        const std::string junk(8192, 'j');
        bool refused = false;
        for (int i = 0; i < 64 && !refused; ++i) refused = !c.socket().send_all(junk);
        BOOST_TEST(c.wait_closed(Millis(3000)));
    }

    slowloris.join();
    BOOST_TEST(slowloris_closed_ms > 9'000.0);
    BOOST_TEST(slowloris_closed_ms < 13'000.0);
    LIVE_FIGURE("slowloris (1 byte / 250 ms) closed after " << slowloris_closed_ms << " ms, "
                                                            << slowloris_bytes << " bytes sent");
    BOOST_TEST(server.healthz().at("status").as_string() == "ok");
}

BOOST_AUTO_TEST_CASE(token_on_every_api_route_and_the_stream) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    LiveServer server(dir.path(), store, {"--no-watcher", "--token", "s3cret"});
    const unsigned short port = server.port();
    using H = std::vector<std::pair<std::string, std::string>>;
    const H none, bearer{{"Authorization", "Bearer s3cret"}},
        cookie{{"Cookie", "a=1; agentpulse_token=s3cret"}}, wrong{{"Authorization", "Bearer nope"}};

    BOOST_TEST(http_request(port, "/healthz").status == 200);
    BOOST_TEST(http_request(port, "/").status == 200);  // the page carries no data
    for (const char* path : {"/api/live/stats", "/metrics", "/api/nope", "/api/live/stats?tz=UTC",
                             "/api/config", "/api/overview", "/api/sessions", "/api/sessions/1"}) {
        BOOST_TEST(http_request(port, path, none).status == 401, path);
        BOOST_TEST(http_request(port, path, wrong).status == 401, path);
        const HttpResult r = http_request(port, path, none);
        BOOST_TEST(r.header("www-authenticate").starts_with("Bearer"), path);
    }
    BOOST_TEST(http_request(port, "/api/live/stats", bearer).status == 200);
    BOOST_TEST(http_request(port, "/api/live/stats", cookie).status == 200);
    BOOST_TEST(http_request(port, "/api/live/stats?token=s3cret").status == 200);
    BOOST_TEST(http_request(port, "/metrics", bearer).status == 200);
    BOOST_TEST(http_request(port, "/api/nope", bearer).status == 404);
    for (const char* path : {"/api/config", "/api/overview", "/api/sessions"})
        BOOST_TEST(http_request(port, path, bearer).status == 200, path);

    BOOST_TEST(SseClient(port).status() == 401);
    BOOST_TEST(SseClient(port, {.authorization = "Bearer nope"}).status() == 401);
    BOOST_TEST(SseClient(port, {.target = "/api/live/stream?token=nope"}).status() == 401);
    for (const SseClient::Options& o :
         {SseClient::Options{.authorization = "Bearer s3cret"},
          SseClient::Options{.cookie = "agentpulse_token=s3cret"},
          SseClient::Options{.target = "/api/live/stream?token=s3cret"},
          SseClient::Options{.target = "/api/live/stream?tz=Europe/Berlin&token=s3cret"}}) {
        SseClient c(port, o);
        BOOST_TEST(c.status() == 200);
        BOOST_TEST(c.next_of("ready", Millis(3000)).has_value());
    }
}

BOOST_AUTO_TEST_CASE(non_loopback_host_without_token_is_refused) {
    TempDir dir;
    for (const char* host : {"0.0.0.0", "::", "192.0.2.10"}) {
        Process p({AGENTPULSE_BINARY, "serve", "--port", "0", "--host", host, "--store",
                   (dir / "s.db").string(), "--no-watcher"},
                  dir / "logs", "host");
        const auto st = p.wait_for(std::chrono::seconds(10));
        BOOST_REQUIRE_MESSAGE(st, "serve --host " << host << " did not exit");
        BOOST_TEST(st->exited);
        BOOST_TEST(st->code == 2, host);
        BOOST_TEST(p.err().find("--token") != std::string::npos, p.err());
        BOOST_TEST(p.out().find("listening") == std::string::npos);
    }
    Process bad({AGENTPULSE_BINARY, "serve", "--port", "0", "--host", "not-an-ip", "--store",
                 (dir / "s.db").string()},
                dir / "logs", "badhost");
    const auto st = bad.wait_for(std::chrono::seconds(10));
    BOOST_REQUIRE(st);
    BOOST_TEST(st->code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
