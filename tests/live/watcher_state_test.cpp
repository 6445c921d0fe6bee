// (f) Watcher states as the stream and /api/live/stats report them: the embedded watcher (`running`);
// --no-watcher with a separate `agentpulse ingest --follow` writer process on the same store (`running`),
// the writer SIGKILLed (`stopped` within 10 s, announced once, not every second), stopped gracefully
// (`stopped`, its reason); a store without a heartbeat (`unknown`) or without the heartbeat table.
#include <boost/test/unit_test.hpp>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

std::vector<std::string> ingest_follow(const TempDir& dir, const std::filesystem::path& store) {
    return {AGENTPULSE_BINARY,   "ingest",
            "--follow",          "--no-progress",
            "--store",           store.string(),
            "--claude-projects", (dir / "claude").string(),
            "--codex-sessions",  (dir / "codex").string()};
}

// The next `watcher` frame's payload, waiting at most `timeout`.
std::optional<boost::json::object> next_watcher(SseClient& c, Millis timeout) {
    auto e = c.next_of("watcher", timeout);
    if (!e) return std::nullopt;
    return payload_of(*e);
}

std::string stats_state(LiveServer& s) {
    return std::string(s.stats().at("watcher").at("state").as_string());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(watcher_state)

BOOST_AUTO_TEST_CASE(embedded_watcher_is_running) {
    TempDir dir;
    LiveServer server(dir.path(), dir / "store.db", {});
    BOOST_TEST(eventually([&] { return stats_state(server) == "running"; }, std::chrono::seconds(5)));
    const auto w = server.stats().at("watcher").as_object();
    BOOST_TEST(w.at("source").as_string() == "embedded");
    BOOST_TEST(server.healthz().at("watcher").as_string() == "running");
    SseClient c(server.port());
    auto ready = c.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    BOOST_TEST(payload_of(*ready).at("watcher").at("state").as_string() == "running");
    auto frame = next_watcher(c, Millis(2000));
    BOOST_REQUIRE(frame);
    BOOST_TEST(frame->at("state").as_string() == "running");
    BOOST_TEST(server.metric("agentpulse_watcher_running") == 1.0);
}

BOOST_AUTO_TEST_CASE(sidecar_writer_running_killed_and_stopped) {
    TempDir dir;
    std::filesystem::create_directories(dir / "claude");
    std::filesystem::create_directories(dir / "codex");
    const auto store = dir / "store.db";
    { RowFeeder feed(store); }  // a store with the schema but no heartbeat yet
    LiveServer server(dir.path(), store, {"--no-watcher"});

    // Nobody has written a heartbeat: unknown.
    SseClient c(server.port());
    auto ready = c.next_of("ready", Millis(3000));
    BOOST_REQUIRE(ready);
    BOOST_TEST(payload_of(*ready).at("watcher").at("state").as_string() == "unknown");
    BOOST_TEST(stats_state(server) == "unknown");
    BOOST_TEST(server.healthz().at("watcher").as_string() == "unknown");
    auto first = next_watcher(c, Millis(2000));
    BOOST_REQUIRE(first);
    BOOST_TEST(first->at("state").as_string() == "unknown");

    // A separate writer process starts following the same store: running, from its heartbeat.
    auto t0 = Clock::now();
    auto writer = std::make_unique<Process>(ingest_follow(dir, store), dir / "logs", "ingest-follow");
    auto w = next_watcher(c, Millis(10000));
    BOOST_REQUIRE_MESSAGE(w, "no watcher frame; ingest stderr: " << writer->err());
    BOOST_TEST(w->at("state").as_string() == "running");
    BOOST_TEST(w->at("source").as_string() == "heartbeat");
    BOOST_TEST(int_of(w->at("pid")) == writer->pid());
    const double running_ms = ms_since(t0);
    BOOST_TEST(stats_state(server) == "running");

    // SIGKILL: no goodbye in the store; the heartbeat goes stale and the state turns stopped within 10 s.
    t0 = Clock::now();
    writer->signal(SIGKILL);
    BOOST_REQUIRE(writer->wait_for(std::chrono::seconds(5)));
    w = next_watcher(c, Millis(10000));
    const double stopped_ms = ms_since(t0);
    BOOST_REQUIRE(w);
    BOOST_TEST(w->at("state").as_string() == "stopped");
    BOOST_TEST(stopped_ms < 10000.0);
    BOOST_TEST(w->at("reason").as_string().find("stale") != std::string::npos);
    const auto sw = server.stats().at("watcher").as_object();
    BOOST_TEST(sw.at("state").as_string() == "stopped");
    BOOST_TEST(sw.at("beat_age_s").to_number<double>() >= 6.0);
    BOOST_TEST(server.metric("agentpulse_watcher_running") == 0.0);
    // Announced once: a stale heartbeat that keeps ageing is not a new state every second.
    auto again = next_watcher(c, Millis(3500));
    BOOST_TEST(!again, "watcher frame repeated: " << (again ? boost::json::serialize(*again) : ""));
    LIVE_FIGURE("sidecar watcher: running " << running_ms << " ms after `ingest --follow` started; stopped "
                                            << stopped_ms << " ms after SIGKILL");

    // A new writer: running again; then a graceful stop says why.
    writer = std::make_unique<Process>(ingest_follow(dir, store), dir / "logs", "ingest-follow-2");
    w = next_watcher(c, Millis(10000));
    BOOST_REQUIRE(w);
    BOOST_TEST(w->at("state").as_string() == "running");
    t0 = Clock::now();
    writer->signal(SIGTERM);
    const auto st = writer->wait_for(std::chrono::seconds(5));
    BOOST_REQUIRE(st);
    BOOST_TEST(st->exited);
    BOOST_TEST(st->code == 0);
    w = next_watcher(c, Millis(5000));
    BOOST_REQUIRE(w);
    BOOST_TEST(w->at("state").as_string() == "stopped");
    BOOST_TEST(w->at("reason").as_string().find("shutdown") != std::string::npos);
    LIVE_FIGURE("sidecar watcher: stopped " << ms_since(t0) << " ms after SIGTERM to the writer");
}

BOOST_AUTO_TEST_CASE(store_without_heartbeat_table_is_unknown) {
    TempDir dir;
    const auto store = dir / "store.db";
    {
        RowFeeder feed(store);
        feed.db().exec("DROP TABLE watcher_heartbeat");  // a foreign writer's store
    }
    LiveServer server(dir.path(), store, {"--no-watcher"});
    const auto w = server.stats().at("watcher").as_object();
    BOOST_TEST(w.at("state").as_string() == "unknown");
    BOOST_TEST(w.at("source").as_string() == "none");
}

BOOST_AUTO_TEST_SUITE_END()
