// Many Server-Sent Events clients in one thread: non-blocking sockets on one epoll, each parsed into
// frames (as EventSource does) and fed to its own StreamChecker. A client whose connection ends or is
// refused reconnects after a short jittered delay, sending its position (the last row frame's id, or the
// first ready frame's watermarks, as the dashboard's ?since= does) as Last-Event-ID, and discards a frame
// cut short by the end of a connection. For the tests that hold a thousand streams (a server killed and
// restarted under them, a connection flood): no thread per client.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "LiveServer.hpp"
#include "StreamChecker.hpp"

namespace agentpulse::test {

struct SseFleetOptions {
    std::string target = "/api/live/stream";
    int reconnect_min_ms = 50, reconnect_jitter_ms = 200;
    bool reconnect = true;
};

class SseFleet {
  public:
    struct Client {
        int fd = -1;
        enum class State { Down, Connecting, Head, Body } state = State::Down;
        std::string buf;            // unparsed bytes
        SseEvent block;             // the block being parsed
        bool block_has_data = false;
        bool in_body = false;
        StreamChecker check;
        bool have_base = false;      // got its first ready (the checker's base is set)
        int status = 0;              // of the last response head
        int connects = 0;            // connections that got a response head
        int readies = 0;             // ready frames received (one per connection)
        int refused = 0;             // connect attempts refused or reset before a head
        double last_ready_ms = -1;   // when its latest ready arrived (ms since the fleet's t0)
        double last_end_ms = -1;     // when it last saw a stream end (EOF or reset after a response head)
        std::int64_t rows = 0;       // row frames received
        Clock::time_point retry_at{};
    };

    using Options = SseFleetOptions;

    SseFleet(unsigned short port, int n, Options o = Options()) : port_(port), opts_(std::move(o)), clients_(n) {
        ep_ = ::epoll_create1(EPOLL_CLOEXEC);
        if (ep_ < 0) throw std::runtime_error("epoll_create1 failed");
        for (auto& c : clients_) c.check.t0 = t0_;
    }
    ~SseFleet() {
        for (auto& c : clients_)
            if (c.fd >= 0) ::close(c.fd);
        ::close(ep_);
    }
    SseFleet(const SseFleet&) = delete;
    SseFleet& operator=(const SseFleet&) = delete;

    void set_port(unsigned short p) { port_ = p; }
    std::vector<Client>& clients() { return clients_; }
    Clock::time_point t0() const { return t0_; }
    std::int64_t frames() const { return frames_; }

    // Starts connecting every client that is down (all of them at first).
    void connect_all() {
        for (std::size_t i = 0; i < clients_.size(); ++i)
            if (clients_[i].state == Client::State::Down) open(i);
    }

    // Closes client i's connection (FIN); it reconnects later if the fleet reconnects.
    void drop(std::size_t i, bool reconnect) {
        close_client(i, reconnect);
    }

    // Runs the event loop until `done()` (checked after every batch of events) or `timeout`.
    bool run_until(const std::function<bool()>& done, Millis timeout) {
        const auto until = Clock::now() + timeout;
        epoll_event evs[256];
        while (!done()) {
            const auto now = Clock::now();
            if (now >= until) return false;
            if (opts_.reconnect)
                for (std::size_t i = 0; i < clients_.size(); ++i)
                    if (clients_[i].state == Client::State::Down && clients_[i].retry_at != Clock::time_point{} &&
                        clients_[i].retry_at <= now)
                        open(i);
            const int n = ::epoll_wait(ep_, evs, 256, 10);
            for (int k = 0; k < n; ++k) on_event(evs[k].data.u64, evs[k].events);
        }
        return true;
    }

    // How many clients satisfy `pred`.
    std::size_t count(const std::function<bool(const Client&)>& pred) const {
        std::size_t n = 0;
        for (const auto& c : clients_) n += pred(c) ? 1 : 0;
        return n;
    }

  private:
    void open(std::size_t i) {
        Client& c = clients_[i];
        c.retry_at = {};
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        const int one = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port_);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c.state = Client::State::Connecting;
        c.buf.clear();
        c.block = SseEvent();
        c.block_has_data = false;
        c.in_body = false;
        epoll_event ev{};
        ev.events = EPOLLOUT | EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = i;
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
        const int r = ::connect(c.fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
        if (r != 0 && errno != EINPROGRESS) {
            ++c.refused;
            close_client(i, true);
        }
    }

