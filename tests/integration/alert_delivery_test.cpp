// Alert delivery end to end (alerts/AlertService): rules evaluated on a real store, the outbox sent over
// real sockets to HTTP receivers on 127.0.0.1 that record every request: one that fails the first N times,
// one that hangs, one that answers 410, one that never recovers; a restart mid-retry (a second service
// over the same store file); the per-channel rate limit; the signature and ntfy's headers.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "TempDir.hpp"
#include "WebhookReceiver.hpp"
#include "alerts/AlertService.hpp"
#include "store/AlertStore.hpp"
#include "store/LimitStore.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"

using namespace agentpulse;
using agentpulse::test::Receiver;
using namespace std::chrono_literals;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

// A self-signed certificate for 127.0.0.1 (openssl, which Debian's ca-certificates depends on).
struct SelfSigned {
    agentpulse::test::TempDir dir;
    std::filesystem::path cert = dir / "cert.pem", key = dir / "key.pem";
    SelfSigned() {
        const std::string cmd =
            "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 "
            "-addext subjectAltName=IP:127.0.0.1 -keyout " +
            key.string() + " -out " + cert.string() + " >/dev/null 2>&1";
        BOOST_REQUIRE_MESSAGE(std::system(cmd.c_str()) == 0, "openssl could not make a certificate");
    }
};

// An https receiver on 127.0.0.1 with that certificate: counts handshakes that failed and records requests.
class TlsReceiver {
public:
    explicit TlsReceiver(const SelfSigned& pem)
        : tls_(net::ssl::context::tls_server), acceptor_(io_, {net::ip::make_address("127.0.0.1"), 0}) {
        tls_.use_certificate_chain_file(pem.cert.string());
        tls_.use_private_key_file(pem.key.string(), net::ssl::context::pem);
        thread_ = std::thread([this] { serve(); });
    }
    ~TlsReceiver() {
        stop_ = true;
        boost::system::error_code ec;
        tcp::socket poke(io_);
        poke.connect(acceptor_.local_endpoint(), ec);
        thread_.join();
    }
    std::string url() const {
        return "https://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()) + "/hook";
    }
    std::vector<std::string> keys() const {
        std::lock_guard lock(mu_);
        return keys_;
    }
    int failed_handshakes() const { return failed_; }

private:
    void serve() {
        while (!stop_) {
            tcp::socket s(io_);
            boost::system::error_code ec;
            acceptor_.accept(s, ec);
            if (ec || stop_) break;
            net::ssl::stream<tcp::socket> tls(std::move(s), tls_);
            tls.handshake(net::ssl::stream_base::server, ec);
            if (ec) {
                ++failed_;
                continue;
            }
            beast::flat_buffer buf;
            http::request<http::string_body> req;
            http::read(tls, buf, req, ec);
            if (ec) continue;
            {
                std::lock_guard lock(mu_);
                keys_.push_back(std::string(req["Idempotency-Key"]));
            }
            http::response<http::string_body> res{http::status::ok, 11};
            res.body() = "ok";
            res.prepare_payload();
            http::write(tls, res, ec);
            tls.shutdown(ec);
        }
    }

    net::io_context io_;
    net::ssl::context tls_;
    tcp::acceptor acceptor_;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> failed_{0};
    mutable std::mutex mu_;
    std::vector<std::string> keys_;
};

DeliveryOptions fast() {
    DeliveryOptions o;
    o.eval_interval = 100ms;
    o.retry_base_ms = 100;
    o.retry_cap_ms = 400;
    o.give_up_after_ms = 30'000;
    o.timeout = 2s;
    o.min_interval_ms = 0;
    return o;
}

// The service on an io_context of its own thread, as serve runs it; stopped (and joined) by the destructor.
class Running {
public:
    Running(const std::filesystem::path& store, AlertEvaluator ev, DeliveryOptions opts)
        : service_(io_, store, std::move(ev), std::move(opts)) {
        service_.on_fire([this](const AlertMessage&) { ++fired; });
        service_.start();
        thread_ = std::thread([this] { io_.run(); });
    }
    ~Running() { stop(); }
    void stop() {
        if (!thread_.joinable()) return;
        service_.request_stop();
        thread_.join();
        service_.join();
    }
    std::atomic<int> fired{0};

private:
    net::io_context io_;
    AlertService service_;
    std::thread thread_;
};

struct Store {
    agentpulse::test::TempDir dir;
    std::filesystem::path path = dir / "store.db";
    std::unique_ptr<Database> db;
    Store() {
        db = std::make_unique<Database>(path, Database::Mode::ReadWrite);
        migrate(*db);
    }
    void limit(double used) {
        RateLimitRecord r;
        r.window = "five_hour";
        r.window_minutes = 300;
        r.used_percent = used;
        const EpochMs now = now_epoch_ms();
        r.resets_at = now + 2 * 3'600'000;
        LimitWriter(*db).upsert("codex", r, now, "transcript", "s1");
    }
    std::vector<OutboxJob> jobs(const char* status) { return AlertStore(*db).outbox(status, 100); }
    std::int64_t count(const char* sql) {
        Statement st(*db, sql);
        st.step();
        return st.column_int(0);
    }
};

