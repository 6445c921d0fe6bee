#include "alerts/AlertService.hpp"

#include <spdlog/spdlog.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/AlertStore.hpp"

namespace agentpulse {
namespace net = boost::asio;

namespace {
constexpr auto kToken = net::as_tuple(net::use_awaitable);
constexpr EpochMs kIdleRecheckMs = 60'000;  // a channel with nothing due looks again at least this often
}  // namespace

AlertService::AlertService(net::io_context& io, std::filesystem::path store, AlertEvaluator evaluator,
                           DeliveryOptions opts)
    : io_(io)
    , strand_(net::make_strand(io))
    , store_path_(std::move(store))
    , evaluator_(std::move(evaluator))
    , opts_(std::move(opts))
    , tls_(make_client_tls(opts_.ca_file))
    , eval_timer_(strand_) {
    for (std::size_t i = 0; i < evaluator_.channels().size(); ++i)
        channel_timers_.push_back(std::make_unique<net::steady_timer>(strand_));
    aborts_.resize(channel_timers_.size());
}

AlertService::~AlertService() {
    request_stop();
    join();
}

template <class Fn>
auto AlertService::on_store(Fn fn) -> net::awaitable<decltype(fn(std::declval<Database&>()))> {
    using R = decltype(fn(std::declval<Database&>()));
    auto job = [this, fn = std::move(fn)]() -> net::awaitable<R> { co_return fn(*db_); };
    co_return co_await net::co_spawn(store_ctx_, std::move(job), net::use_awaitable);
}

void AlertService::start() {
    // The connection is opened on the caller's thread (before anything runs on the store thread), so a
    // store that cannot be written fails serve's start-up.
    db_ = std::make_unique<Database>(store_path_, Database::Mode::ReadWrite);
    store_thread_ = std::thread([this] {
        auto work = net::make_work_guard(store_ctx_);
        store_ctx_.run();
    });
    const auto report = [](const char* what) {
        return [what](std::exception_ptr e) {
            if (!e) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& x) {
                spdlog::error("alerts: the {} stopped: {}", what, x.what());
            }
        };
    };
    net::co_spawn(strand_, evaluate_loop(), report("evaluation loop"));
    for (std::size_t i = 0; i < evaluator_.channels().size(); ++i)
        net::co_spawn(strand_, channel_loop(evaluator_.channels()[i]), report("delivery loop"));
}

void AlertService::request_stop() {
    if (stopping_.exchange(true)) return;
    net::post(strand_, [this] {
        eval_timer_.cancel();
        for (auto& t : channel_timers_) t->cancel();
        // An attempt in flight ends now (its job stays pending and is sent again after the restart).
        for (AbortHook& h : aborts_)
            if (h.abort) h.abort();
    });
}

void AlertService::join() {
    if (!store_thread_.joinable()) return;
    store_ctx_.stop();
    store_thread_.join();
    db_.reset();
}

void AlertService::poke() {
    net::post(strand_, [this] {
        eval_timer_.cancel();
        for (auto& t : channel_timers_) t->cancel();
    });
}

net::awaitable<void> AlertService::evaluate_loop() {
    while (!stopping_) {
        try {
            auto eval = [this](Database& db) { return evaluator_.evaluate(db, now_epoch_ms()); };
            const std::vector<AlertMessage> fired = co_await on_store(std::move(eval));
            for (const AlertMessage& m : fired) {
                spdlog::info("alert: rule {} fired (level {}, {:.1f}{} against {:.1f})", m.rule_id, m.level,
                             m.value, m.unit, m.threshold);
                if (on_fire_) on_fire_(m);
            }
            if (!fired.empty())
                for (auto& t : channel_timers_) t->cancel();
        } catch (const std::exception& e) {
            spdlog::warn("alerts: evaluation failed: {}", e.what());
        }
        if (stopping_) break;
        eval_timer_.expires_after(opts_.eval_interval);
        co_await eval_timer_.async_wait(kToken);
    }
}

