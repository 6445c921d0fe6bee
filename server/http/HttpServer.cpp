// See HttpServer.hpp. Coroutines follow Beast's http_server_awaitable (boost-1.81.0): errors as values
// via as_tuple, one coroutine per connection, parameters by value.
#include "http/HttpServer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/SseFrame.hpp"
#include "http/Router.hpp"
#include "http/SseSession.hpp"
#include "live/LiveFrames.hpp"

namespace agentpulse {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

void log_failure(std::exception_ptr e, const char* what) {
    if (!e) return;
    try {
        std::rethrow_exception(e);
    } catch (const std::exception& ex) {
        spdlog::error("{} failed: {}", what, ex.what());
    }
}

net::awaitable<HttpResponse> run_on_poller(PollerRoute r, Poller* poller) { co_return r.run(*poller); }

net::awaitable<HttpResponse> run_on_pool(QueryRoute r, QueryPool* pool) { co_return pool->run(r.run); }

// The stream's preamble: status line and headers (close-delimited body: no length, no chunking, so
// HTTP/1.0 clients work too), retry, ready, and the newest control frames.
std::string stream_preamble(const HttpRequest& req, const StreamRoute& s, const ServerContext& ctx,
                            const boost::json::object& replay) {
    std::string p = req.version == 10 ? "HTTP/1.0 200 OK\r\n" : "HTTP/1.1 200 OK\r\n";
    p += "Content-Type: text/event-stream; charset=utf-8\r\n"
         "Cache-Control: no-cache\r\n"
         "X-Accel-Buffering: no\r\n"
         "Connection: close\r\n\r\n";
    p += sse_retry(ctx.limits.retry_ms);
    boost::json::object ready;
    ready["server_version"] = AGENTPULSE_VERSION;
    ready["watermarks"] = watermark_payload(ctx.broadcaster.head());
    ready["watcher"] = watcher_payload(ctx.poller.watcher_state());
    ready["burn_interval_s"] = 5;
    ready["heartbeat_s"] = ctx.limits.heartbeat_ms / 1000;
    ready["retry_ms"] = ctx.limits.retry_ms;
    ready["tz"] = s.tz;
    if (!s.tz_error.empty()) ready["tz_error"] = s.tz_error;
    ready["replay"] = replay;
    ready["sessions_event"] = "sessions";
    ready["demo"] = ctx.info && ctx.info->demo;
    p += sse_frame("ready", sse_data_json("ready", ready, now_epoch_ms()));
    if (auto w = ctx.broadcaster.latest_watcher()) p += *w;
    if (auto b = ctx.broadcaster.latest_burn(s.tz)) p += *b;
    if (auto ss = ctx.broadcaster.latest_sessions()) p += *ss;
    return p;
}

}  // namespace

HttpServer::HttpServer(net::io_context& io, ServerContext& ctx) : io_(io), ctx_(ctx), acceptor_(io), sweep_timer_(io) {}

HttpServer::~HttpServer() = default;

tcp::endpoint HttpServer::listen(const std::string& host, unsigned short port) {
    const auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host);
    const tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen(net::socket_base::max_listen_connections);
    acceptor_.non_blocking(true);  // accept_loop drains the queue with plain accept() calls
    return acceptor_.local_endpoint();
}

void HttpServer::start() {
    net::co_spawn(io_, accept_loop(), [](std::exception_ptr e) { log_failure(e, "accept loop"); });
    sweep();
}

void HttpServer::stop() {
    if (stopped_) return;
    stopped_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    sweep_timer_.cancel();
    for (tcp::socket* s : open_) {
        s->shutdown(tcp::socket::shutdown_both, ec);
        s->close(ec);
    }
    ctx_.broadcaster.close_all();
}

void HttpServer::sweep() {
    if (stopped_) return;
    ctx_.broadcaster.sweep(steady_now_ms(), ctx_.limits.heartbeat_ms, ctx_.limits.stall_ms);
    sweep_timer_.expires_after(std::chrono::seconds(1));
    sweep_timer_.async_wait([this](boost::system::error_code ec) {
        if (!ec) sweep();
    });
}

