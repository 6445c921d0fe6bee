// See HttpPost.hpp.
#include "forward/HttpPost.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace agentpulse {

std::optional<HttpUrl> parse_http_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) return std::nullopt;
    url.remove_prefix(scheme.size());
    HttpUrl out;
    const std::size_t slash = url.find('/');
    std::string_view authority = url.substr(0, slash);
    if (slash != std::string_view::npos) out.path = std::string(url.substr(slash));
    if (authority.empty()) return std::nullopt;
    if (authority.front() == '[') {  // [v6]:port
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.host = std::string(authority.substr(1, close - 1));
        if (close + 1 < authority.size()) {
            if (authority[close + 1] != ':') return std::nullopt;
            out.port = std::string(authority.substr(close + 2));
        }
    } else if (const std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
        out.host = std::string(authority.substr(0, colon));
        out.port = std::string(authority.substr(colon + 1));
    } else {
        out.host = std::string(authority);
    }
    if (out.host.empty() || out.port.empty() || out.port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    return out;
}

namespace {

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

using Clock = std::chrono::steady_clock;

int left_ms(Clock::time_point deadline) {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms > 0 ? static_cast<int>(ms) : 0;
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    for (;;) {
        const int n = ::poll(&p, 1, left_ms(deadline));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return false;
    }
}

}  // namespace

namespace {

// A connected socket (non-blocking) to one of the host's addresses, or -1 with `error` set.
int connect_to(const HttpUrl& url, Clock::time_point deadline, std::string& error) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found); rc != 0) {
        error = "cannot resolve " + url.host + ": " + gai_strerror(rc);
        return -1;
    }
    error = "no address";
    int out = -1;
    for (addrinfo* ai = found; ai && out < 0; ai = ai->ai_next) {
        Fd s;
        s.fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (s.fd < 0) continue;
        int rc = ::connect(s.fd, ai->ai_addr, ai->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            if (!wait_for(s.fd, POLLOUT, deadline)) {
                error = "connect timed out";
                continue;
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc != 0) {
            error = std::string("connect: ") + std::strerror(errno);
            continue;
        }
        std::swap(out, s.fd);
    }
    ::freeaddrinfo(found);
    return out;
}

// Sends all of `data`; false with `error` set when it cannot in time.
bool send_all(int fd, std::string_view data, Clock::time_point deadline, std::string& error) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n > 0) {
            sent += static_cast<std::size_t>(n);
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (!wait_for(fd, POLLOUT, deadline)) {
                error = "send timed out";
                return false;
            }
        } else {
            error = std::string("send: ") + std::strerror(errno);
            return false;
        }
    }
    return true;
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// The answer, until the server closes (Connection: close) or the headers and Content-Length are in; its
// status, Retry-After and body.
HttpAnswer read_answer(int fd, Clock::time_point deadline) {
    constexpr std::size_t kMaxAnswer = 1 << 20;
    HttpAnswer a;
    std::string in;
    std::size_t header_end = std::string::npos, want = std::string::npos;
    char buf[8192];
    while (header_end == std::string::npos || want == std::string::npos || in.size() < want) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) break;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            if (wait_for(fd, POLLIN, deadline)) continue;
            a.error = "no answer in time";
            return a;
        }
        if (n < 0) {
            a.error = std::string("recv: ") + std::strerror(errno);
            return a;
        }
        in.append(buf, static_cast<std::size_t>(n));
        if (in.size() > kMaxAnswer) {
            a.error = "answer too large";
            return a;
        }
        if (header_end == std::string::npos && (header_end = in.find("\r\n\r\n")) != std::string::npos) {
            const std::string head = lower(in.substr(0, header_end));
            if (const std::size_t p = head.find("\r\ncontent-length:"); p != std::string::npos)
                want = header_end + 4 + std::strtoull(head.c_str() + p + 17, nullptr, 10);
        }
    }
    if (header_end == std::string::npos || !in.starts_with("HTTP/1.") || in.size() < 12) {
        a.error = "malformed answer";
        return a;
    }
    a.status = std::atoi(in.c_str() + 9);
    const std::string head = lower(in.substr(0, header_end));
    if (const std::size_t p = head.find("\r\nretry-after:"); p != std::string::npos) {
        const long s = std::strtol(head.c_str() + p + 14, nullptr, 10);
        if (s >= 0 && s < 86'400) a.retry_after_s = static_cast<int>(s);
    }
    a.body = in.substr(header_end + 4);
    return a;
}

}  // namespace

HttpAnswer http_post(const HttpUrl& url, std::string_view content_type, std::string_view body,
                     std::string_view bearer_token, std::chrono::milliseconds timeout) {
    const Clock::time_point deadline = Clock::now() + timeout;
    HttpAnswer a;
    Fd sock;
    sock.fd = connect_to(url, deadline, a.error);
    if (sock.fd < 0) return a;
    std::string req = "POST " + url.path + " HTTP/1.1\r\nHost: " + url.host + ":" + url.port +
                      "\r\nContent-Type: " + std::string(content_type) +
                      "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n";
    if (!bearer_token.empty()) req += "Authorization: Bearer " + std::string(bearer_token) + "\r\n";
    req += "User-Agent: agentpulse/" AGENTPULSE_VERSION "\r\n\r\n";
    req.append(body);
    if (!send_all(sock.fd, req, deadline, a.error)) return a;
    return read_answer(sock.fd, deadline);
}

}  // namespace agentpulse
