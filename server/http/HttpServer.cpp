// See HttpServer.hpp. Coroutines follow Beast's http_server_awaitable (boost-1.81.0): errors as values
// via as_tuple, one coroutine per connection, parameters by value.
#include "http/HttpServer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <spdlog/spdlog.h>

#include "core/SseFrame.hpp"
#include "core/StreamEvents.hpp"
#include "http/Router.hpp"
#include "http/SseSession.hpp"
#include "live/LiveFrames.hpp"

namespace agentpulse {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// The parser of one request, as every connection configures it.
void configure(http::request_parser<http::string_body>& parser, const ServerLimits& limits) {
    parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
    parser.body_limit(limits.body_limit);
}

// The status a failed read is answered with; 0: close without an answer (the peer went away).
int read_error_status(const boost::system::error_code& ec) {
    if (ec == http::error::header_limit) return 431;
    if (ec == http::error::body_limit) return 413;
    if (ec.category() == http::make_error_code(http::error::bad_target).category() && ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
        return 400;
    return 0;
}

// A header_limit error is 414 URI Too Long when the request line is to blame (it did not even end within the
// limit, or its target is past limits.target_limit), else 431. `parsed_target`: the parser's target, empty
// while the request line is incomplete (Beast consumes the request line and whole fields as it goes, so
// the bytes left in the buffer cannot tell).
int header_limit_status(std::string_view parsed_target, const ServerLimits& limits) {
    return parsed_target.empty() || parsed_target.size() > limits.target_limit ? 414 : 431;
}

// A request Beast parsed that is refused anyway (then the connection is closed): 414 for a target past
// limits.target_limit, 400 for a Transfer-Encoding that does not end in chunked (RFC 9112 6.3: its length
// cannot be known; a smuggling shape). 0: fine.
std::pair<int, const char*> refused_request(const http::request<http::string_body>& msg, const ServerLimits& limits) {
    if (msg.target().size() > limits.target_limit) return {414, "request target too long"};
    if (msg.find(http::field::transfer_encoding) != msg.end() && !msg.chunked())
        return {400, "a request's Transfer-Encoding must end in chunked"};
    return {0, ""};
}

// What the router sees of a parsed request (target not yet split: route_request does that).
HttpRequest to_request(const http::request<http::string_body>& msg) {
    HttpRequest req;
    req.method = std::string(msg.method_string());
    req.target = std::string(msg.target());
    req.version = msg.version();
    req.authorization = std::string(msg[http::field::authorization]);
    req.cookie = std::string(msg[http::field::cookie]);
    req.last_event_id = std::string(msg["Last-Event-ID"]);
    req.host = std::string(msg[http::field::host]);
    req.content_type = std::string(msg[http::field::content_type]);
    req.content_encoding = std::string(msg[http::field::content_encoding]);
    return req;
}

// A SyncReadStream over bytes in memory, `chunk` bytes per read, then end of file.
class MemoryReadStream {
public:
    MemoryReadStream(std::string_view data, std::size_t chunk) : data_(data), chunk_(std::max<std::size_t>(chunk, 1)) {}
    template <class Buffers>
    std::size_t read_some(const Buffers& b) {
        boost::system::error_code ec;
        const std::size_t n = read_some(b, ec);
        if (ec) throw boost::system::system_error(ec);
        return n;
    }
    template <class Buffers>
    std::size_t read_some(const Buffers& b, boost::system::error_code& ec) {
        ec = {};
        if (data_.empty()) {
            ec = net::error::eof;
            return 0;
        }
        const std::size_t n = net::buffer_copy(b, net::buffer(data_.data(), std::min(chunk_, data_.size())));
        data_.remove_prefix(n);
        return n;
    }

private:
    std::string_view data_;
    std::size_t chunk_;
};

net::awaitable<HttpResponse> run_on_poller(PollerRoute r, Poller* poller) { co_return r.run(*poller); }

net::awaitable<HttpResponse> run_on_pool(QueryRoute r, QueryPool* pool) { co_return run_query(*pool, r); }

// An OTLP request's records go to the store writer's inbox; the answer waits (without blocking the thread)
// until the writer says it committed them, or until the receiver's wait runs out.
struct OtlpWaiter {
    explicit OtlpWaiter(net::any_io_executor ex) : timer(std::move(ex)) {}
    net::steady_timer timer;
    std::optional<InboxOutcome> outcome;
};

net::awaitable<HttpResponse> write_telemetry(OtlpWrite w, OtlpReceiver* rx) {
    auto waiter = std::make_shared<OtlpWaiter>(co_await net::this_coro::executor);
    waiter->timer.expires_after(std::chrono::milliseconds(rx->commit_wait_ms));
    // On the writer's thread: hand the outcome back to this connection's executor.
    auto done = [waiter](InboxOutcome o) {
        auto deliver = [waiter, o = std::move(o)]() mutable {
            waiter->outcome = std::move(o);
            waiter->timer.cancel();
        };
        net::post(waiter->timer.get_executor(), std::move(deliver));
    };
    w.job.done = std::move(done);
    if (!rx->inbox.try_push(std::move(w.job))) co_return otlp_busy_answer(w, rx->inbox.closed(), rx->counters);
    // The outcome is posted to this executor, so it cannot arrive before the wait below has started.
    co_await waiter->timer.async_wait(net::as_tuple(net::use_awaitable));
    co_return otlp_write_answer(w, waiter->outcome ? &*waiter->outcome : nullptr, rx->counters);
}

// The stream's preamble: status line and headers (close-delimited body: no length, no chunking, so
// HTTP/1.0 clients work too), retry, ready, and the newest control frames.
std::string stream_preamble(const HttpRequest& req, const StreamRoute& s, const ServerContext& ctx,
                            const boost::json::object& replay, const Watermark& position) {
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
    ready["burn_interval_s"] = static_cast<double>(ctx.poller.tick_interval().count()) / 1000.0;
    ready["heartbeat_s"] = ctx.limits.heartbeat_ms / 1000;
    ready["retry_ms"] = ctx.limits.retry_ms;
    ready["tz"] = s.tz;
    if (!s.tz_error.empty()) ready["tz_error"] = s.tz_error;
    ready["replay"] = replay;
    ready["sessions_event"] = event_name(StreamEvent::Sessions);
    ready["demo"] = ctx.info && ctx.info->demo;
    // `ready` carries the stream's starting position as its id, so a client that sees no row before it
    // reconnects still resumes from here (EventSource sends the last id it saw as Last-Event-ID).
    const std::string_view type = event_name(StreamEvent::Ready);
    p += sse_frame(type, position.to_string(), sse_data_json(type, ready, now_epoch_ms()));
    if (auto w = ctx.broadcaster.latest_watcher()) p += *w;
    if (auto b = ctx.broadcaster.latest_burn(s.tz)) p += *b;
    if (auto ss = ctx.broadcaster.latest_sessions()) p += *ss;
    if (auto l = ctx.broadcaster.latest_limits()) p += *l;
    return p;
}

// A refusal that ends the connection: the status and why, as JSON, then close.
net::awaitable<void> write_refusal(beast::tcp_stream& stream, int status, unsigned version, std::string_view why) {
    http::response<http::string_body> res{static_cast<http::status>(status), version};
    res.set(http::field::content_type, "application/json");
    res.set(http::field::connection, "close");
    res.body() = HttpResponse::error(status, why).body;
    res.prepare_payload();
    stream.expires_after(std::chrono::seconds(2));
    co_await http::async_write(stream, res, net::as_tuple(net::use_awaitable));
}

// Writes an answer (headers only for HEAD, with the GET body's length); false when the write failed.
net::awaitable<bool> write_answer(beast::tcp_stream& stream, HttpResponse res, bool head, unsigned version,
                                  bool keep_alive, std::int64_t timeout_ms) {
    auto fill = [&](auto& out) {
        out.set(http::field::server, "agentpulse/" AGENTPULSE_VERSION);
        out.set(http::field::content_type, res.content_type);
        out.set("X-Content-Type-Options", "nosniff");
        for (const auto& [k, v] : res.headers) out.set(k, v);
        out.keep_alive(keep_alive);
    };
    stream.expires_after(std::chrono::milliseconds(timeout_ms));
    boost::system::error_code ec;
    if (head) {
        http::response<http::empty_body> out{static_cast<http::status>(res.status), version};
        fill(out);
        out.content_length(res.body.size());
        std::tie(ec, std::ignore) = co_await http::async_write(stream, out, net::as_tuple(net::use_awaitable));
    } else {
        http::response<http::string_body> out{static_cast<http::status>(res.status), version};
        fill(out);
        out.body() = std::move(res.body);
        out.prepare_payload();
        std::tie(ec, std::ignore) = co_await http::async_write(stream, out, net::as_tuple(net::use_awaitable));
    }
    co_return !ec;
}

}  // namespace

std::vector<RequestRead> read_requests(std::string_view bytes, const ServerLimits& limits, std::size_t chunk) {
    std::vector<RequestRead> out;
    MemoryReadStream stream(bytes, chunk);
    beast::flat_buffer buffer;
    for (;;) {
        http::request_parser<http::string_body> parser;
        configure(parser, limits);
        boost::system::error_code ec;
        http::read(stream, buffer, parser, ec);
        // The same verdicts as serve_connection: 400/413/431, 414 for an over-long request line or target.
        if (ec) {
            int status = read_error_status(ec);
            if (status == 431)
                status = header_limit_status({parser.get().target().data(), parser.get().target().size()}, limits);
            if (status) out.push_back(RequestRead{std::nullopt, false, status, ec.message()});
            return out;
        }
        const auto& msg = parser.get();
        if (const auto [refused, why] = refused_request(msg, limits); refused) {
            out.push_back(RequestRead{std::nullopt, false, refused, why});
            return out;
        }
        out.push_back(RequestRead{to_request(msg), msg.keep_alive(), 0, {}});
        if (!msg.keep_alive()) return out;
    }
}

StreamStart plan_stream(const HttpRequest& req, const StreamRoute& s, const ServerContext& ctx) {
    const FrameRing& ring = ctx.broadcaster.ring();
    StreamStart st;
    st.start = ring.end_seq();
    boost::json::object replay;
    replay["requested"] = s.from ? boost::json::value(s.from->to_string()) : boost::json::value(nullptr);
    if (s.from) {
        if (!s.from->covered_by(ctx.broadcaster.head())) {
            st.resync = true;  // ahead of this server: another store, or the store was rebuilt
        } else if (!ring.evicted_through().covered_by(*s.from)) {
            st.resync = true;  // rows it missed are no longer held
        } else {
            st.start = ring.first_needed(*s.from);
            st.base = s.from;
        }
    }
    replay["frames"] = ring.end_seq() - st.start;
    replay["resync"] = st.resync;
    st.preamble = stream_preamble(req, s, ctx, replay, st.base ? *st.base : ctx.broadcaster.head());
    return st;
}

HttpServer::HttpServer(net::io_context& io, ServerContext& ctx)
    : io_(io)
    , ctx_(ctx)
    , accept_strand_(net::make_strand(io))
    , acceptor_(accept_strand_)
    , sweep_timer_(ctx.broadcaster.strand()) {}

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
    net::co_spawn(accept_strand_, accept_loop(), LogIfThrown{"accept loop"});
    if (!ctx_.otlp) net::dispatch(ctx_.broadcaster.strand(), [this] { sweep(); });  // streams: the main listener's
}

