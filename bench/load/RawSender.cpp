// See RawSender.hpp. One epoll loop; the fan-out itself is a plain loop of send() calls.
#include "RawSender.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "LoadClock.hpp"
#include "ResultFile.hpp"

namespace agentpulse::load {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void raw_on_signal(int) { g_stop = 1; }

bool file_exists(const std::string& p) { return !p.empty() && access(p.c_str(), F_OK) == 0; }

// The shape of the server's `event` frame (LiveFrames usage_payload), used when no capture is given.
constexpr const char* kBuiltinTemplate =
    "event: event\nid: u{U}.t0.r0.g0\ndata: {\"type\":\"event\",\"payload\":{\"id\":{U},\"provider\":\"claude\","
    "\"project_id\":1,\"project\":\"load\",\"session_id\":\"load-session-0000\",\"session_row\":1,"
    "\"ts\":\"2026-01-01T00:00:00.000Z\",\"model\":\"load@{S}\",\"input_tokens\":1200,\"output_tokens\":340,"
    "\"cache_read_tokens\":50000,\"cache_create_tokens\":2000,\"cache_create_1h_tokens\":0,\"reasoning_tokens\":0,"
    "\"cost_usd\":0,\"cost_source\":\"unpriced\",\"update_seq\":0},\"ts\":\"2026-01-01T00:00:00.000Z\"}\n\n";

constexpr const char* kPreamble =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\n"
    "X-Accel-Buffering: no\r\nConnection: close\r\n\r\nretry: 2000\n\n"
    "event: ready\ndata: {\"type\":\"ready\",\"payload\":{\"server_version\":\"raw-floor\"}}\n\n";

// Replaces the digits after `after` (first occurrence at or past `from`) with `mark`.
bool mark_digits(std::string& t, const std::string& after, const std::string& mark, std::size_t from = 0) {
    const std::size_t p = t.find(after, from);
    if (p == std::string::npos) return false;
    std::size_t b = p + after.size(), e = b;
    while (e < t.size() && t[e] >= '0' && t[e] <= '9') ++e;
    if (e == b) return false;
    t.replace(b, e - b, mark);
    return true;
}

}  // namespace

RawSender::RawSender(RawOptions o) : o_(std::move(o)) {}

bool RawSender::load_template() {
    std::string t = kBuiltinTemplate;
    if (!o_.template_file.empty()) {
        std::ifstream in(o_.template_file, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string cap = ss.str();
        // The captured frame: "event: event\nid: u<N>.t..\ndata: {... "payload":{"id":<N>, ... "load@<ns>" ...}\n\n"
        if (mark_digits(cap, "\nid: u", "{U}") && mark_digits(cap, "\"payload\":{\"id\":", "{U}") &&
            mark_digits(cap, "\"model\":\"load@", "{S}"))
            t = cap;
        else
            std::fprintf(stderr, "raw: %s is not a captured event frame; using the built-in shape\n", o_.template_file.c_str());
    }
    std::size_t pos = 0;
    for (;;) {
        const std::size_t u = t.find("{U}", pos), s = t.find("{S}", pos);
        const std::size_t m = std::min(u, s);
        if (m == std::string::npos) {
            pieces_.push_back(t.substr(pos));
            break;
        }
        pieces_.push_back(t.substr(pos, m - pos));
        marks_.push_back(m == u ? 'U' : 'S');
        pos = m + 3;
    }
    return true;
}

std::string RawSender::frame(std::int64_t id, std::int64_t stamp_ns) const {
    std::string f;
    f.reserve(700);
    for (std::size_t i = 0; i < pieces_.size(); ++i) {
        f += pieces_[i];
        if (i < marks_.size()) f += std::to_string(marks_[i] == 'U' ? id : stamp_ns);
    }
    return f;
}

void RawSender::accept_all() {
    for (int k = 0; k < 256; ++k) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &o_.sndbuf, sizeof o_.sndbuf);
        peers_.push_back(Peer{fd, false, {}, {}});
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = peers_.size() - 1;
        ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    }
}