void HttpServer::reject(tcp::socket socket) {
    ++ctx_.rejected;
    static const std::string body = R"({"error":{"status":503,"message":"too many connections; retry later"}})";
    const std::string res = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\n"
                            "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    boost::system::error_code ec;
    socket.non_blocking(true, ec);
    socket.write_some(net::buffer(res), ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
    socket.close(ec);
}

net::awaitable<void> HttpServer::accept_loop() {
    std::chrono::milliseconds backoff{10};
    net::steady_timer pause(io_);
    while (!stopped_) {
        auto [ec, socket] = co_await acceptor_.async_accept(net::as_tuple(net::use_awaitable));
        if (stopped_ || ec == net::error::operation_aborted) break;
        if (ec) {
            // EMFILE and friends under load: wait and try again, never give up on listening.
            spdlog::warn("accept failed: {} (retrying in {} ms)", ec.message(), backoff.count());
            pause.expires_after(backoff);
            co_await pause.async_wait(net::as_tuple(net::use_awaitable));
            backoff = std::min(backoff * 2, std::chrono::milliseconds(1000));
            continue;
        }
        backoff = std::chrono::milliseconds(10);
        if (ctx_.connections + ctx_.sse.active >= ctx_.limits.max_connections) {
            reject(std::move(socket));
            continue;
        }
        net::co_spawn(io_, serve_connection(std::move(socket)), [](std::exception_ptr e) { log_failure(e, "connection"); });
        // A reconnect storm (a restart under thousands of streams) fills the kernel's accept queue (somaxconn,
        // 4,096) faster than requests are served; an overflowing queue drops SYNs that clients retry only
        // after 1 s, then 3 s. Take what is queued now (the acceptor is non-blocking), so that connections
        // wait in our queue instead. At most 256 at a time: the cap's headroom (1,000 files) covers them.
        for (int i = 0; i < 256 && !stopped_; ++i) {
            boost::system::error_code aec;
            tcp::socket more = acceptor_.accept(aec);
            if (aec) break;
            if (ctx_.connections + ctx_.sse.active >= ctx_.limits.max_connections) {
                reject(std::move(more));
                continue;
            }
            net::co_spawn(io_, serve_connection(std::move(more)), [](std::exception_ptr e) { log_failure(e, "connection"); });
        }
    }
}

net::awaitable<void> HttpServer::serve_connection(tcp::socket socket) {
    ++ctx_.connections;
    struct Count {
        ServerContext& c;
        ~Count() { --c.connections; }
    } count{ctx_};
    beast::tcp_stream stream(std::move(socket));
    tcp::socket* raw = &stream.socket();
    open_.insert(raw);
    struct Unlist {
        std::set<tcp::socket*>& set;
        tcp::socket* s;
        ~Unlist() { set.erase(s); }
    } unlist{open_, raw};

    beast::flat_buffer buffer;
    bool first = true;
    while (!stopped_) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(ctx_.limits.header_limit));
        parser.body_limit(ctx_.limits.body_limit);
        stream.expires_after(std::chrono::milliseconds(first ? ctx_.limits.request_timeout_ms
                                                             : ctx_.limits.keepalive_timeout_ms));
        first = false;
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        if (ec) {
            int status = 0;
            if (ec == http::error::header_limit) status = 431;
            else if (ec == http::error::body_limit) status = 413;
            else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                     ec != http::error::end_of_stream && ec != http::error::partial_message)
                status = 400;
            if (status) {
                http::response<http::string_body> res{static_cast<http::status>(status), 11};
                res.set(http::field::content_type, "application/json");
                res.set(http::field::connection, "close");
                res.body() = HttpResponse::error(status, ec.message()).body;
                res.prepare_payload();
                stream.expires_after(std::chrono::seconds(2));
                co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
            }
            break;
        }
        const auto& msg = parser.get();
        HttpRequest req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.version = msg.version();
        req.authorization = std::string(msg[http::field::authorization]);
        req.cookie = std::string(msg[http::field::cookie]);
        req.last_event_id = std::string(msg["Last-Event-ID"]);
        Route route_result = parse_target(req.target, req.path, req.query)
                                 ? route(req, ctx_)
                                 : Route{HttpResponse::error(400, "malformed request target")};

        if (auto* s = std::get_if<StreamRoute>(&route_result)) {
            stream.expires_never();
            const FrameRing& ring = ctx_.broadcaster.ring();
            std::uint64_t start = ring.end_seq();
            std::optional<Watermark> base;
            bool resync = false;
            boost::json::object replay;
            replay["requested"] = s->from ? boost::json::value(s->from->to_string()) : boost::json::value(nullptr);
            if (s->from) {
                if (!s->from->covered_by(ctx_.broadcaster.head())) {
                    resync = true;  // ahead of this server: another store, or the store was rebuilt
                } else if (!ring.evicted_through().covered_by(*s->from)) {
                    resync = true;  // rows it missed are no longer held
                } else {
                    start = ring.first_needed(*s->from);
                    base = s->from;
                }
            }
            replay["frames"] = ring.end_seq() - start;
            replay["resync"] = resync;
            std::string preamble = stream_preamble(req, *s, ctx_, replay);
            open_.erase(raw);
            auto session = std::make_shared<SseSession>(stream.release_socket(), ctx_.broadcaster, ctx_.sse, s->tz);
            session->start(std::move(preamble), start, base, resync);
            co_return;
        }

        HttpResponse res;
        if (auto* r = std::get_if<HttpResponse>(&route_result)) {
            res = std::move(*r);
        } else if (auto* q = std::get_if<QueryRoute>(&route_result)) {
            // Reports run on the query pool: never on this thread, nor on the poller's.
            if (!ctx_.queries) {
                res = HttpResponse::error(503, "reports are not available on this server");
            } else if (!ctx_.queries->try_enter()) {
                res = HttpResponse::error(503, "too many report queries waiting; retry shortly");
                res.headers.emplace_back("Retry-After", "1");
            } else {
                res = co_await net::co_spawn(ctx_.queries->executor(), run_on_pool(std::move(*q), ctx_.queries),
                                             net::use_awaitable);
            }
        } else {
            try {
                res = co_await net::co_spawn(ctx_.poller.executor(),
                                             run_on_poller(std::move(std::get<PollerRoute>(route_result)), &ctx_.poller),
                                             net::use_awaitable);
            } catch (const std::exception& e) {
                spdlog::warn("{}: {}", req.path, e.what());
                res = HttpResponse::error(500, std::string("store read failed: ") + e.what());
            }
        }
        const bool keep_alive = msg.keep_alive();
        auto fill = [&](auto& out) {
            out.set(http::field::server, "agentpulse/" AGENTPULSE_VERSION);
            out.set(http::field::content_type, res.content_type);
            out.set("X-Content-Type-Options", "nosniff");
            for (const auto& [k, v] : res.headers) out.set(k, v);
            out.keep_alive(keep_alive);
        };
        stream.expires_after(std::chrono::milliseconds(ctx_.limits.request_timeout_ms));
        boost::system::error_code wec;
        if (req.method == "HEAD") {
            http::response<http::empty_body> out{static_cast<http::status>(res.status), msg.version()};
            fill(out);
            out.content_length(res.body.size());  // that of the GET body
            std::tie(wec, std::ignore) = co_await http::async_write(stream, out, net::as_tuple(net::use_awaitable));
        } else {
            http::response<http::string_body> out{static_cast<http::status>(res.status), msg.version()};
            fill(out);
            out.body() = std::move(res.body);
            out.prepare_payload();
            std::tie(wec, std::ignore) = co_await http::async_write(stream, out, net::as_tuple(net::use_awaitable));
        }
        if (wec || !keep_alive) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace agentpulse