    void close_client(std::size_t i, bool reconnect) {
        Client& c = clients_[i];
        if (c.state == Client::State::Body) c.last_end_ms = ms_since(t0_);
        if (c.fd >= 0) {
            ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
            ::close(c.fd);
        }
        c.fd = -1;
        c.state = Client::State::Down;
        c.buf.clear();  // a frame cut short is discarded, as EventSource does
        c.block = SseEvent();
        c.block_has_data = false;
        c.retry_at = reconnect && opts_.reconnect
                         ? Clock::now() + Millis(opts_.reconnect_min_ms +
                                                 static_cast<int>(rng_() % static_cast<unsigned>(
                                                                              opts_.reconnect_jitter_ms + 1)))
                         : Clock::time_point{};
    }

    void on_event(std::uint64_t i, std::uint32_t events) {
        Client& c = clients_[i];
        if (c.fd < 0) return;
        if (c.state == Client::State::Connecting) {
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) {
                ++c.refused;
                return close_client(i, true);
            }
            if (!(events & (EPOLLOUT | EPOLLIN))) return;
            std::string req = "GET " + opts_.target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
            if (c.have_base) req += "Last-Event-ID: " + c.check.last_id().to_string() + "\r\n";
            req += "\r\n";
            if (::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
                ++c.refused;
                return close_client(i, true);
            }
            epoll_event ev{};
            ev.events = EPOLLIN | EPOLLRDHUP;
            ev.data.u64 = i;
            ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
            c.state = Client::State::Head;
            return;
        }
        // Read what is there (a bounded number of rounds so that one busy client cannot starve the rest).
        char tmp[65536];
        for (int round = 0; round < 4; ++round) {
            const ssize_t n = ::recv(c.fd, tmp, sizeof tmp, 0);
            if (n > 0) {
                c.buf.append(tmp, static_cast<std::size_t>(n));
                parse(i);
                if (c.fd < 0) return;
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
            // EOF or reset.
            if (c.state == Client::State::Head) ++c.refused;
            return close_client(i, true);
        }
    }

    void parse(std::size_t i) {
        Client& c = clients_[i];
        if (c.state == Client::State::Head) {
            const auto end = c.buf.find("\r\n\r\n");
            if (end == std::string::npos) return;
            HttpResult h;
            parse_response_head(std::string_view(c.buf).substr(0, end + 2), h);
            c.status = h.status;
            ++c.connects;
            c.buf.erase(0, end + 4);
            if (h.status != 200) return close_client(i, true);
            c.state = Client::State::Body;
        }
        std::size_t pos = 0;
        for (;;) {
            const std::size_t eol = c.buf.find('\n', pos);  // the server ends lines with LF
            if (eol == std::string::npos) break;
            std::string_view line(c.buf.data() + pos, eol - pos);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            pos = eol + 1;
            if (line.empty()) {
                if (c.block_has_data) {
                    SseEvent e = std::move(c.block);
                    if (!e.data.empty() && e.data.back() == '\n') e.data.pop_back();
                    deliver(c, e);
                }
                c.block = SseEvent();
                c.block_has_data = false;
                continue;
            }
            if (line[0] == ':') continue;
            const auto colon = line.find(':');
            const std::string_view field = line.substr(0, colon);
            std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
            if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
            if (field == "event") {
                c.block.event = std::string(value);
            } else if (field == "data") {
                c.block.data.append(value);
                c.block.data.push_back('\n');
                c.block_has_data = true;
            } else if (field == "id") {
                c.block.id = std::string(value);
            }
        }
        c.buf.erase(0, pos);
    }

    void deliver(Client& c, const SseEvent& e) {
        ++frames_;
        if (e.event == "ready") {
            ++c.readies;
            c.last_ready_ms = ms_since(t0_);
            if (!c.have_base) {
                try {
                    c.check.set_base(ready_watermark(e));
                    c.have_base = true;
                } catch (const std::exception& ex) {
                    c.check.errors.push_back(std::string("bad ready frame: ") + ex.what());
                }
            }
            return;
        }
        if (!c.have_base) return;
        const bool row = e.event == "event" || e.event == "tool_call" || e.event == "tool_result" ||
                         e.event == "event_update";
        if (row) ++c.rows;
        if (row || e.event == "resync") {
            try {
                c.check.feed(e);
            } catch (const std::exception& ex) {
                c.check.errors.push_back(std::string("unparsable frame: ") + ex.what());
            }
        }
    }

    unsigned short port_;
    Options opts_;
    std::vector<Client> clients_;
    int ep_ = -1;
    Clock::time_point t0_ = Clock::now();
    std::int64_t frames_ = 0;
    std::mt19937 rng_{7};
};

}  // namespace agentpulse::test
