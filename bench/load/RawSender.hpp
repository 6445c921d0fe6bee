// The raw floor: a trivial sender that accepts the same N streams itself and writes the same frame bytes
// to every socket with plain non-blocking send() calls (no framework, no queue, no timer per client), at
// the same offered row rate as the server's run. Uncoalesced (one send per frame per socket: the machine's
// raw-send floor) or coalesced (one send per socket of every frame due since the last pass, like the
// server's batches). The load client measures it exactly as it measures the server.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace agentpulse::load {

struct RawOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;
    int clients = 1;              // start once this many streams are open (unless a start file is given)
    double rate = 100;            // rows per second
    double duration_s = 10;
    bool coalesce = false;
    int sndbuf = 64 * 1024;       // the server's SO_SNDBUF, so both fill the same kernel buffers
    std::string template_file;    // one real `event` frame captured from the server
    std::string start_file;       // begin sending when this file appears
    std::string stop_file;
    std::string result_file;
    double max_wait_s = 300;      // bound on waiting for clients / the start file
    double grace_s = 10;          // after the last row, time to flush backlogs
};

class RawSender {
public:
    explicit RawSender(RawOptions o);
    int run();

private:
    struct Peer {
        int fd = -1;
        bool streaming = false;
        std::string request;  // bytes of the request read so far
        std::string backlog;  // bytes the socket did not take yet
    };
    void accept_all();
    void on_readable(std::size_t i);
    void on_writable(std::size_t i);
    void drop(std::size_t i);
    void fan_out(const std::string& bytes);
    std::string frame(std::int64_t id, std::int64_t stamp_ns) const;
    bool load_template();

    RawOptions o_;
    int ep_ = -1, listen_fd_ = -1;
    std::vector<Peer> peers_;
    std::vector<std::string> pieces_;  // template split at the row id (even gaps) and stamp markers
    std::vector<char> marks_;          // 'U' or 'S' between pieces
    std::size_t streaming_ = 0;
    std::uint64_t sends_ = 0, partial_ = 0, backlogged_ = 0, dropped_ = 0, frames_ = 0, bytes_ = 0;
    std::size_t backlog_max_ = 0;
};

}  // namespace agentpulse::load