void RawSender::drop(std::size_t i) {
    Peer& p = peers_[i];
    if (p.fd < 0) return;
    ::epoll_ctl(ep_, EPOLL_CTL_DEL, p.fd, nullptr);
    ::close(p.fd);
    p.fd = -1;
    if (p.streaming) --streaming_;
    p.streaming = false;
    p.backlog.clear();
    ++dropped_;
}

void RawSender::on_readable(std::size_t i) {
    Peer& p = peers_[i];
    char buf[4096];
    const ssize_t n = ::recv(p.fd, buf, sizeof buf, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        drop(i);
        return;
    }
    if (n < 0 || p.streaming) return;
    p.request.append(buf, static_cast<std::size_t>(n));
    if (p.request.find("\r\n\r\n") == std::string::npos) return;
    p.request.clear();
    p.request.shrink_to_fit();
    p.streaming = true;
    ++streaming_;
    const std::string pre = kPreamble;
    ::send(p.fd, pre.data(), pre.size(), MSG_NOSIGNAL);
}

void RawSender::on_writable(std::size_t i) {
    Peer& p = peers_[i];
    const ssize_t n = ::send(p.fd, p.backlog.data(), p.backlog.size(), MSG_NOSIGNAL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EWOULDBLOCK) drop(i);
        return;
    }
    ++sends_;
    bytes_ += static_cast<std::uint64_t>(n);
    p.backlog.erase(0, static_cast<std::size_t>(n));
    if (p.backlog.empty()) {
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLRDHUP;
        ev.data.u64 = i;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, p.fd, &ev);
    }
}

