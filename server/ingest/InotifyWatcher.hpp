// Linux inotify over a set of directories, plus an eventfd so another thread can wake a waiting loop.
// Reports which paths changed; deciding what to do about them is the Watcher's job.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentpulse {

class InotifyWatcher {
public:
    struct Event {
        std::filesystem::path path;
        bool is_dir = false;
        bool appeared = false;  // created or moved in
        bool gone = false;      // deleted or moved away
    };

    InotifyWatcher();  // throws std::system_error when inotify is unavailable
    ~InotifyWatcher();
    InotifyWatcher(const InotifyWatcher&) = delete;
    InotifyWatcher& operator=(const InotifyWatcher&) = delete;

    // Idempotent. False when the kernel refuses (e.g. max_user_watches reached): rescans cover it.
    bool add_directory(const std::filesystem::path& dir);
    std::size_t watched() const { return dirs_.size(); }

    // Waits until events arrive, wake() is called or the timeout passes. `overflow` is set when the
    // kernel dropped events (the caller must rescan).
    std::vector<Event> wait(std::chrono::milliseconds timeout, bool& overflow);
    // Thread-safe.
    void wake();

private:
    int inotify_fd_ = -1;
    int wake_fd_ = -1;
    std::unordered_map<int, std::filesystem::path> dirs_;  // watch descriptor -> directory
    std::unordered_map<std::string, int> by_path_;
};

}  // namespace agentpulse
