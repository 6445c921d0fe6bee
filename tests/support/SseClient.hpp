// Blocking loopback HTTP and Server-Sent Events clients for tests: every wait is bounded. SseClient
// sends one GET (optional Last-Event-ID, Authorization, Cookie, HTTP/1.0), reads the response head, then
// parses the body incrementally into frames (event, id, data), comments and retry, as EventSource does.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentpulse::test {

using Millis = std::chrono::milliseconds;

inline std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    return s;
}

// A connected TCP socket to 127.0.0.1:port, closed by the destructor.
class LoopbackSocket {
  public:
    explicit LoopbackSocket(unsigned short port, int rcvbuf = 0) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
        if (rcvbuf > 0)
            ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
                         sizeof rcvbuf);  // before connect: sets the window
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
            const int e = errno;
            ::close(fd_);
            throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                     std::strerror(e));
        }
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    ~LoopbackSocket() { close(); }
    LoopbackSocket(LoopbackSocket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    LoopbackSocket& operator=(LoopbackSocket&& o) noexcept {
        if (this != &o) close(), fd_ = o.fd_, o.fd_ = -1;
        return *this;
    }
    LoopbackSocket(const LoopbackSocket&) = delete;
    LoopbackSocket& operator=(const LoopbackSocket&) = delete;

    int fd() const { return fd_; }

    // Sends everything (blocking); false if the peer is gone.
    bool send_all(std::string_view data) {
        while (!data.empty()) {
            const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            data.remove_prefix(static_cast<std::size_t>(n));
        }
        return true;
    }

    // Waits up to `timeout` for bytes; appends them to `out`. Returns the count, 0 on EOF, -1 on timeout
    // (or -2 on a reset / error).
    ssize_t recv_some(std::string& out, Millis timeout) {
        pollfd p{fd_, POLLIN, 0};
        const int r = ::poll(&p, 1, static_cast<int>(std::max<Millis::rep>(0, timeout.count())));
        if (r == 0) return -1;
        if (r < 0) return errno == EINTR ? -1 : -2;
        char buf[16384];
        const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
        if (n < 0) return errno == EAGAIN || errno == EINTR ? -1 : -2;
        out.append(buf, static_cast<std::size_t>(n));
        return n;
    }

    void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
    void close() {
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    // Closes with a TCP reset (SO_LINGER 0) instead of a FIN.
    void reset() {
        if (fd_ < 0) return;
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

  private:
    int fd_ = -1;
};

struct HttpResult {
    int status = 0;
    std::string status_line;
    std::map<std::string, std::string> headers;  // lower-case names
    std::string body;
    bool complete = false;  // the server closed the connection within the time allowed

    std::string header(const std::string& name) const {
        auto it = headers.find(lower(name));
        return it == headers.end() ? std::string() : it->second;
    }
};

// Splits "HTTP/1.1 200 OK\r\nA: b\r\n\r\n" into status and headers. False when it is not a response head.
inline bool parse_response_head(std::string_view head, HttpResult& r) {
    const auto eol = head.find("\r\n");
    r.status_line = std::string(head.substr(0, eol));
    if (!r.status_line.starts_with("HTTP/1.") || r.status_line.size() < 12) return false;
    r.status = std::atoi(r.status_line.c_str() + 9);
    std::size_t pos = eol == std::string_view::npos ? head.size() : eol + 2;
    while (pos < head.size()) {
        auto next = head.find("\r\n", pos);
        if (next == std::string_view::npos) next = head.size();
        const std::string_view line = head.substr(pos, next - pos);
        pos = next + 2;
        const auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        std::string_view v = line.substr(colon + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        r.headers[lower(std::string(line.substr(0, colon)))] = std::string(v);
    }
    return true;
}

// Sends `raw` as is and reads until the server closes (or `timeout`); the first response head is parsed.
inline HttpResult raw_exchange(unsigned short port, std::string_view raw, Millis timeout = Millis(5000)) {
    LoopbackSocket s(port);
    HttpResult r;
    s.send_all(raw);
    std::string all;
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        const ssize_t n = s.recv_some(all, left);
        if (n == 0 || n == -2) {
            r.complete = true;
            break;
        }
    }
    const auto end = all.find("\r\n\r\n");
    if (end != std::string::npos && parse_response_head(std::string_view(all).substr(0, end + 2), r))
        r.body = all.substr(end + 4);
    else
        r.body = all;
    return r;
}

// One GET (or another method) with Connection: close; the body is everything up to the close.
inline HttpResult http_request(unsigned short port, const std::string& target,
                               const std::vector<std::pair<std::string, std::string>>& headers = {},
                               const std::string& method = "GET", Millis timeout = Millis(5000)) {
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
    req += "\r\n";
    return raw_exchange(port, req, timeout);
}

struct SseEvent {
    std::string event = "message";
    std::string data;
    std::optional<std::string> id;  // the block's own id line, if it had one
};

struct SseOptions {
    std::string target = "/api/live/stream";
    std::string last_event_id;
    std::string authorization;
    std::string cookie;
    int http_minor = 1;  // 0: HTTP/1.0
    int rcvbuf = 0;      // SO_RCVBUF before connect (0: the default)
};

class SseClient {
  public:
    using Options = SseOptions;

    SseClient(unsigned short port, Options opts = Options(), Millis head_timeout = Millis(5000))
        : sock_(port, opts.rcvbuf) {
        std::string req = "GET " + opts.target + " HTTP/1." + std::to_string(opts.http_minor) +
                          "\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
        if (!opts.last_event_id.empty()) req += "Last-Event-ID: " + opts.last_event_id + "\r\n";
        if (!opts.authorization.empty()) req += "Authorization: " + opts.authorization + "\r\n";
        if (!opts.cookie.empty()) req += "Cookie: " + opts.cookie + "\r\n";
        req += "\r\n";
        if (!sock_.send_all(req)) throw std::runtime_error("SseClient: cannot send the request");
        const auto until = std::chrono::steady_clock::now() + head_timeout;
        for (;;) {
            const auto end = buf_.find("\r\n\r\n");
            if (end != std::string::npos) {
                if (!parse_response_head(std::string_view(buf_).substr(0, end + 2), head_))
                    throw std::runtime_error("SseClient: not an HTTP response: " + buf_.substr(0, 200));
                buf_.erase(0, end + 4);
                break;
            }
            const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) throw std::runtime_error("SseClient: no response head in time");
            const ssize_t n = sock_.recv_some(buf_, left);
            if (n == 0 || n == -2) {
                eof_ = true;
                if (buf_.find("\r\n\r\n") == std::string::npos)
                    throw std::runtime_error("SseClient: closed before the response head: " +
                                             buf_.substr(0, 200));
            }
        }
    }

    int status() const { return head_.status; }
    const HttpResult& head() const { return head_; }
    LoopbackSocket& socket() { return sock_; }
    bool eof() const { return eof_; }
    const std::vector<std::string>& comments() const { return comments_; }
    std::optional<int> retry_ms() const { return retry_; }
    // The id of the last event that had one (what a browser would send back as Last-Event-ID).
    const std::string& last_event_id() const { return last_id_; }
    std::size_t bytes_read() const { return bytes_; }

    // The next event, waiting at most `timeout`; nullopt on timeout or end of stream (see eof()).
    std::optional<SseEvent> next(Millis timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            if (auto e = parse_one()) return e;
            if (eof_) return std::nullopt;
            const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return std::nullopt;
            const std::size_t before = buf_.size();
            const ssize_t n = sock_.recv_some(buf_, left);
            if (n == 0 || n == -2) eof_ = true;
            if (n > 0) bytes_ += buf_.size() - before;
        }
    }

    // The next event of type `type` (others are kept in skipped()), waiting at most `timeout`.
    std::optional<SseEvent> next_of(const std::string& type, Millis timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
            auto e = next(std::max(Millis(0), left));
            if (!e) return std::nullopt;
            if (e->event == type) return e;
            skipped_.push_back(std::move(*e));
        }
    }
    std::vector<SseEvent>& skipped() { return skipped_; }

    // Reads and discards until the server closes; true if it did within `timeout`.
    bool wait_closed(Millis timeout) {
        const auto until = std::chrono::steady_clock::now() + timeout;
        while (!eof_) {
            const auto left = std::chrono::duration_cast<Millis>(until - std::chrono::steady_clock::now());
            if (left.count() <= 0) return false;
            if (auto e = next(left)) skipped_.push_back(std::move(*e));
        }
        return true;
    }

    // Bytes received but not yet parsed into a complete event (a cut frame at the end of a stream).
    const std::string& pending() const { return buf_; }

  private:
    // Parses one complete block from the buffer, per the EventSource rules (LF, CRLF or CR line ends).
    std::optional<SseEvent> parse_one() {
        for (;;) {
            std::size_t eol = buf_.find_first_of("\r\n", pos_);
            if (eol == std::string::npos) return std::nullopt;
            std::size_t next = eol + 1;
            if (buf_[eol] == '\r') {
                if (next >= buf_.size() && !eof_) return std::nullopt;  // CR LF may be split
                if (next < buf_.size() && buf_[next] == '\n') ++next;
            }
            const std::string line = buf_.substr(pos_, eol - pos_);
            pos_ = next;
            if (line.empty()) {
                buf_.erase(0, pos_);
                pos_ = 0;
                if (!block_has_data_) {
                    block_ = SseEvent();
                    continue;
                }
                SseEvent out = std::move(block_);
                block_ = SseEvent();
                block_has_data_ = false;
                if (!out.data.empty() && out.data.back() == '\n') out.data.pop_back();
                return out;
            }
            if (line[0] == ':') {
                comments_.push_back(line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1));
                continue;
            }
            const auto colon = line.find(':');
            const std::string field = line.substr(0, colon);
            std::string value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
            if (!value.empty() && value[0] == ' ') value.erase(0, 1);
            if (field == "event") {
                block_.event = value;
            } else if (field == "data") {
                block_.data += value + "\n";
                block_has_data_ = true;
            } else if (field == "id") {
                block_.id = value;
                last_id_ = value;
            } else if (field == "retry") {
                if (!value.empty() &&
                    std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
                    retry_ = std::stoi(value);
            }
        }
    }

    LoopbackSocket sock_;
    HttpResult head_;
    std::string buf_;
    std::size_t pos_ = 0, bytes_ = 0;
    bool eof_ = false, block_has_data_ = false;
    SseEvent block_;
    std::vector<std::string> comments_;
    std::optional<int> retry_;
    std::string last_id_;
    std::vector<SseEvent> skipped_;
};

}  // namespace agentpulse::test
