// Alerts through the real binary: `serve --alert ... --notify URL` delivers a firing to a receiver on
// 127.0.0.1, and after a kill -9 mid-retry the restarted server delivers it (same idempotency key) without
// firing the crossing again; `agentpulse alerts test` and `alerts list` (a dead letter with its error).
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <csignal>

#include "Binary.hpp"
#include "SseClient.hpp"
#include "WebhookReceiver.hpp"
#include "store/LimitStore.hpp"
#include "store/Statement.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

void write_limit(const std::filesystem::path& store, double used) {
    Database db(store, Database::Mode::ReadWrite);
    migrate(db);
    RateLimitRecord r;
    r.window = "five_hour";
    r.window_minutes = 300;
    r.used_percent = used;
    r.resets_at = now_epoch_ms() + 2 * 3'600'000;
    LimitWriter(db).upsert("codex", r, now_epoch_ms(), "transcript", "s1");
}

std::int64_t count(const std::filesystem::path& store, const char* sql) {
    Database db(store, Database::Mode::ReadOnly);
    Statement st(db, sql);
    st.step();
    return st.column_int(0);
}

std::vector<std::string> serve_args(const Workspace& ws, const std::filesystem::path& store,
                                    const std::string& url) {
    return {AGENTPULSE_BINARY,
            "serve",
            "--port",
            "0",
            "--store",
            store.string(),
            "--agents",
            "claude,codex",
            "--claude-projects",
            ws.claude().string(),
            "--codex-sessions",
            ws.codex().string(),
            "--static-dir",
            (ws.dir / "www").string(),
            "--alert",
            "limit window=five_hour percent=80",
            "--notify",
            url};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alerts_cli)

BOOST_AUTO_TEST_CASE(serve_delivers_and_a_killed_server_resumes_the_retry) {
    Workspace ws;
    std::filesystem::create_directories(ws.claude());
    std::filesystem::create_directories(ws.codex());
    const auto store = ws.dir / "store.db";
    write_limit(store, 88);
    Receiver rx({500});  // the first attempt fails; the retry comes 5-10 s later
    {
        Process server(serve_args(ws, store, rx.url()), ws.logs(), "alerts-serve-1");
        BOOST_REQUIRE_MESSAGE(listening_port(server) != 0, server.err());
        BOOST_REQUIRE_MESSAGE(rx.wait_for([](const auto& h) { return h.size() == 1; }), server.err());
        // Killed mid-retry: once the failed attempt is on record (the receiver sees the request before the
        // server has its answer and writes it down).
        BOOST_TEST(eventually(
            [&] {
                return count(store, "SELECT count(*) FROM alert_outbox WHERE status = 'pending' AND attempts = 1") == 1;
            },
            5s));
        server.signal(SIGKILL);
        server.finish(5s);
    }
    BOOST_TEST(count(store, "SELECT count(*) FROM alert_outbox WHERE status = 'pending' AND attempts = 1") ==
               1);
    Process server(serve_args(ws, store, rx.url()), ws.logs(), "alerts-serve-2");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, server.err());
    BOOST_REQUIRE_MESSAGE(rx.wait_for([](const auto& h) { return h.size() == 2; }, 20s), server.err());
    const auto hits = rx.hits();
    BOOST_TEST(hits[1].key == hits[0].key);
    BOOST_TEST(hits[1].answered == 200);
    BOOST_TEST(eventually(
        [&] { return count(store, "SELECT count(*) FROM alert_outbox WHERE status = 'sent'") == 1; }, 5s));
    BOOST_TEST(count(store, "SELECT count(*) FROM alert_firings") == 1);  // not fired again after the restart
    const HttpResult r = http_request(port, "/api/alerts");
    BOOST_REQUIRE(r.status == 200);
    const json::value doc = json::parse(r.body);
    BOOST_TEST(doc.at("rules").at(0).at("status").as_string() == "fired");
    BOOST_TEST(doc.at("outbox").at("sent").as_int64() == 1);
    BOOST_TEST(r.body.find(rx.url()) == std::string::npos);  // the channel's URL is not shown
    std::this_thread::sleep_for(500ms);
    BOOST_TEST(rx.hits().size() == 2u);
    server.signal(SIGTERM);
    BOOST_TEST(server.finish(5s).code == 0);
}

BOOST_AUTO_TEST_CASE(alerts_test_and_list) {
    Workspace ws;
    const auto store = ws.dir / "store.db";
    Receiver ok, gone({410});
    std::string out, err;
    ExitStatus s = run_to_end({AGENTPULSE_BINARY, "alerts", "test", "--store", store.string(), "--notify",
                               ok.url(), "--notify", "slack:" + gone.url()},
                              ws.logs(), "alerts-test", &out, &err);
    BOOST_TEST(s.code == 1, out << err);  // one channel failed
    BOOST_TEST(out.find("webhook: delivered (HTTP 200)") != std::string::npos, out);
    BOOST_TEST(out.find("slack: failed: HTTP 410") != std::string::npos, out);
    BOOST_REQUIRE(ok.hits().size() == 1u);
    BOOST_TEST(json::parse(ok.hits()[0].body).at("test").as_bool());
    BOOST_TEST(gone.hits()[0].key == ok.hits()[0].key);
    s = run_to_end({AGENTPULSE_BINARY, "alerts", "list", "--store", store.string(), "--budget-daily", "20"},
                   ws.logs(), "alerts-list", &out, &err);
    BOOST_TEST(s.code == 0, err);
    BOOST_TEST(out.find("budget-day") != std::string::npos, out);
    BOOST_TEST(out.find("armed") != std::string::npos, out);
    BOOST_TEST(out.find("outbox: 0 pending, 1 sent, 1 dead") != std::string::npos, out);
    BOOST_TEST(out.find("dead letters:") != std::string::npos, out);
    BOOST_TEST(out.find("HTTP 410") != std::string::npos, out);
    // A rule that does not exist, and no channel: usage errors.
    s = run_to_end(
        {AGENTPULSE_BINARY, "alerts", "test", "nope", "--store", store.string(), "--notify", ok.url()},
        ws.logs(), "alerts-test-2", &out, &err);
    BOOST_TEST(s.code == 2);
    BOOST_TEST(err.find("no alert rule is called 'nope'") != std::string::npos, err);
    s = run_to_end({AGENTPULSE_BINARY, "alerts", "test", "--store", store.string()}, ws.logs(),
                   "alerts-test-3", &out, &err);
    BOOST_TEST(s.code == 2);
}

BOOST_AUTO_TEST_SUITE_END()
