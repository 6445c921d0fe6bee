// See SubscriberPool.hpp. Level-triggered epoll, one read per ready socket per wake (fair across
// thousands of streams), every loop bounded by the run's duration.
#include "SubscriberPool.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
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

#include "LoadClock.hpp"
#include "ResultFile.hpp"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

namespace agentpulse::load {

namespace {

volatile std::sig_atomic_t g_stop = 0;
extern "C" void pool_on_signal(int) { g_stop = 1; }

constexpr std::size_t kReadBytes = 128 * 1024;
constexpr int kMaxEvents = 1024;

bool file_exists(const std::string& p) { return !p.empty() && access(p.c_str(), F_OK) == 0; }

}  // namespace

SubscriberPool::SubscriberPool(PoolOptions opts) : o_(std::move(opts)), buf_(kReadBytes) {
    if (o_.source_base == 0) o_.source_base = (127u << 24) | (10u << 16) | 1u;
    if (o_.per_source < 1) o_.per_source = 1;
    conns_.resize(static_cast<std::size_t>(std::max(o_.clients, 0)));
    for (std::size_t i = 0; i < conns_.size(); ++i) conns_[i].stall = static_cast<int>(i) < o_.stall_count;
    healthy_target_ = conns_.size() - static_cast<std::size_t>(std::min(o_.stall_count, o_.clients));
    rng_ ^= static_cast<std::uint64_t>(getpid()) << 17;
}

SubscriberPool::~SubscriberPool() {
    for (Conn& c : conns_)
        if (c.fd >= 0) ::close(c.fd);
    if (ep_ >= 0) ::close(ep_);
}

std::uint32_t SubscriberPool::source_of(std::size_t i) const {
    return o_.source_base + static_cast<std::uint32_t>(i / static_cast<std::size_t>(o_.per_source));
}

void SubscriberPool::open(std::size_t i) {
    Conn& c = conns_[i];
    c.parser.reset();
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        ++connect_failures_;
        if (o_.verbose) std::fprintf(stderr, "socket: %s\n", std::strerror(errno));
        schedule_reconnect(i);
        return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(source_of(i));
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(o_.port);
    ::inet_pton(AF_INET, o_.host.c_str(), &dst.sin_addr);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS)) {
        ++connect_failures_;
        if (o_.verbose) std::fprintf(stderr, "connect %zu: %s\n", i, std::strerror(errno));
        ::close(fd);
        schedule_reconnect(i);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLOUT | EPOLLRDHUP;
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_ADD, fd, &ev);
    c.fd = fd;
    c.st = St::Connecting;
    c.attempt_ns = mono_ns();
}

void SubscriberPool::on_writable(std::size_t i) {
    Conn& c = conns_[i];
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        ++connect_failures_;
        close_conn(i, true);
        return;
    }
    std::string req = "GET " + o_.path + " HTTP/1.1\r\nHost: " + o_.host + ":" + std::to_string(o_.port) +
                      "\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n";
    if (!c.parser.last_event_id().empty()) req += "Last-Event-ID: " + c.parser.last_event_id() + "\r\n";
    req += "\r\n";
    const ssize_t n = ::send(c.fd, req.data(), req.size(), MSG_NOSIGNAL);
    if (n != static_cast<ssize_t>(req.size())) {
        ++connect_failures_;
        close_conn(i, true);
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.st = St::Requesting;
}

void SubscriberPool::on_readable(std::size_t i, std::int64_t now_wall) {
    Conn& c = conns_[i];
    const ssize_t n = ::recv(c.fd, buf_.data(), buf_.size(), 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        if (c.st == St::Requesting) ++http_failures_, ++http_closed_;
        close_conn(i, true);
        return;
    }
    if (n < 0) return;
    bytes_ += static_cast<std::uint64_t>(n);
    const bool ok = c.parser.feed(buf_.data(), static_cast<std::size_t>(n),
                                  [&](const SseMessage& m) { on_message(i, m, now_wall); });
    if (!ok) {
        ++http_failures_;
        ++http_status_;
        last_bad_status_ = c.parser.status();
        if (o_.verbose) std::fprintf(stderr, "client %zu: not an event stream (status %d)\n", i, c.parser.status());
        close_conn(i, true);
        return;
    }
    max_held_ = std::max(max_held_, c.parser.held());
}