std::vector<NotifyChannel> channel(const std::string& spec) {
    std::string err;
    return name_channels({*parse_channel(spec, &err)});
}

AlertRule limit_rule() {
    std::string err;
    return *parse_alert_rule("limit window=five_hour percent=80", &err);
}

// Waits until the outbox holds `n` rows of `status`.
bool wait_jobs(Store& s, const char* status, std::size_t n, std::chrono::milliseconds limit = 15s) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
        if (s.jobs(status).size() >= n) return true;
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_delivery)

BOOST_AUTO_TEST_CASE(retries_with_backoff_until_the_receiver_takes_it) {
    Store s;
    Receiver rx({500, 503, 500});
    s.limit(85);
    Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), fast());
    BOOST_REQUIRE(wait_jobs(s, "sent", 1));
    const auto hits = rx.hits();
    BOOST_REQUIRE(hits.size() == 4u);
    for (const auto& h : hits) BOOST_TEST(h.key == hits[0].key);  // one key for every attempt
    BOOST_TEST(hits[0].key.starts_with("ap-"));
    BOOST_TEST(hits[0].body.find(hits[0].key) != std::string::npos);  // in the payload too
    // Backoff: 100, 200, 400 ms, each with jitter down to half.
    BOOST_TEST((hits[1].at - hits[0].at) >= 45ms);
    BOOST_TEST((hits[2].at - hits[1].at) >= 95ms);
    BOOST_TEST((hits[3].at - hits[2].at) >= 195ms);
    const auto sent = s.jobs("sent");
    BOOST_TEST(sent[0].attempts == 4);
    BOOST_TEST(sent[0].last_error.empty());
    BOOST_TEST(run.fired == 1);
}

BOOST_AUTO_TEST_CASE(a_receiver_that_hangs_times_out_and_is_retried) {
    Store s;
    Receiver rx({0});
    s.limit(85);
    DeliveryOptions o = fast();
    o.timeout = 300ms;
    Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), o);
    BOOST_REQUIRE(wait_jobs(s, "sent", 1));
    const auto hits = rx.hits();
    BOOST_REQUIRE(hits.size() == 2u);
    BOOST_TEST(hits[0].answered == 0);
    BOOST_TEST(hits[1].key == hits[0].key);
    BOOST_TEST((hits[1].at - hits[0].at) >= 300ms);
    BOOST_TEST(s.jobs("sent")[0].attempts == 2);
}

BOOST_AUTO_TEST_CASE(stopping_ends_a_hung_attempt_at_once_and_keeps_the_job) {
    Store s;
    Receiver rx({0});
    s.limit(85);
    DeliveryOptions o = fast();
    o.timeout = 20s;
    Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), o);
    BOOST_REQUIRE(rx.wait_for([](const auto& h) { return h.size() == 1; }));
    const auto t0 = std::chrono::steady_clock::now();
    run.stop();
    BOOST_TEST((std::chrono::steady_clock::now() - t0) < 2s);
    const auto pending = s.jobs("pending");
    BOOST_REQUIRE(pending.size() == 1u);
    BOOST_TEST(pending[0].attempts == 0);  // sent again after the restart
}

BOOST_AUTO_TEST_CASE(gone_is_a_dead_letter_at_once) {
    Store s;
    Receiver rx({410});
    s.limit(85);
    Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), fast());
    BOOST_REQUIRE(wait_jobs(s, "dead", 1));
    std::this_thread::sleep_for(600ms);  // several retry delays: none comes
    BOOST_TEST(rx.hits().size() == 1u);
    const auto dead = s.jobs("dead");
    BOOST_TEST(dead[0].attempts == 1);
    BOOST_REQUIRE(dead[0].last_status);
    BOOST_TEST(*dead[0].last_status == 410);
    BOOST_TEST(dead[0].last_error.starts_with("HTTP 410"), dead[0].last_error);
}

BOOST_AUTO_TEST_CASE(gives_up_after_the_horizon_with_the_last_error) {
    Store s;
    Receiver rx(std::vector<int>(1000, 502));
    s.limit(85);
    DeliveryOptions o = fast();
    o.give_up_after_ms = 1000;
    Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), o);
    BOOST_REQUIRE(wait_jobs(s, "dead", 1));
    const auto dead = s.jobs("dead");
    BOOST_TEST(dead[0].last_error.starts_with("HTTP 502"), dead[0].last_error);
    BOOST_TEST(dead[0].attempts >= 3);
    BOOST_TEST(dead[0].attempts <= 15);
    BOOST_TEST(dead[0].attempts == static_cast<int>(rx.hits().size()));
    // Nothing left to send; a connection refused is an error too.
    BOOST_TEST(s.jobs("pending").empty());
}

