// agentpulse serve: wires the store, the embedded watcher thread (unless --no-watcher), the poller
// thread, the broadcaster (on its strand) and the HTTP server on one io_context run by --io-threads
// threads, prints "listening on ..." once it accepts connections, and shuts all of it down on SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json/parse.hpp>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "alerts/AlertService.hpp"
#include "app/DemoAgents.hpp"
#include "app/Forwarding.hpp"
#include "app/Startup.hpp"
#include "http/HttpServer.hpp"
#include "ingest/BatchInbox.hpp"
#include "ingest/Watcher.hpp"
#include "live/Broadcaster.hpp"
#include "live/Poller.hpp"
#include "report/QueryPool.hpp"
#include "report/ReportJson.hpp"
#include "core/SseFrame.hpp"
#include "store/Migrations.hpp"

namespace agentpulse {
namespace net = boost::asio;
namespace fs = std::filesystem;

namespace {

fs::path default_static_dir() {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    const fs::path dir = ec ? fs::current_path() : exe.parent_path();
    for (const fs::path& candidate : {dir / "www", dir / ".." / "frontend" / "dist", fs::path("/usr/share/agentpulse/www")})
        if (fs::is_regular_file(candidate / "index.html", ec)) return fs::weakly_canonical(candidate, ec);
    return dir / ".." / "frontend" / "dist";
}

WatcherState embedded_state(const Watcher& w) {
    const Watcher::Status s = w.status();
    WatcherState out;
    out.source = "embedded";
    out.state = s.state == Watcher::State::Running ? "running" : s.state == Watcher::State::Stopped ? "stopped" : "unknown";
    out.reason = s.state == Watcher::State::Starting ? "the watcher is starting (catching up on transcripts)" : s.reason;
    if (s.since_ms > 0) out.since = format_iso8601(s.since_ms);
    return out;
}

// --demo: simulated agents write into a temporary folder, which the embedded watcher watches; the store is
// a temporary file too unless --store (or AGENTPULSE_STORE / the config file) names one.
struct DemoSetup {
    std::unique_ptr<DemoAgents> agents;
    Config config;
};

DemoSetup prepare_demo(const Config& given) {
    DemoSetup d;
    try {
        d.agents = std::make_unique<DemoAgents>();
    } catch (const std::exception& e) {
        throw StartupError(1, std::string("--demo: ") + e.what());
    }
    d.config = given;
    d.config.roots = d.agents->roots();
    if (given.store == default_store_path()) d.config.store = d.agents->folder() / "store.db";
    spdlog::info("demo: simulated agents write under {}; store {}", d.agents->folder().string(), d.config.store.string());
    return d;
}

// The address to listen on; a non-loopback one needs a token unless --allow-remote says otherwise.
net::ip::address listen_address(const Config& c, const std::string& host, const char* option) {
    boost::system::error_code ec;
    const auto addr = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (ec) throw StartupError(2, std::string(option) + " '" + host + "' is not an IP address");
    if (!addr.is_loopback() && c.token.empty() && !c.allow_remote)
        throw StartupError(2, "refusing to listen on " + host +
                                  " without --token: anyone who can reach it would see your agents' activity. "
                                  "Set --token (or AGENTPULSE_TOKEN), or pass --allow-remote if that is intended");
    if (!addr.is_loopback() && c.token.empty())
        spdlog::warn("listening on {} without a token (--allow-remote): anyone who can reach this address sees your "
                     "agents' activity",
                     host);
    return addr;
}

// The embedded watcher (null with --no-watcher, where the store must exist and is only read). It also
// commits the OTLP receiver's jobs from `inbox` (null: no receiver).
std::unique_ptr<Watcher> make_watcher(const Config& c, std::shared_ptr<const PriceBook> prices, IngestStats& stats,
                                      BatchInbox* inbox) {
    if (c.no_watcher) {
        open_store_for_reading(c.store);
        spdlog::info("--no-watcher: reading {} (read-only); another process must write it", c.store.string());
        return nullptr;
    }
    open_store_for_writing(c.store);
    WatcherOptions wo{c.roots, c.store, std::move(prices)};
    wo.inbox = inbox;
    wo.index_text = c.index_text;
    wo.machine = c.machine;
    wo.user = c.user;
    return std::make_unique<Watcher>(std::move(wo), stats);
}

std::thread start_watcher_thread(Watcher& w) {
    return std::thread([&w] {
        try {
            w.run();
        } catch (const std::exception& e) {
            spdlog::error("watcher stopped: {}", e.what());
            w.set_stopped(std::string("the watcher thread died: ") + e.what());
        }
    });
}

ServeInfo serve_info(const Config& c, const DemoAgents* demo, bool embedded_watcher) {
    ServeInfo info;
    info.demo = demo != nullptr;
    info.embedded_watcher = embedded_watcher;
    info.roots = c.roots;
    info.store = c.store.string();
    info.budget = c.budget;
    info.token_required = !c.token.empty();
    info.machine = origin_of(c).machine;
    info.forward = c.forward;
    if (demo) info.demo_folder = demo->folder().string();
    return info;
}

StaticFiles dashboard_files(const Config& c) {
    StaticFiles files(c.static_dir.empty() ? default_static_dir() : c.static_dir);
    if (!files.available())
        spdlog::warn("dashboard not found under {}; serving the API only (build it with scripts/build.sh)",
                     files.root().string());
    return files;
}

PollerOptions poller_options(const Config& c, const Watcher* watcher) {
    PollerOptions po;
    po.store = c.store;
    po.budget = c.budget;
    po.machine = origin_of(c).machine;
    if (watcher) po.embedded_watcher = [watcher] { return embedded_state(*watcher); };
    return po;
}

ServerLimits server_limits(const Config& c) {
    ServerLimits l;
    if (c.max_connections) l.max_connections = *c.max_connections;
    if (c.request_timeout_ms) l.request_timeout_ms = *c.request_timeout_ms;
    if (c.keepalive_timeout_ms) l.keepalive_timeout_ms = *c.keepalive_timeout_ms;
    if (c.retry_ms) l.retry_ms = *c.retry_ms;
    return l;
}

// The OTLP listener's limits: bodies up to 8 MiB as sent (a gzip body may inflate to 64 MiB, OtlpReceiver),
// more time to send one; the connection cap and keep-alive are the main port's.
ServerLimits otlp_limits(const Config& c) {
    ServerLimits l = server_limits(c);
    l.body_limit = 8 * 1024 * 1024;
    l.request_timeout_ms = std::max<std::int64_t>(l.request_timeout_ms, 30'000);
    return l;
}

// Shutdown closes the listener and every connection and ends every stream; io.run() returns once nothing
// is in flight. A request being answered on the poller's thread (stats, metrics) must complete for its
// connection to end, so the poller runs until then. If anything still holds the io_context 1.5 s after
// the signal, the backstop stops it, so serve always exits within the 2 s the contract promises.
class ShutdownBackstop {
public:
    explicit ShutdownBackstop(net::io_context& io) : io_(io) {}
    ~ShutdownBackstop() { io_finished(); }
    // From the signal handler: start counting.
    void arm() {
        thread_ = std::thread([this] {
            std::unique_lock lock(mutex_);
            if (!cv_.wait_for(lock, std::chrono::milliseconds(1500), [this] { return done_; })) {
                spdlog::warn("shutdown: work still pending after 1.5 s; stopping anyway");
                io_.stop();
            }
        });
    }
    // After io.run() returned on every io thread.
    void io_finished() {
        {
            std::lock_guard lock(mutex_);
            done_ = true;
        }
        cv_.notify_all();
        if (thread_.joinable()) thread_.join();
    }

private:
    net::io_context& io_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

// Runs the io_context on `threads` threads, the calling one included, until it runs out of work. A
// handler that throws is a bug: it is logged and serving stops, rather than running on with a thread fewer.
void run_io_threads(net::io_context& io, int threads) {
    const auto run = [&io] {
        try {
            io.run();
        } catch (const std::exception& e) {
            spdlog::error("io thread stopped: {}", e.what());
            io.stop();
        }
    };
    std::vector<std::thread> more;
    for (int i = 1; i < threads; ++i) more.emplace_back(run);
    run();
    for (std::thread& t : more) t.join();
}

// The alert rules' evaluation and delivery, when any rule or channel is configured (null otherwise). Each
// firing also goes to the browsers as an `alert` frame.
std::unique_ptr<AlertService> make_alerts(const Config& c, net::io_context& io, Broadcaster& broadcaster) {
    if (c.alert_rules.empty() && c.channels.empty()) return nullptr;
    // Alerts keep their state and outbox in the store; a --no-watcher server holds it read-only (SECURITY.md).
    if (c.no_watcher) {
        spdlog::warn("alerts: not evaluated with --no-watcher (they write their state to the store); /api/alerts shows "
                     "what the store holds");
        return nullptr;
    }
    DeliveryOptions opts;
    opts.secret = c.notify_secret;
    opts.ca_file = c.notify_ca;
    auto service = std::make_unique<AlertService>(io, c.store, AlertEvaluator(c.alert_rules, c.channels, c.alert_tz), opts);
    service->on_fire([&broadcaster](const AlertMessage& m) {
        const std::string_view type = event_name(StreamEvent::Alert);
        auto frame = std::make_shared<const std::string>(
            sse_frame(type, sse_data_json(type, boost::json::parse(alert_json(m)), now_epoch_ms())));
        net::post(broadcaster.strand(), [&broadcaster, frame] { broadcaster.publish_alert(frame); });
    });
    spdlog::info("alerts: {} rule(s), {} channel(s); budget days in {}", c.alert_rules.size(), c.channels.size(), c.alert_tz);
    return service;
}

}  // namespace

// One piece on purpose: every component lives on this stack, and the order of construction, start and
// stop below is the shutdown contract (streams end before the poller stops; the watcher stops last).
int run_serve(const Config& given) {
    DemoSetup demo;
    if (given.demo) demo = prepare_demo(given);
    const Config& c = demo.agents ? demo.config : given;
    const auto addr = listen_address(c, c.host, "--host");
    if (c.otlp_port >= 0) listen_address(c, c.otlp_host, "--otlp-listen");
    // The OTLP receiver's queue to the store writer (bounded: a full queue answers 429).
    BatchInbox otlp_queue(c.otlp_queue_records);
    BatchInbox* const otlp_inbox = c.otlp_port >= 0 ? &otlp_queue : nullptr;
    OtlpCounters otlp_counters;

    auto prices = load_prices(c);
    IngestStats ingest_stats;
    std::unique_ptr<Watcher> watcher = make_watcher(c, prices, ingest_stats, otlp_inbox);

    // One io_context for HTTP and the streams; the broadcaster's strand serializes the fan-out on it.
    net::io_context io(c.io_threads);
    Broadcaster broadcaster(net::make_strand(io), 10'000);
    Poller poller(poller_options(c, watcher.get()), broadcaster);
    broadcaster.on_time_zones([&poller](std::vector<std::string> tzs) { poller.set_time_zones(std::move(tzs)); });
    // Dashboard reports (Overview, Sessions) run on their own threads and connections.
    QueryPool queries(c.store, 2);
    try {
        poller.start();
        queries.start();
    } catch (const StoreError& e) {
        poller.stop();
        throw StartupError(2, std::string("store: ") + e.what());
    }

    std::thread watcher_thread;
    if (watcher) {
        watcher->on_commit([&poller] { poller.poll_now(); });
        watcher_thread = start_watcher_thread(*watcher);
    }
    const auto stop_watcher = [&] {
        if (!watcher) return;
        watcher->stop();
        if (watcher_thread.joinable()) watcher_thread.join();
    };
    if (demo.agents) demo.agents->start();
    ForwardingThread forwarding(c);

    const ServeInfo info = serve_info(c, demo.agents.get(), watcher != nullptr);
    ServerContext ctx{broadcaster, poller, {}, dashboard_files(c), c.token, server_limits(c), watcher ? &ingest_stats : nullptr};
    ctx.started_ms = now_epoch_ms();
    ctx.loopback_only = addr.is_loopback();
    ctx.io_threads = c.io_threads;
    ctx.queries = &queries;
    ctx.info = &info;
    ctx.prices = prices;
    ctx.otlp_counters = otlp_inbox ? &otlp_counters : nullptr;
    const Redactor redactor(c.redact, c.default_redactions);  // the patterns were checked with the options
    ctx.redactor = &redactor;
    ctx.alert_config = std::make_shared<const boost::json::value>(alert_rules_json(c.alert_rules, c.channels));
    HttpServer server(io, ctx);
    // The OTLP listener: the same io_context and token, its own limits and routes (ctx.otlp).
    ServerContext otlp_ctx{broadcaster, poller, {}, StaticFiles(fs::path()), c.token, otlp_limits(c), nullptr};
    OtlpReceiver otlp_rx{otlp_queue, otlp_counters};
    otlp_ctx.otlp = &otlp_rx;
    otlp_ctx.io_threads = c.io_threads;
    HttpServer otlp_server(io, otlp_ctx);
    net::ip::tcp::endpoint ep;
    try {
        ep = server.listen(c.host, static_cast<unsigned short>(c.port));
    } catch (const boost::system::system_error& e) {
        poller.stop();
        stop_watcher();
        throw StartupError(1, "cannot listen on " + c.host + ":" + std::to_string(c.port) + ": " + e.code().message());
    }
    server.start();
    std::unique_ptr<AlertService> alerts;
    try {
        alerts = make_alerts(c, io, broadcaster);
        if (alerts) alerts->start();
    } catch (const StoreError& e) {
        server.stop();
        poller.stop();
        stop_watcher();
        throw StartupError(2, std::string("alerts: ") + e.what());
    } catch (const boost::system::system_error& e) {  // --notify-ca unreadable
        server.stop();
        poller.stop();
        stop_watcher();
        throw StartupError(2, "alerts: --notify-ca " + c.notify_ca + ": " + e.code().message());
    }
    net::ip::tcp::endpoint otlp_ep;
    if (otlp_inbox) {
        try {
            otlp_ep = otlp_server.listen(c.otlp_host, static_cast<unsigned short>(c.otlp_port));
        } catch (const boost::system::system_error& e) {
            server.stop();
            poller.stop();
            stop_watcher();
            throw StartupError(1, "cannot listen on " + c.otlp_host + ":" + std::to_string(c.otlp_port) + " (--otlp-listen): " +
                                      e.code().message());
        }
        otlp_server.start();
    }

    ShutdownBackstop backstop(io);
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", sig);
        server.stop();
        if (otlp_inbox) otlp_server.stop();
        if (watcher) watcher->stop();
        if (alerts) alerts->request_stop();
        backstop.arm();
    });

    const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(ep.port()));
    if (otlp_inbox) {
        const std::string oh = otlp_ep.address().is_v6() ? "[" + otlp_ep.address().to_string() + "]" : otlp_ep.address().to_string();
        std::printf("otlp listening on http://%s:%u\n", oh.c_str(), static_cast<unsigned>(otlp_ep.port()));
    }
    std::fflush(stdout);
    spdlog::info("store {}; watcher {}; {} io thread(s)", c.store.string(), watcher ? "embedded" : "external (--no-watcher)",
                 c.io_threads);

    run_io_threads(io, c.io_threads);
    backstop.io_finished();
    if (alerts) alerts->join();
    if (demo.agents) demo.agents->stop();
    forwarding.stop();
    queries.stop();
    poller.stop();
    stop_watcher();
    spdlog::info("stopped");
    return 0;
}

}  // namespace agentpulse
