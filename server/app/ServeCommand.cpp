// agentpulse serve: wires the store, the embedded watcher thread (unless --no-watcher), the poller
// thread, the broadcaster (on its strand) and the HTTP server on one io_context run by --io-threads
// threads, prints "listening on ..." once it accepts connections, and shuts all of it down on SIGINT/SIGTERM.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <thread>
#include <vector>

#include "app/DemoAgents.hpp"
#include "app/Startup.hpp"
#include "http/HttpServer.hpp"
#include "ingest/Watcher.hpp"
#include "live/Broadcaster.hpp"
#include "live/Poller.hpp"
#include "report/QueryPool.hpp"
#include "report/ReportJson.hpp"

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

}  // namespace

int run_serve(const Config& given) {
    // --demo: simulated agents write into a temporary folder, which the embedded watcher watches; the
    // store is a temporary file too unless --store (or AGENTPULSE_STORE / the config file) names one.
    std::unique_ptr<DemoAgents> demo;
    Config demo_config;
    if (given.demo) {
        try {
            demo = std::make_unique<DemoAgents>();
        } catch (const std::exception& e) {
            throw StartupError(1, std::string("--demo: ") + e.what());
        }
        demo_config = given;
        demo_config.roots = demo->roots();
        if (given.store == default_store_path()) demo_config.store = demo->folder() / "store.db";
        spdlog::info("demo: simulated agents write under {}; store {}", demo->folder().string(),
                     demo_config.store.string());
    }
    const Config& c = demo ? demo_config : given;

    boost::system::error_code aec;
    const auto addr = net::ip::make_address(c.host == "localhost" ? "127.0.0.1" : c.host, aec);
    if (aec) throw StartupError(2, "--host '" + c.host + "' is not an IP address");
    if (!addr.is_loopback() && c.token.empty() && !c.allow_remote)
        throw StartupError(2, "refusing to listen on " + c.host +
                                  " without --token: anyone who can reach it would see your agents' activity. "
                                  "Set --token (or AGENTPULSE_TOKEN), or pass --allow-remote if that is intended");
    if (!addr.is_loopback() && c.token.empty())
        spdlog::warn("listening on {} without a token (--allow-remote): anyone who can reach this address sees your "
                     "agents' activity",
                     c.host);

    auto prices = load_prices(c);
    IngestStats ingest_stats;
    std::unique_ptr<Watcher> watcher;
    if (c.no_watcher) {
        open_store_for_reading(c.store);
        spdlog::info("--no-watcher: reading {} (read-only); another process must write it", c.store.string());
    } else {
        open_store_for_writing(c.store);
        watcher = std::make_unique<Watcher>(WatcherOptions{c.roots, c.store, prices},
                                            ingest_stats);
    }

    net::io_context io(c.io_threads);
    Broadcaster broadcaster(net::make_strand(io), 10'000);
    PollerOptions po;
    po.store = c.store;
    po.budget = c.budget;
    if (watcher) po.embedded_watcher = [w = watcher.get()] { return embedded_state(*w); };
    else po.embedded_watcher = nullptr;
    Poller poller(po, io, broadcaster);
    broadcaster.on_time_zones([&poller](std::vector<std::string> tzs) { poller.set_time_zones(std::move(tzs)); });
    try {
        poller.start();
    } catch (const StoreError& e) {
        throw StartupError(2, std::string("store: ") + e.what());
    }
    // Dashboard reports (Overview, Sessions) run on their own threads and connections.
    QueryPool queries(c.store, 2);
    try {
        queries.start();
    } catch (const StoreError& e) {
        poller.stop();
        throw StartupError(2, std::string("store: ") + e.what());
    }

    std::thread watcher_thread;
    if (watcher) {
        watcher->on_commit([&poller] { poller.poll_now(); });
        watcher_thread = std::thread([w = watcher.get()] {
            try {
                w->run();
            } catch (const std::exception& e) {
                spdlog::error("watcher stopped: {}", e.what());
                w->set_stopped(std::string("the watcher thread died: ") + e.what());
            }
        });
    }
    if (demo) demo->start();

    ServeInfo info;
    info.demo = static_cast<bool>(demo);
    info.embedded_watcher = static_cast<bool>(watcher);
    info.roots = c.roots;
    info.store = c.store.string();
    info.budget = c.budget;
    info.token_required = !c.token.empty();
    if (demo) info.demo_folder = demo->folder().string();

    ServerContext ctx{broadcaster, poller, {}, StaticFiles(c.static_dir.empty() ? default_static_dir() : c.static_dir),
                      c.token, {}, watcher ? &ingest_stats : nullptr};
    ctx.started_ms = now_epoch_ms();
    ctx.loopback_only = addr.is_loopback();
    ctx.io_threads = c.io_threads;
    if (c.max_connections) ctx.limits.max_connections = *c.max_connections;
    if (c.request_timeout_ms) ctx.limits.request_timeout_ms = *c.request_timeout_ms;
    if (c.keepalive_timeout_ms) ctx.limits.keepalive_timeout_ms = *c.keepalive_timeout_ms;
    if (c.retry_ms) ctx.limits.retry_ms = *c.retry_ms;
    ctx.queries = &queries;
    ctx.info = &info;
    ctx.prices = prices;
    if (!ctx.static_files.available())
        spdlog::warn("dashboard not found under {}; serving the API only (build it with scripts/build.sh)",
                     ctx.static_files.root().string());
    HttpServer server(io, ctx);
    net::ip::tcp::endpoint ep;
    try {
        ep = server.listen(c.host, static_cast<unsigned short>(c.port));
    } catch (const boost::system::system_error& e) {
        poller.stop();
        if (watcher) watcher->stop(), watcher_thread.join();
        throw StartupError(1, "cannot listen on " + c.host + ":" + std::to_string(c.port) + ": " + e.code().message());
    }
    server.start();

    // Shutdown: close the listener and every connection, end every stream, and let io.run() return once
    // nothing is in flight. The poller keeps running until then, because a request being answered on its
    // thread (stats, metrics) must complete for its session to end; a backstop thread stops the io_context
    // if anything still holds it after 1.5 s, so serve always exits within the 2 s the contract promises.
    std::mutex backstop_mutex;
    std::condition_variable backstop_cv;
    bool io_done = false;
    std::thread backstop;
    net::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        spdlog::info("signal {}: shutting down", sig);
        server.stop();
        if (watcher) watcher->stop();
        backstop = std::thread([&] {
            std::unique_lock lock(backstop_mutex);
            if (!backstop_cv.wait_for(lock, std::chrono::milliseconds(1500), [&] { return io_done; })) {
                spdlog::warn("shutdown: work still pending after 1.5 s; stopping anyway");
                io.stop();
            }
        });
    });

    const std::string host = ep.address().is_v6() ? "[" + ep.address().to_string() + "]" : ep.address().to_string();
    std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(ep.port()));
    std::fflush(stdout);
    spdlog::info("store {}; watcher {}; {} io thread(s)", c.store.string(), watcher ? "embedded" : "external (--no-watcher)",
                 c.io_threads);

    // The calling thread is the first io thread. A handler that throws is a bug: log it and stop serving
    // rather than run on with a thread fewer.
    const auto run_io = [&io] {
        try {
            io.run();
        } catch (const std::exception& e) {
            spdlog::error("io thread stopped: {}", e.what());
            io.stop();
        }
    };
    std::vector<std::thread> more_io;
    for (int i = 1; i < c.io_threads; ++i) more_io.emplace_back(run_io);
    run_io();
    for (std::thread& t : more_io) t.join();
    {
        std::lock_guard lock(backstop_mutex);
        io_done = true;
    }
    backstop_cv.notify_all();
    if (backstop.joinable()) backstop.join();
    if (demo) demo->stop();
    queries.stop();
    poller.stop();
    if (watcher) {
        watcher->stop();
        watcher_thread.join();
    }
    spdlog::info("stopped");
    return 0;
}

}  // namespace agentpulse
