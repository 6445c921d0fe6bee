// A webhook receiver for the alert tests: an HTTP server on 127.0.0.1 (its own thread, blocking sockets)
// that answers each request with the next status of a script and records every request.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace agentpulse::test {

namespace receiver_detail {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
}  // namespace receiver_detail

// An HTTP receiver on 127.0.0.1 answering each request with the next status of its script (0: read the
// request and never answer), then 200. Records every request.
class Receiver {
    using tcp = receiver_detail::tcp;

public:
    struct Hit {
        std::string key, body, signature, title;
        int answered = 0;  // 0: hung
        std::chrono::steady_clock::time_point at;
    };

    explicit Receiver(std::vector<int> script = {})
        : script_(std::move(script))
        , acceptor_(io_, {receiver_detail::net::ip::make_address("127.0.0.1"), 0}) {
        thread_ = std::thread([this] { serve(); });
    }
    ~Receiver() {
        stop_ = true;
        boost::system::error_code ec;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ec);  // wakes the blocking accept
        thread_.join();
    }
    std::string url(const std::string& path = "/hook") const {
        return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + path;
    }
    std::vector<Hit> hits() const {
        std::lock_guard lock(mu_);
        return hits_;
    }
    // Waits (at most `limit`) until `pred(hits)` holds.
    template <class Pred>
    bool wait_for(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(15)) const {
        const auto end = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < end) {
            if (pred(hits())) return true;
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return pred(hits());
    }

private:
    void serve() {
        std::vector<tcp::socket> held;  // the hung requests' sockets, closed at the end
        while (!stop_) {
            tcp::socket s(io_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) break;
            receiver_detail::beast::flat_buffer buf;
            receiver_detail::http::request<receiver_detail::http::string_body> req;
            receiver_detail::http::read(s, buf, req, ec);
            if (ec) continue;
            Hit h;
            h.key = std::string(req["Idempotency-Key"]);
            h.signature = std::string(req["X-Agentpulse-Signature"]);
            h.title = std::string(req["Title"]);
            h.body = req.body();
            h.at = std::chrono::steady_clock::now();
            std::size_t n;
            {
                std::lock_guard lock(mu_);
                n = hits_.size();
            }
            const int status = n < script_.size() ? script_[n] : 200;
            h.answered = status;
            {
                std::lock_guard lock(mu_);
                hits_.push_back(h);
            }
            if (status == 0) {
                held.push_back(std::move(s));
                continue;
            }
            receiver_detail::http::response<receiver_detail::http::string_body> res{
                static_cast<receiver_detail::http::status>(status), 11};
            res.body() = status == 200 ? "ok" : "no";
            res.prepare_payload();
            receiver_detail::http::write(s, res, ec);
            s.shutdown(tcp::socket::shutdown_both, ec);
        }
    }

    std::vector<int> script_;
    receiver_detail::net::io_context io_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    mutable std::mutex mu_;
    std::vector<Hit> hits_;
};

}  // namespace agentpulse::test