BOOST_AUTO_TEST_CASE(a_restart_mid_retry_delivers_each_crossing_exactly_once) {
    Store s;
    Receiver rx({500, 500, 500, 500});
    s.limit(85);
    {
        Running first(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), fast());
        BOOST_REQUIRE(rx.wait_for([](const auto& h) { return h.size() >= 2; }));
        first.stop();  // mid-retry: the job is still pending
    }
    BOOST_TEST(s.jobs("pending").size() == 1u);
    const std::size_t before = rx.hits().size();
    Running second(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), fast());
    BOOST_REQUIRE(wait_jobs(s, "sent", 1));
    BOOST_TEST(rx.hits().size() > before);
    BOOST_TEST(second.fired == 0);  // the crossing was not fired again
    // Clear, then cross again: a second firing with its own key.
    s.limit(50);
    std::this_thread::sleep_for(400ms);
    s.limit(90);
    BOOST_REQUIRE(wait_jobs(s, "sent", 2));
    BOOST_TEST(second.fired == 1);
    std::this_thread::sleep_for(300ms);
    std::map<std::string, int> delivered;  // 2xx answers per key
    std::set<std::string> keys;
    for (const auto& h : rx.hits()) {
        keys.insert(h.key);
        if (h.answered == 200) ++delivered[h.key];
    }
    BOOST_TEST(keys.size() == 2u);
    BOOST_TEST(delivered.size() == 2u);
    for (const auto& [key, n] : delivered) BOOST_TEST(n == 1, key);
    BOOST_TEST(s.count("SELECT count(*) FROM alert_firings") == 2);
}

BOOST_AUTO_TEST_CASE(each_channel_is_rate_limited) {
    Store s;
    Receiver rx;
    const auto ch = channel(rx.url());
    AlertEvaluator queue({limit_rule()}, ch, "UTC");
    for (int i = 0; i < 3; ++i) queue.queue_test(*s.db, "", now_epoch_ms() + i);
    DeliveryOptions o = fast();
    o.min_interval_ms = 300;
    Running run(s.path, AlertEvaluator({}, ch, "UTC"), o);
    BOOST_REQUIRE(wait_jobs(s, "sent", 3));
    const auto hits = rx.hits();
    BOOST_REQUIRE(hits.size() == 3u);
    BOOST_TEST((hits[1].at - hits[0].at) >= 280ms);
    BOOST_TEST((hits[2].at - hits[1].at) >= 280ms);
}

BOOST_AUTO_TEST_CASE(signed_webhook_and_ntfy_headers) {
    Store s;
    Receiver hook, topic;
    std::string err;
    const auto chs = name_channels(
        {*parse_channel(hook.url(), &err), *parse_channel("ntfy:" + topic.url("/alerts"), &err)});
    s.limit(95);
    DeliveryOptions o = fast();
    o.secret = "s3cret";
    Running run(s.path, AlertEvaluator({limit_rule()}, chs, "UTC"), o);
    BOOST_REQUIRE(wait_jobs(s, "sent", 2));
    const auto h = hook.hits().at(0);
    BOOST_TEST(h.signature == "sha256=" + hmac_sha256_hex("s3cret", h.body));
    const auto t = topic.hits().at(0);
    BOOST_TEST(t.key == h.key);
    BOOST_TEST(t.title == "agentpulse: codex five_hour limit at 95%");
    BOOST_TEST(t.signature.empty());
    BOOST_TEST(t.body.starts_with("codex's five_hour window is 95% used (resets "), t.body);
}

BOOST_AUTO_TEST_CASE(https_verifies_the_receivers_certificate) {
    SelfSigned pem;
    {
        // Not in the system's CA store: the handshake is refused, the job stays pending with the reason.
        Store s;
        TlsReceiver rx(pem);
        s.limit(85);
        Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), fast());
        const auto end = std::chrono::steady_clock::now() + 15s;
        while (std::chrono::steady_clock::now() < end &&
               (s.jobs("pending").empty() || s.jobs("pending")[0].attempts == 0))
            std::this_thread::sleep_for(20ms);
        const auto pending = s.jobs("pending");
        BOOST_REQUIRE(!pending.empty());
        BOOST_TEST(pending[0].attempts >= 1);
        BOOST_TEST(pending[0].last_error.find("certificate verify failed") != std::string::npos,
                   pending[0].last_error);
        BOOST_TEST(rx.keys().empty());
        BOOST_TEST(rx.failed_handshakes() >= 1);
    }
    {
        // Trusted (--notify-ca): delivered over TLS, with the host (an IP address here) checked.
        Store s;
        TlsReceiver rx(pem);
        s.limit(85);
        DeliveryOptions o = fast();
        o.ca_file = pem.cert.string();
        Running run(s.path, AlertEvaluator({limit_rule()}, channel(rx.url()), "UTC"), o);
        BOOST_REQUIRE(wait_jobs(s, "sent", 1));
        BOOST_REQUIRE(rx.keys().size() == 1u);
        BOOST_TEST(rx.keys()[0] == s.jobs("sent")[0].message.key);
    }
}

BOOST_AUTO_TEST_SUITE_END()
