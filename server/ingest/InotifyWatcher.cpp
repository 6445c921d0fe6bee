// See InotifyWatcher.hpp.
#include "ingest/InotifyWatcher.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <system_error>

namespace agentpulse {

namespace {
constexpr std::uint32_t kMask = IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                IN_DELETE_SELF | IN_MOVE_SELF | IN_ATTRIB | IN_ONLYDIR;
}

InotifyWatcher::InotifyWatcher() {
    inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (inotify_fd_ < 0) throw std::system_error(errno, std::generic_category(), "inotify_init1");
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0) {
        ::close(inotify_fd_);
        throw std::system_error(errno, std::generic_category(), "eventfd");
    }
}

InotifyWatcher::~InotifyWatcher() {
    ::close(inotify_fd_);
    ::close(wake_fd_);
}

bool InotifyWatcher::add_directory(const std::filesystem::path& dir) {
    const int wd = inotify_add_watch(inotify_fd_, dir.c_str(), kMask);
    if (wd < 0) return false;
    // The same directory (inode) always yields the same wd; a re-created one gets a new wd.
    if (auto old = by_path_.find(dir.string()); old != by_path_.end() && old->second != wd) dirs_.erase(old->second);
    dirs_[wd] = dir;
    by_path_[dir.string()] = wd;
    return true;
}

void InotifyWatcher::wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

std::vector<InotifyWatcher::Event> InotifyWatcher::wait(std::chrono::milliseconds timeout, bool& overflow) {
    overflow = false;
    std::vector<Event> events;
    pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
    const int rc = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, timeout.count())));
    if (rc <= 0) return events;
    if (fds[1].revents & POLLIN) {
        std::uint64_t v;
        [[maybe_unused]] const ssize_t n = ::read(wake_fd_, &v, sizeof v);
    }
    if (!(fds[0].revents & POLLIN)) return events;
    alignas(inotify_event) char buf[64 * 1024];
    for (;;) {
        const ssize_t len = ::read(inotify_fd_, buf, sizeof buf);
        if (len <= 0) break;
        for (ssize_t off = 0; off < len;) {
            const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
            off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
            if (ev->mask & IN_Q_OVERFLOW) {
                overflow = true;
                continue;
            }
            auto dir = dirs_.find(ev->wd);
            if (ev->mask & IN_IGNORED) {
                if (dir != dirs_.end()) {
                    by_path_.erase(dir->second.string());
                    dirs_.erase(dir);
                }
                continue;
            }
            if (dir == dirs_.end()) continue;
            Event e;
            e.path = ev->len > 0 ? dir->second / ev->name : dir->second;
            e.is_dir = (ev->mask & IN_ISDIR) != 0;
            e.appeared = (ev->mask & (IN_CREATE | IN_MOVED_TO)) != 0;
            e.gone = (ev->mask & (IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF)) != 0;
            events.push_back(std::move(e));
        }
    }
    return events;
}

}  // namespace agentpulse
