// The listener and the HTTP/1.1 connections: reads requests with size limits and timeouts, answers them
// (keep-alive), hands /api/live/stream connections to an SseSession, enforces the connection cap (503)
// and shuts everything down cleanly. The only file that knows Beast. Any number of threads may run the
// io_context: the accept loop has a strand, each connection one of its own (with more than one thread),
// and streams are handed to the broadcaster's strand.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "http/Router.hpp"
#include "http/ServerContext.hpp"

namespace agentpulse {

// One request as a connection reads it: the same Beast parser, limits and error statuses as the server's
// connections use. For tests and fuzzing without sockets (fuzz/http_request_fuzz.cpp).
struct RequestRead {
    std::optional<HttpRequest> request;  // set when a whole request was read
    bool keep_alive = false;
    int error_status = 0;                // 400, 413, 414 or 431: answered, then the connection is closed
    std::string error;                   // the parser's message for it
};
// Reads requests from `bytes`, delivered `chunk` bytes at a time (1 = a slowloris client), until the bytes
// run out, a request is refused, or one does not keep the connection alive.
std::vector<RequestRead> read_requests(std::string_view bytes, const ServerLimits& limits, std::size_t chunk);

// Where a new stream starts in the ring (from its Last-Event-ID or ?since=) and its preamble (status line,
// headers, retry, ready and the newest control frames).
struct StreamStart {
    std::uint64_t start = 0;
    std::optional<Watermark> base;
    bool resync = false;
    std::string preamble;
};
StreamStart plan_stream(const HttpRequest& req, const StreamRoute& s, const ServerContext& ctx);

class HttpServer {
public:
    HttpServer(boost::asio::io_context& io, ServerContext& ctx);
    ~HttpServer();

    // Binds and listens; throws boost::system::system_error (address in use, bad address...).
    boost::asio::ip::tcp::endpoint listen(const std::string& host, unsigned short port);
    void start();
    // Stops accepting, ends every stream and connection. From any thread.
    void stop();

private:
    using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
    boost::asio::awaitable<void> accept_loop();
    // Counts the connection, or refuses it at the cap; then serves it on its executor.
    void admit(boost::asio::ip::tcp::socket socket);
    boost::asio::any_io_executor connection_executor();
    boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
    // The answer to a request that is not a stream: at once, or from the query pool or the poller's thread.
    boost::asio::awaitable<HttpResponse> answer(Route route, std::string path);
    // A request for the live stream: its socket goes to an SseSession on the broadcaster's strand.
    void hand_over(boost::asio::ip::tcp::socket socket, HttpRequest req, StreamRoute route);
    void sweep();
    void reject(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& io_;
    ServerContext& ctx_;
    Strand accept_strand_;
    boost::asio::ip::tcp::acceptor acceptor_;   // on accept_strand_
    boost::asio::steady_timer sweep_timer_;     // on the broadcaster's strand
    std::mutex open_mutex_;
    std::set<boost::asio::ip::tcp::socket*> open_;  // connections still in HTTP (not yet streams)
    std::atomic<bool> stopped_{false};
};

}  // namespace agentpulse