void HttpServer::stop() {
    if (stopped_.exchange(true)) return;
    net::dispatch(accept_strand_, [this] {
        boost::system::error_code ec;
        acceptor_.close(ec);
    });
    {
        // Shut down, not closed: each connection's own strand closes its socket when its read fails, and
        // shutdown() is a plain system call on the descriptor, safe from this thread.
        std::lock_guard lock(open_mutex_);
        boost::system::error_code ec;
        for (tcp::socket* s : open_) s->shutdown(tcp::socket::shutdown_both, ec);
    }
    if (ctx_.otlp) return;  // the streams are the main listener's
    net::dispatch(ctx_.broadcaster.strand(), [this] {
        sweep_timer_.cancel();
        ctx_.broadcaster.close_all();
    });
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

void HttpServer::admit(tcp::socket socket) {
    if (ctx_.connections + ctx_.sse.active >= ctx_.limits.max_connections) {
        reject(std::move(socket));
        return;
    }
    // Counted now, not when the coroutine first runs (co_spawn posts it): otherwise every connection of a
    // burst would pass the cap check before any of them counted.
    ++ctx_.connections;
    const auto ex = socket.get_executor();
    net::co_spawn(ex, serve_connection(std::move(socket)), LogIfThrown{"connection"});
}

net::awaitable<void> HttpServer::accept_loop() {
    std::chrono::milliseconds backoff{10};
    net::steady_timer pause(accept_strand_);
    while (!stopped_) {
        auto [ec, socket] = co_await acceptor_.async_accept(connection_executor(), net::as_tuple(net::use_awaitable));
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
        admit(std::move(socket));
        // A reconnect storm (a restart under thousands of streams) fills the kernel's accept queue (somaxconn,
        // 4,096) faster than requests are served, and an overflowing queue drops SYNs that clients retry only
        // after 1 s, then 3 s. So take the whole queue per wake (the acceptor is non-blocking; the queue holds
        // at most somaxconn): connections then wait in our queue instead. Each is counted or refused at once,
        // so the cap holds. (docs/PERFORMANCE.md, "reconnect storm", has what a partial drain cost.)
        for (int i = 0; i < 4096 && !stopped_; ++i) {
            boost::system::error_code aec;
            tcp::socket more = acceptor_.accept(connection_executor(), aec);
            if (aec) break;
            admit(std::move(more));
        }
    }
}

void HttpServer::hand_over(tcp::socket socket, HttpRequest req, StreamRoute route) {
    // Planned on the broadcaster's strand, where the ring and the head are consistent with the frames the
    // session will get.
    auto start = [this, socket = std::move(socket), req = std::move(req), route = std::move(route)]() mutable {
        StreamStart st = plan_stream(req, route, ctx_);
        auto session = std::make_shared<SseSession>(std::move(socket), ctx_.broadcaster, ctx_.sse, route.tz);
        session->prepare(std::move(st.preamble), st.start, st.base, st.resync);
        net::co_spawn(ctx_.broadcaster.strand(), SseSession::serve(std::move(session)), LogIfThrown{"stream"});
    };
    net::dispatch(ctx_.broadcaster.strand(), std::move(start));
}

net::any_io_executor HttpServer::connection_executor() {
    // With one io thread that thread is every connection's strand; a strand object per connection would
    // then be memory for nothing (a stream keeps its socket's executor: 10,000 streams, 10,000 strands).
    if (ctx_.io_threads > 1) return net::make_strand(io_);
    return io_.get_executor();
}

net::awaitable<HttpResponse> HttpServer::answer(Route route, std::string path) {
    if (auto* r = std::get_if<HttpResponse>(&route)) co_return std::move(*r);
    if (auto* o = std::get_if<OtlpWrite>(&route)) co_return co_await write_telemetry(std::move(*o), ctx_.otlp);
    if (auto* q = std::get_if<QueryRoute>(&route)) {
        // Reports run on the query pool: never on this thread, nor on the poller's.
        if (!ctx_.queries) co_return HttpResponse::error(503, "reports are not available on this server");
        if (!ctx_.queries->try_enter()) {
            HttpResponse busy = HttpResponse::error(503, "too many report queries waiting; retry shortly");
            busy.headers.emplace_back("Retry-After", "1");
            co_return busy;
        }
        co_return co_await net::co_spawn(ctx_.queries->executor(), run_on_pool(std::move(*q), ctx_.queries),
                                         net::use_awaitable);
    }
    try {
        co_return co_await net::co_spawn(ctx_.poller.executor(),
                                         run_on_poller(std::move(std::get<PollerRoute>(route)), &ctx_.poller),
                                         net::use_awaitable);
    } catch (const std::exception& e) {
        spdlog::warn("{}: {}", path, e.what());
        co_return HttpResponse::error(500, std::string("store read failed: ") + e.what());
    }
}

// One piece on purpose: it is the life of a keep-alive connection (read, refuse or route, answer, again),
// and the stream object and its registration must stay on this coroutine's frame throughout.
net::awaitable<void> HttpServer::serve_connection(tcp::socket socket) {
    // Counted by the accept loop (the connection cap) and listed here for stop(); both are undone when the
    // connection ends, the listing also when it becomes a stream.
    struct Registration {
        HttpServer& server;
        tcp::socket* listed;
        Registration(HttpServer& sv, tcp::socket* s) : server(sv), listed(s) {
            std::lock_guard lock(server.open_mutex_);
            server.open_.insert(s);
        }
        void unlist() {
            std::lock_guard lock(server.open_mutex_);
            if (listed) server.open_.erase(listed);
            listed = nullptr;
        }
        ~Registration() {
            unlist();
            --server.ctx_.connections;
        }
    };
    beast::tcp_stream stream(std::move(socket));
    Registration registration(*this, &stream.socket());

    beast::flat_buffer buffer;
    bool first = true;
    while (!stopped_) {
        http::request_parser<http::string_body> parser;
        configure(parser, ctx_.limits);
        stream.expires_after(std::chrono::milliseconds(first ? ctx_.limits.request_timeout_ms
                                                             : ctx_.limits.keepalive_timeout_ms));
        first = false;
        auto [ec, n] = co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
        if (ec) {
            int status = read_error_status(ec);
            if (status == 431)
                status = header_limit_status({parser.get().target().data(), parser.get().target().size()}, ctx_.limits);
            if (status) co_await write_refusal(stream, status, 11, ec.message());
            break;
        }
        const auto& msg = parser.get();
        if (const auto [refused, why] = refused_request(msg, ctx_.limits); refused) {
            // Parsed, but refused all the same (a target past its limit, an unknowable body length): then close.
            co_await write_refusal(stream, refused, msg.version(), why);
            break;
        }
        HttpRequest req = to_request(msg);
        {
            boost::system::error_code peer_ec;
            const auto peer = stream.socket().remote_endpoint(peer_ec);
            req.peer_loopback = !peer_ec && peer.address().is_loopback();
        }
        if (ctx_.otlp) req.body = std::move(parser.get().body());  // only the OTLP receiver reads bodies
        Route route_result = route_request(req, ctx_);
        // An OTLP body has been decoded into its records by now: not held while the answer waits for the store.
        std::string().swap(req.body);

        if (auto* s = std::get_if<StreamRoute>(&route_result)) {
            // Counted as a stream from now (the cap), before this connection's count is given back.
            stream.expires_never();
            registration.unlist();
            ctx_.sse.active.fetch_add(1, std::memory_order_relaxed);
            hand_over(stream.release_socket(), std::move(req), std::move(*s));
            co_return;
        }

        HttpResponse res = co_await answer(std::move(route_result), req.path);
        // A malformed target or parameter (400) ends the connection: a client that sends one is not trusted
        // to frame its next request right.
        const bool keep_alive = msg.keep_alive() && res.status != 400;
        const bool written = co_await write_answer(stream, std::move(res), req.method == "HEAD", msg.version(), keep_alive,
                                                   ctx_.limits.request_timeout_ms);
        if (!written || !keep_alive) break;
    }
    boost::system::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace agentpulse