net::awaitable<PostResult> AlertService::attempt(std::size_t index, const OutboxJob& job) {
    const auto url = split_url(job.url);
    const auto kind = channel_kind_from(job.channel_kind);
    if (!url || !kind) co_return PostResult{std::nullopt, "the queued URL or channel kind is not valid"};
    WebhookRequest req{*url, channel_payload(*kind, job.message), {}};
    req.headers.emplace_back("Idempotency-Key", job.message.key);
    if (*kind == ChannelKind::Webhook && !opts_.secret.empty())
        req.headers.emplace_back("X-Agentpulse-Signature",
                                 "sha256=" + hmac_sha256_hex(opts_.secret, req.body.body));
    co_return co_await post_webhook(strand_, tls_, std::move(req), opts_.timeout, &aborts_.at(index));
}

net::awaitable<void> AlertService::channel_loop(NotifyChannel channel) {
    std::size_t index = 0;
    while (index < evaluator_.channels().size() && evaluator_.channels()[index].name != channel.name) ++index;
    net::steady_timer& timer = *channel_timers_.at(index);
    EpochMs last_attempt = 0;
    while (!stopping_) {
        std::optional<OutboxJob> job;
        EpochMs wake = now_epoch_ms() + kIdleRecheckMs;
        try {
            auto pick = [name = channel.name](Database& db) {
                AlertStore s(db);
                auto j = s.next_due(name, now_epoch_ms());
                return std::pair{j, j ? std::nullopt : s.next_due_time(name)};
            };
            auto [j, next] = co_await on_store(std::move(pick));
            job = std::move(j);
            if (next) wake = std::min(wake, *next);
        } catch (const std::exception& e) {
            spdlog::warn("alerts: reading the outbox of {} failed: {}", channel.name, e.what());
            wake = now_epoch_ms() + 5000;
        }
        if (stopping_) break;
        if (!job || now_epoch_ms() < last_attempt + opts_.min_interval_ms) {
            // Nothing due, or the channel's rate limit: wait (a firing or poke() cancels the wait).
            if (job) wake = last_attempt + opts_.min_interval_ms;
            timer.expires_after(std::chrono::milliseconds(std::max<EpochMs>(wake - now_epoch_ms(), 1)));
            co_await timer.async_wait(kToken);
            continue;
        }
        last_attempt = now_epoch_ms();
        const PostResult r = co_await attempt(index, *job);
        if (stopping_ && !r.ok()) break;  // aborted by the shutdown: left pending, not counted as an attempt
        co_await record(channel, *job, r);
    }
}

// What an attempt came to, into the outbox: sent, dead (410, or past the horizon) or retried later.
net::awaitable<void> AlertService::record(NotifyChannel channel, OutboxJob job, PostResult r) {
    const EpochMs now = now_epoch_ms();
    const int attempts = job.attempts + 1;
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    const double jitter = unit(rng_);
    try {
        auto record = [&, id = job.id, created = job.created_ms](Database& db) {
            AlertStore s(db);
            if (r.ok()) {
                s.mark_sent(id, *r.status, now);
                return std::string("sent");
            }
            if (r.gone() || now >= created + opts_.give_up_after_ms) {
                s.mark_dead(id, r.status, r.error, now);
                return std::string("dead");
            }
            const EpochMs next =
                std::min(now + retry_delay_ms(attempts, jitter, opts_.retry_base_ms, opts_.retry_cap_ms),
                         created + opts_.give_up_after_ms);
            s.mark_retry(id, r.status, r.error, next);
            return std::string("retry");
        };
        const std::string outcome = co_await on_store(std::move(record));
        if (outcome == "sent") {
            ++deliveries_;
            spdlog::info("alerts: {} delivered to {} (attempt {})", job.message.rule_id, channel.name,
                         attempts);
        } else {
            spdlog::warn("alerts: {} to {} failed (attempt {}): {}{}", job.message.rule_id, channel.name,
                         attempts, r.error, outcome == "dead" ? "; gave up (dead letter)" : "; will retry");
        }
    } catch (const std::exception& e) {
        spdlog::warn("alerts: recording a delivery to {} failed: {}", channel.name, e.what());
    }
}

}  // namespace agentpulse