void RawSender::fan_out(const std::string& bytes) {
    for (std::size_t i = 0; i < peers_.size(); ++i) {
        Peer& p = peers_[i];
        if (p.fd < 0 || !p.streaming) continue;
        if (!p.backlog.empty()) {
            p.backlog += bytes;
            ++backlogged_;
            backlog_max_ = std::max(backlog_max_, p.backlog.size());
            continue;
        }
        const ssize_t n = ::send(p.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
        ++sends_;
        if (n == static_cast<ssize_t>(bytes.size())) {
            bytes_ += bytes.size();
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            drop(i);
            continue;
        }
        const std::size_t done = n > 0 ? static_cast<std::size_t>(n) : 0;
        bytes_ += done;
        ++partial_;
        p.backlog.assign(bytes, done, std::string::npos);
        backlog_max_ = std::max(backlog_max_, p.backlog.size());
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP;
        ev.data.u64 = i;
        ::epoll_ctl(ep_, EPOLL_CTL_MOD, p.fd, &ev);
    }
}

int RawSender::run() {
    std::signal(SIGINT, raw_on_signal);
    std::signal(SIGTERM, raw_on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    load_template();
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(o_.port);
    ::inet_pton(AF_INET, o_.host.c_str(), &a.sin_addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(listen_fd_, 65535) != 0) {
        std::perror("raw: listen");
        return 1;
    }
    socklen_t len = sizeof a;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    epoll_event lev{};
    lev.events = EPOLLIN;
    lev.data.u64 = UINT64_MAX;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, listen_fd_, &lev);
    std::printf("listening on http://%s:%u\n", o_.host.c_str(), static_cast<unsigned>(ntohs(a.sin_port)));
    std::fflush(stdout);

    std::vector<epoll_event> evs(1024);
    auto pump = [&](int timeout_ms) {
        const int n = ::epoll_wait(ep_, evs.data(), static_cast<int>(evs.size()), timeout_ms);
        for (int k = 0; k < n; ++k) {
            if (evs[k].data.u64 == UINT64_MAX) {
                accept_all();
                continue;
            }
            const std::size_t i = static_cast<std::size_t>(evs[k].data.u64);
            if (peers_[i].fd < 0) continue;
            if (evs[k].events & EPOLLOUT) on_writable(i);
            if (peers_[i].fd >= 0 && (evs[k].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) on_readable(i);
        }
    };
    // Phase 1: take the streams.
    const std::int64_t wait_end = mono_ns() + static_cast<std::int64_t>(o_.max_wait_s * 1e9);
    while (!g_stop && mono_ns() < wait_end) {
        if (o_.start_file.empty() ? streaming_ >= static_cast<std::size_t>(o_.clients) : file_exists(o_.start_file)) break;
        if (file_exists(o_.stop_file)) break;
        pump(20);
    }
    // Phase 2: the offered load, on the row schedule; a frame's stamp is its scheduled commit time, so a
    // sender that falls behind shows it as latency.
    const std::int64_t total = static_cast<std::int64_t>(o_.rate * o_.duration_s + 0.5);
    const double cpu0 = cpu_seconds();
    const std::int64_t t0 = mono_ns(), w0 = wall_ns();
    const std::int64_t end = t0 + static_cast<std::int64_t>((o_.duration_s + o_.grace_s) * 1e9);
    const double period_ns = 1e9 / o_.rate;
    std::int64_t next = 0;
    std::int64_t last_send_done = t0;
    std::size_t streams_at_start = streaming_;
    while (!g_stop && mono_ns() < end) {
        const std::int64_t now = mono_ns();
        const std::int64_t due = std::min<std::int64_t>(total, static_cast<std::int64_t>((now - t0) / period_ns) + 1);
        if (next < due) {
            if (o_.coalesce) {
                std::string joined;
                for (; next < due; ++next)
                    joined += frame(next + 1, w0 + static_cast<std::int64_t>(static_cast<double>(next) * period_ns));
                frames_ += 1;
                fan_out(joined);
            } else {
                for (; next < due && !g_stop && mono_ns() < end; ++next) {
                    fan_out(frame(next + 1, w0 + static_cast<std::int64_t>(static_cast<double>(next) * period_ns)));
                    ++frames_;
                    pump(0);
                }
            }
            last_send_done = mono_ns();
        }
        bool backlog = false;
        for (const Peer& p : peers_)
            if (!p.backlog.empty()) {
                backlog = true;
                break;
            }
        if (next >= total && !backlog) break;
        if (file_exists(o_.stop_file)) break;
        const std::int64_t wait_ns = t0 + static_cast<std::int64_t>(static_cast<double>(next) * period_ns) - mono_ns();
        pump(next >= total ? 10 : static_cast<int>(std::clamp<std::int64_t>(wait_ns / 1'000'000, 0, 10)));
    }
    const double cpu_s = cpu_seconds() - cpu0;
    const double busy_s = static_cast<double>(last_send_done - t0) / 1e9;
    ResultFile r;
    r.set("kind", o_.coalesce ? "raw_coalesced" : "raw");
    r.set("streams", static_cast<std::uint64_t>(streams_at_start));
    r.set("rows", next);
    r.set("rows_planned", total);
    r.set("passes", frames_);
    r.set("sends", sends_);
    r.set("partial_sends", partial_);
    r.set("backlogged_frames", backlogged_);
    r.set("backlog_max_bytes", static_cast<std::uint64_t>(backlog_max_));
    r.set("dropped", dropped_);
    r.set("bytes", bytes_);
    r.set("frame_bytes", static_cast<std::uint64_t>(frame(1, w0).size()));
    r.set("cpu_s", cpu_s);
    r.set("send_wall_s", busy_s);
    if (!o_.result_file.empty()) r.write(o_.result_file);
    std::fprintf(stderr, "raw: %lld rows to %zu streams, %llu sends, cpu %.2f s\n", static_cast<long long>(next),
                 streams_at_start, static_cast<unsigned long long>(sends_), cpu_s);
    // Keep the streams open until told to stop, so the client reads everything before it sees EOF.
    while (!g_stop && !file_exists(o_.stop_file) && mono_ns() < end + 30'000'000'000LL) pump(50);
    for (Peer& p : peers_)
        if (p.fd >= 0) ::close(p.fd);
    ::close(listen_fd_);
    ::close(ep_);
    return 0;
}

}  // namespace agentpulse::load
