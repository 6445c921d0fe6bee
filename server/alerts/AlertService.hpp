// Alerts in `agentpulse serve`: an evaluation timer and one delivery coroutine per channel, on the
// server's io_context (a strand of their own), and a thread of their own holding the read-write store
// connection the evaluations and the outbox use: nothing here blocks the fan-out, the HTTP requests or
// the watcher (whose writes an alert transaction waits for, on that thread, through busy_timeout).
//
// Delivery is at least once: a job leaves the outbox only when a 2xx came back (or it died), so a
// restart mid-send sends it again, with the same idempotency key (docs/alerts.md).
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <thread>

#include "alerts/AlertEvaluator.hpp"
#include "alerts/WebhookClient.hpp"
#include "store/AlertStore.hpp"
#include "store/Database.hpp"

namespace agentpulse {

struct DeliveryOptions {
    std::chrono::milliseconds eval_interval{5000};  // how often the rules are evaluated
    std::int64_t retry_base_ms = 10'000;            // the first retry's delay (then doubling, with jitter)
    std::int64_t retry_cap_ms = 10 * 60'000;        // the longest delay between two attempts
    std::int64_t give_up_after_ms = 3'600'000;      // a job still failing this long after it was queued dies
    std::chrono::milliseconds timeout{10'000};      // one attempt, connect to response
    std::int64_t min_interval_ms = 1000;            // per channel: at most one request per this long
    std::string secret;                             // HMAC key for the generic webhook's signature
    std::string ca_file;                            // more trusted certificates (PEM), beside the system's
};

class AlertService {
public:
    // `store` must already have the current schema (the caller migrated it).
    AlertService(boost::asio::io_context& io, std::filesystem::path store, AlertEvaluator evaluator,
                 DeliveryOptions opts);
    ~AlertService();

    // Opens the store connection on the service's thread and starts the timer and the delivery loops.
    void start();
    // Thread-safe: ends the loops (an attempt in flight finishes or times out first; its job stays pending
    // unless it succeeded). The io_context then runs out of the service's work.
    void request_stop();
    // After the io_context stopped running the loops: closes the store connection and joins its thread.
    void join();

    // Called on the service's strand with each firing (the server turns it into an `alert` frame).
    void on_fire(std::function<void(const AlertMessage&)> fn) { on_fire_ = std::move(fn); }
    // Thread-safe: evaluate and deliver now.
    void poke();

    const AlertEvaluator& evaluator() const { return evaluator_; }
    std::uint64_t deliveries() const { return deliveries_; }

private:
    boost::asio::awaitable<void> evaluate_loop();
    boost::asio::awaitable<void> channel_loop(NotifyChannel channel);
    // By value: used after suspension points.
    boost::asio::awaitable<void> record(NotifyChannel channel, OutboxJob job, PostResult r);
    boost::asio::awaitable<PostResult> attempt(std::size_t channel_index, const OutboxJob& job);
    template <class Fn>
    auto on_store(Fn fn) -> boost::asio::awaitable<decltype(fn(std::declval<Database&>()))>;

    boost::asio::io_context& io_;
    boost::asio::strand<boost::asio::io_context::executor_type> strand_;
    std::filesystem::path store_path_;
    AlertEvaluator evaluator_;
    DeliveryOptions opts_;
    boost::asio::ssl::context tls_;
    boost::asio::io_context store_ctx_;
    std::unique_ptr<Database> db_;  // store thread only
    std::thread store_thread_;
    boost::asio::steady_timer eval_timer_;
    std::vector<std::unique_ptr<boost::asio::steady_timer>> channel_timers_;
    std::vector<AbortHook> aborts_;  // strand: per channel, the attempt in flight
    std::function<void(const AlertMessage&)> on_fire_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> deliveries_{0};
    std::mt19937_64 rng_{std::random_device{}()};  // strand: retry jitter
};

}  // namespace agentpulse
