// The listener and the HTTP/1.1 connections: reads requests with size limits and timeouts, answers them
// (keep-alive), hands /api/live/stream connections to an SseSession, enforces the connection cap (503)
// and shuts everything down cleanly. The only file that knows Beast.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
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
    // Stops accepting, ends every stream and connection. Call on the io thread.
    void stop();

private:
    boost::asio::awaitable<void> accept_loop();
    boost::asio::awaitable<void> serve_connection(boost::asio::ip::tcp::socket socket);
    void sweep();
    void reject(boost::asio::ip::tcp::socket socket);

    boost::asio::io_context& io_;
    ServerContext& ctx_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer sweep_timer_;
    std::set<boost::asio::ip::tcp::socket*> open_;  // connections still in HTTP (not yet streams)
    bool stopped_ = false;
};

}  // namespace agentpulse
