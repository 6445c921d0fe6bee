// `--forward URL`: sends the rows of the store (usage events, tool calls, sessions) to an OTLP/HTTP endpoint
// as agentpulse's own log events (otlp/ForwardMapping), from a cursor kept in the store per destination
// (forward_cursors): each pass reads up to `batch` rows of each kind past the cursor in one read
// transaction, posts them, and moves the cursor only once the endpoint accepted them. So a centre that was
// down, or a laptop that was offline, catches up from where it stopped; a request that was received but
// whose answer was lost is sent again, which the receiver's natural keys make harmless. One thread and one
// connection of its own: ingest never waits for it. docs/teams.md.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace agentpulse {

struct HttpAnswer;

struct ForwarderOptions {
    std::filesystem::path store;
    std::string url;    // http://host:port[/path]; the path defaults to /v1/logs
    std::string token;  // Authorization: Bearer, when the endpoint wants one
    int batch = 500;    // rows of each kind per request
    std::chrono::milliseconds idle_poll{250};
    std::chrono::milliseconds min_backoff{500}, max_backoff{30'000};
    std::chrono::milliseconds timeout{10'000};  // per request
};

class Forwarder {
public:
    explicit Forwarder(ForwarderOptions opts);  // throws std::invalid_argument for a bad URL

    // Until stop(): passes, a poll interval apart when idle, backing off after failures.
    void run();
    void stop();

    enum class Pass { Sent, Idle, Failed };
    // One pass (opens the store on first use). Failed: the endpoint refused or could not be reached.
    Pass pass();
    // Passes until nothing is left (true), or `budget` has passed with the endpoint failing, or it refused
    // with a 4xx that retrying will not change (401, 403, 404, 400...) (false).
    bool drain(std::chrono::milliseconds budget);

    struct Counters {
        std::atomic<std::int64_t> records{0}, requests{0}, failures{0}, bytes{0}, rejected{0};
    };
    const Counters& counters() const { return counters_; }
    const std::string& destination() const { return opts_.url; }
    const std::string& last_error() const { return last_error_; }  // "" after an accepted request

private:
    struct Store;
    struct Batch {
        std::size_t records = 0;
        std::string body;                    // the encoded request
        std::array<std::int64_t, 5> marks{};  // the cursor once it is accepted (usage id, growth, tool id, result, session)
    };
    Batch read_batch();
    Pass failed(const HttpAnswer& a, std::size_t records);
    void sleep_for(std::chrono::milliseconds d);

    ForwarderOptions opts_;
    Counters counters_;
    std::unique_ptr<Store> store_;
    std::string last_error_;
    int last_status_ = 0;
    std::atomic<bool> stop_{false};
    std::mutex mu_;
    std::condition_variable cv_;

public:
    ~Forwarder();
};

}  // namespace agentpulse
