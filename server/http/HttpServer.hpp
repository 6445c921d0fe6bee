// The listener and the HTTP/1.1 connections: reads requests with size limits and timeouts, answers them
// (keep-alive), hands /api/live/stream connections to an SseSession, enforces the connection cap (503)
// and shuts everything down cleanly. The only file that knows Beast.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <set>
#include <string>

#include "http/ServerContext.hpp"

namespace agentpulse {

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