void SubscriberPool::on_message(std::size_t i, const SseMessage& m, std::int64_t now_wall) {
    Conn& c = conns_[i];
    switch (m.type) {
        case SseType::Ready:
            if (c.st == St::Requesting) {
                c.st = St::Streaming;
                if (!c.stall) {
                    ++streaming_;
                    note_streaming_change();
                }
                if (!c.ever_ready) {
                    c.ever_ready = true;
                    ++first_ready_;
                    if (c.stall) c.stall_at_ns = mono_ns() + static_cast<std::int64_t>(o_.stall_after_ms) * 1'000'000;
                }
            }
            return;
        case SseType::Resync:
            ++resyncs_;
            ++c.resyncs;
            c.after_resync = true;
            return;
        case SseType::Event:
        case SseType::EventUpdate:
        case SseType::ToolCall:
        case SseType::ToolResult:
            break;
        default:
            ++control_frames_;
            return;
    }
    ++deliveries_;
    if (first_delivery_ns_ == 0) first_delivery_ns_ = now_wall;
    last_delivery_ns_ = now_wall;
    if (m.stamp_ns > 0) {
        const std::uint64_t us = now_wall > m.stamp_ns ? static_cast<std::uint64_t>((now_wall - m.stamp_ns) / 1000) : 0;
        latency_.add(us);
        ++stamped_;
        const auto sec = static_cast<std::size_t>((now_wall - first_delivery_ns_) / 1'000'000'000);
        if (sec < 24 * 3600) {
            if (per_second_.size() <= sec) per_second_.resize(sec + 1);
            ++per_second_[sec].first;
            per_second_[sec].second = std::max(per_second_[sec].second, us);
        }
        if (m.type == SseType::Event && row_last_us_.size() < 4'000'000) {
            std::uint64_t& slot = row_last_us_[m.row_id];
            slot = std::max(slot, us);
        }
    }
    if (m.type != SseType::Event || m.row_id < 0) return;
    ++events_;
    if (c.last_usage < 0) {
        c.first_usage = m.row_id;
    } else if (m.row_id <= c.last_usage) {
        ++c.dups;
        ++dups_;
        return;
    } else if (m.row_id > c.last_usage + 1) {
        const auto missing = static_cast<std::uint64_t>(m.row_id - c.last_usage - 1);
        if (c.after_resync) {
            skipped_by_resync_ += missing;
        } else {
            ++c.gaps;
            gaps_ += missing;
            ++gap_events_;
        }
    }
    c.after_resync = false;
    c.last_usage = m.row_id;
    ++c.usage_count;
    if (until_id_ >= 0 && !c.reached && !c.stall && c.last_usage >= until_id_) {
        c.reached = true;
        ++reached_;
    }
}

void SubscriberPool::note_streaming_change() {
    const std::int64_t now = wall_ns();
    if (!all_streaming_seen_) {
        if (streaming_ == healthy_target_ && healthy_target_ > 0) all_streaming_seen_ = true;
        return;
    }
    if (!in_outage_ && streaming_ < healthy_target_) {
        in_outage_ = true;
        outage_start_ns_ = now;
        if (first_outage_ns_ == 0) first_outage_ns_ = now;
        ++outages_;
    } else if (in_outage_ && streaming_ == healthy_target_) {
        in_outage_ = false;
        last_recovery_ns_ = now;
        max_outage_ns_ = std::max(max_outage_ns_, now - outage_start_ns_);
    }
}

void SubscriberPool::close_conn(std::size_t i, bool reconnect) {
    Conn& c = conns_[i];
    if (c.fd >= 0) {
        ::epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        c.fd = -1;
    }
    if (c.st == St::Streaming) {
        ++disconnects_;
        if (!c.stall) {
            --streaming_;
            note_streaming_change();
        }
    }
    if (c.st == St::Stalled) {
        c.st = St::Dropped;
        ++stalled_dropped_;
        const std::int64_t ms = (mono_ns() - c.stalled_ns) / 1'000'000;
        stall_drop_ms_max_ = std::max(stall_drop_ms_max_, ms);
        stall_drop_ms_min_ = stall_drop_ms_min_ < 0 ? ms : std::min(stall_drop_ms_min_, ms);
        return;  // a stalled client stays gone: it stands for a browser tab that froze
    }
    c.st = St::Idle;
    if (reconnect && !g_stop) schedule_reconnect(i);
}

void SubscriberPool::schedule_reconnect(std::size_t i) {
    Conn& c = conns_[i];
    c.st = St::Idle;
    int delay = o_.reconnect_ms >= 0 ? o_.reconnect_ms : (c.parser.retry_ms() > 0 ? c.parser.retry_ms() : 2000);
    rng_ ^= rng_ << 13, rng_ ^= rng_ >> 7, rng_ ^= rng_ << 17;
    if (o_.reconnect_jitter_ms > 0) delay += static_cast<int>(rng_ % static_cast<std::uint64_t>(o_.reconnect_jitter_ms));
    reconnect_q_.emplace(mono_ns() + static_cast<std::int64_t>(delay) * 1'000'000, i);
}

void SubscriberPool::stall(std::size_t i) {
    Conn& c = conns_[i];
    // Stop reading but keep the socket: only a reset or an error from the server is noticed now.
    epoll_event ev{};
    ev.events = EPOLLRDHUP;
    ev.data.u64 = i;
    ::epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
    c.st = St::Stalled;
    c.stalled_ns = mono_ns();
    ++stalled_;
}

void SubscriberPool::progress(std::int64_t now_mono) {
    static std::int64_t last = 0;
    if (now_mono - last < 5'000'000'000LL) return;
    last = now_mono;
    std::fprintf(stderr,
                 "load: opened %zu ready %zu streaming %zu deliveries %llu events %llu gaps %llu dups %llu resyncs %llu "
                 "reconnects %llu stalled %zu/%zu dropped\n",
                 opened_, first_ready_, streaming_, static_cast<unsigned long long>(deliveries_),
                 static_cast<unsigned long long>(events_), static_cast<unsigned long long>(gaps_),
                 static_cast<unsigned long long>(dups_), static_cast<unsigned long long>(resyncs_),
                 static_cast<unsigned long long>(reconnects_), stalled_dropped_, stalled_);
}

int SubscriberPool::run() {
    std::signal(SIGINT, pool_on_signal);
    std::signal(SIGTERM, pool_on_signal);
    std::signal(SIGPIPE, SIG_IGN);
    ep_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) {
        std::perror("epoll_create1");
        return 1;
    }
    const std::int64_t t0 = mono_ns();
    const std::int64_t deadline = t0 + static_cast<std::int64_t>(o_.duration_s * 1e9);
    const double cpu0 = cpu_seconds();
    std::vector<epoll_event> evs(kMaxEvents);
    std::int64_t last_stop_check = 0, last_timeout_scan = 0;
    while (!g_stop) {
        const std::int64_t now = mono_ns();
        if (now >= deadline) break;
        if (now - last_stop_check > 100'000'000) {
            last_stop_check = now;
            if (file_exists(o_.stop_file)) break;
            if (until_id_ < 0 && file_exists(o_.until_file)) {
                std::ifstream in(o_.until_file);
                std::int64_t id = -1;
                if (in >> id && id >= 0) {
                    until_id_ = id;
                    for (Conn& c : conns_)
                        if (!c.stall && c.last_usage >= id) c.reached = true, ++reached_;
                }
            }
            if (until_id_ >= 0 && reached_ >= healthy_target_) break;
        }
        if (now - last_timeout_scan >= 500'000'000) {
            last_timeout_scan = now;
            const std::int64_t limit = static_cast<std::int64_t>(o_.attempt_timeout_ms) * 1'000'000;
            for (std::size_t i = 0; i < conns_.size(); ++i) {
                Conn& c = conns_[i];
                if ((c.st == St::Connecting || c.st == St::Requesting) && now - c.attempt_ns > limit) {
                    ++http_failures_;
                    ++attempt_timeouts_;
                    close_conn(i, true);
                }
            }
        }
        // Paced opening: as many as the rate allows by now.
        const auto allowed = static_cast<std::size_t>(std::min<double>(
            static_cast<double>(conns_.size()), static_cast<double>(now - t0) / 1e9 * o_.connect_rate + 1));
        while (opened_ < allowed) open(opened_++);
        while (!reconnect_q_.empty() && reconnect_q_.top().first <= now) {
            const std::size_t i = reconnect_q_.top().second;
            reconnect_q_.pop();
            if (conns_[i].st == St::Idle) {
                if (in_outage_ && outage_first_attempt_ns_ < outage_start_ns_) outage_first_attempt_ns_ = wall_ns();
                ++reconnects_;
                ++conns_[i].reconnects;
                open(i);
            }
        }
        for (std::size_t i = 0; i < conns_.size() && o_.stall_count > 0; ++i) {
            if (i >= static_cast<std::size_t>(o_.stall_count)) break;
            Conn& c = conns_[i];
            if (c.st == St::Streaming && c.stall_at_ns > 0 && now >= c.stall_at_ns) stall(i);
        }
        if (!all_ready_ns_ && first_ready_ == conns_.size() && !conns_.empty()) {
            all_ready_ns_ = wall_ns();
            if (!o_.ready_file.empty()) {
                std::ofstream(o_.ready_file) << all_ready_ns_ << "\n";
            }
            std::fprintf(stderr, "load: all %zu clients ready after %.2f s\n", conns_.size(), (now - t0) / 1e9);
        }
        progress(now);
        int timeout_ms = 10;
        if (opened_ == conns_.size() && reconnect_q_.empty()) timeout_ms = 50;
        const int n = ::epoll_wait(ep_, evs.data(), kMaxEvents, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            std::perror("epoll_wait");
            break;
        }
        const std::int64_t now_wall = wall_ns();
        for (int k = 0; k < n; ++k) {
            const std::size_t i = static_cast<std::size_t>(evs[k].data.u64);
            Conn& c = conns_[i];
            if (c.fd < 0) continue;
            const std::uint32_t e = evs[k].events;
            if (c.st == St::Stalled) {
                if (e & (EPOLLHUP | EPOLLERR | EPOLLRDHUP)) close_conn(i, false);
                continue;
            }
            if (c.st == St::Connecting) {
                if (e & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_writable(i);
                continue;
            }
            if (e & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) on_readable(i, now_wall);
        }
    }
    const double wall_s = static_cast<double>(mono_ns() - t0) / 1e9;
    const double cpu_s = cpu_seconds() - cpu0;
    std::fprintf(stderr, "load: done after %.1f s (cpu %.1f s)\n", wall_s, cpu_s);

    ResultFile r;
    r.set("kind", "subscribe");
    r.set("clients", o_.clients);
    r.set("stall_count", o_.stall_count);
    r.set("opened", static_cast<std::uint64_t>(opened_));
    r.set("first_ready", static_cast<std::uint64_t>(first_ready_));
    r.set("streaming_at_end", static_cast<std::uint64_t>(streaming_));
    r.set("all_ready_ns", all_ready_ns_);
    r.set("connect_failures", connect_failures_);
    r.set("http_failures", http_failures_);
    r.set("http_closed_before_response", http_closed_);
    r.set("http_bad_status", http_status_);
    r.set("http_last_bad_status", last_bad_status_);
    r.set("attempt_timeouts", attempt_timeouts_);
    r.set("disconnects", disconnects_);
    r.set("reconnects", reconnects_);
    r.set("outages", outages_);
    r.set("first_outage_ns", first_outage_ns_);
    r.set("last_recovery_ns", last_recovery_ns_);
    r.set("max_outage_ms", max_outage_ns_ / 1'000'000);
    r.set("outage_first_attempt_ns", outage_first_attempt_ns_);
    r.set("in_outage_at_end", in_outage_ ? 1 : 0);
    r.set("deliveries", deliveries_);
    r.set("events", events_);
    r.set("stamped", stamped_);
    r.set("control_frames", control_frames_);
    r.set("bytes", bytes_);
    r.set("first_delivery_ns", first_delivery_ns_);
    r.set("last_delivery_ns", last_delivery_ns_);
    r.set("gaps", gaps_);
    r.set("gap_events", gap_events_);
    r.set("dups", dups_);
    r.set("resyncs", resyncs_);
    r.set("skipped_by_resync", skipped_by_resync_);
    // Per-client coverage of the usage stream (healthy clients only): equal first/last/count everywhere
    // and count == last - first + 1 means every client saw every id once, in order.
    std::int64_t min_first = -1, max_first = -1, min_last = -1, max_last = -1;
    std::uint64_t min_count = UINT64_MAX, max_count = 0, clients_without = 0;
    for (const Conn& c : conns_) {
        if (c.stall) continue;
        if (c.first_usage < 0) {
            ++clients_without;
            min_count = 0;
            continue;
        }
        min_first = min_first < 0 ? c.first_usage : std::min(min_first, c.first_usage);
        max_first = std::max(max_first, c.first_usage);
        min_last = min_last < 0 ? c.last_usage : std::min(min_last, c.last_usage);
        max_last = std::max(max_last, c.last_usage);
        min_count = std::min(min_count, c.usage_count);
        max_count = std::max(max_count, c.usage_count);
    }
    if (min_count == UINT64_MAX) min_count = 0;
    r.set("min_first", min_first);
    r.set("max_first", max_first);
    r.set("min_last", min_last);
    r.set("max_last", max_last);
    r.set("min_count", min_count);
    r.set("max_count", max_count);
    r.set("clients_without_events", clients_without);
    r.set("stalled", static_cast<std::uint64_t>(stalled_));
    r.set("stalled_dropped", static_cast<std::uint64_t>(stalled_dropped_));
    r.set("stall_drop_ms_min", stall_drop_ms_min_);
    r.set("stall_drop_ms_max", stall_drop_ms_max_);
    r.set("latency_hdr", latency_.encode());
    LatencyHdr spread;
    for (const auto& [id, us] : row_last_us_) spread.add(us);
    r.set("row_last_hdr", spread.encode());
    r.set("max_partial_line_bytes", static_cast<std::uint64_t>(max_held_));
    std::string timeline;  // "deliveries:max_us," per second from the first delivery
    for (const auto& [n, us] : per_second_) timeline += std::to_string(n) + ":" + std::to_string(us) + ",";
    r.set("per_second", timeline);
    r.set("cpu_s", cpu_s);
    r.set("wall_s", wall_s);
    if (!o_.result_file.empty() && !r.write(o_.result_file)) {
        std::fprintf(stderr, "cannot write %s\n", o_.result_file.c_str());
        return 1;
    }
    if (o_.result_file.empty()) std::fputs(r.json().c_str(), stdout);
    return 0;
}

}  // namespace agentpulse::load
