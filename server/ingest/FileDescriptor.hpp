// A file descriptor closed when it goes out of scope: the readers open a transcript per call and hold no
// descriptor between calls, so thousands of transcripts cost no open files.
#pragma once

#include <unistd.h>

namespace agentpulse {

class FileDescriptor {
public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

private:
    int fd_;
};

}  // namespace agentpulse
