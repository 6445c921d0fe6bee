// (a) Exactly once, in order: several concurrent clients of a --no-watcher server while this process
// writes rows into its store through StoreWriter, singly and in bursts larger than a poll batch. Every
// client sees each usage_events id once, in order, no gaps; the same for tool calls and results;
// a tool_result never precedes its tool_call nor an event_update its event, and updates carry the
// final totals. Also measures commit-to-client latency for single-row commits.
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "LiveServer.hpp"
#include "RowFeeder.hpp"
#include "StreamChecker.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

struct ClientRun {
    StreamChecker check;
    std::string error;
    bool caught_up = false;
};

double percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    const auto i = static_cast<std::size_t>(std::clamp(p / 100.0 * static_cast<double>(v.size()), 1.0,
                                                       static_cast<double>(v.size()))) -
                   1;
    return v[i];
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stream_order)

BOOST_AUTO_TEST_CASE(every_client_gets_every_row_once_in_order) {
    TempDir dir;
    const auto store = dir / "store.db";
    RowFeeder feed(store);
    // Some history, so the replay ring is not empty when clients connect "from now".
    for (int i = 0; i < 50; ++i) feed.commit({feed.response(1)});
    feed.results(20);

    LiveServer server(dir.path(), store, {"--no-watcher"});
    constexpr int kClients = 4;
    std::vector<ClientRun> runs(kClients);
    std::atomic<bool> writer_done{false};
    Watermark final_head;
    std::mutex head_mu;
    const auto t0 = Clock::now();

    std::vector<std::unique_ptr<SseClient>> clients;
    for (int i = 0; i < kClients; ++i) {
        clients.push_back(std::make_unique<SseClient>(server.port()));
        BOOST_REQUIRE(clients.back()->status() == 200);
        auto ready = clients.back()->next_of("ready", Millis(3000));
        BOOST_REQUIRE(ready);
        runs[i].check.set_base(ready_watermark(*ready));
        runs[i].check.t0 = t0;
    }
    std::atomic<bool> abandon{false};
    std::vector<std::jthread> readers;
    for (int i = 0; i < kClients; ++i)
        readers.emplace_back([&, i] {
            const auto deadline = Clock::now() + std::chrono::seconds(60);
            try {
                while (Clock::now() < deadline && !abandon) {
                    if (writer_done) {
                        Watermark h;
                        {
                            std::lock_guard lk(head_mu);
                            h = final_head;
                        }
                        if (runs[i].check.caught_up(h)) {
                            runs[i].caught_up = true;
                            return;
                        }
                    }
                    if (auto e = clients[i]->next(Millis(100)))
                        runs[i].check.feed(*e);
                    else if (clients[i]->eof())
                        throw std::runtime_error("stream ended");
                }
            } catch (const std::exception& e) {
                runs[i].error = e.what();
            }
        });

    RaiseOnExit guard{abandon};
    // Single-row commits: a response with a tool call, sometimes a result and a growth in the same commit.
    std::map<std::int64_t, double> committed_ms;  // usage id -> commit time since t0
    for (int i = 0; i < 200; ++i) {
        std::vector<ParsedLine> lines{feed.response(1)};
        if (i % 2 == 0) lines.push_back(feed.result(100 + i));
        if (i % 5 == 0) lines.push_back(feed.growth(feed.responses() - 2));
        feed.commit(std::move(lines));
        committed_ms[feed.head().usage] = ms_since(t0);
        if (i % 10 == 0) std::this_thread::sleep_for(Millis(3));  // let polls land between some commits
    }
    // A response, its result and two growths in one commit (one event_update, final totals).
    {
        ParsedLine r = feed.response(1);
        const std::size_t idx = feed.responses() - 1;
        std::vector<ParsedLine> lines{r};
        lines.push_back(feed.growth(idx, 10));
        lines.push_back(feed.growth(idx, 20));
        while (feed.open_calls() > 0) lines.push_back(feed.result(50));
        feed.commit(std::move(lines));
    }
    // Bursts larger than the poller's batch (500 rows per stream per read).
    for (int burst = 0; burst < 3; ++burst) {
        std::vector<ParsedLine> lines;
        for (int i = 0; i < 700; ++i) {
            lines.push_back(feed.response(i % 3 == 0 ? 2 : 0));
            if (i % 4 == 0 && feed.open_calls() > 0) lines.push_back(feed.result(30));
            if (i % 7 == 0) lines.push_back(feed.growth(static_cast<std::size_t>(i) % feed.responses()));
        }
        feed.commit(std::move(lines));
        std::this_thread::sleep_for(Millis(20));
    }
    // One commit larger than a poll batch in every stream, whose last results and growths belong to
    // calls and events beyond the first batch: they must wait for them, not jump ahead.
    {
        while (feed.open_calls() > 0) feed.results(1);
        std::vector<ParsedLine> lines;
        for (int i = 0; i < 650; ++i) lines.push_back(feed.response(1));
        for (int i = 0; i < 600; ++i)
            lines.push_back(feed.result(40 + i, i % 9 == 0, true));  // newest call first
        for (int i = 0; i < 520; ++i)
            lines.push_back(feed.growth(feed.responses() - 1 - static_cast<std::size_t>(i)));
        feed.commit(std::move(lines));
    }
    // Results for everything still open, singly.
    while (feed.open_calls() > 0) feed.results(1);
    {
        std::lock_guard lk(head_mu);
        final_head = feed.head();
    }
    writer_done = true;
    for (auto& t : readers) t.join();

    BOOST_TEST_MESSAGE("final head " << final_head.to_string());
    for (int i = 0; i < kClients; ++i) {
        BOOST_TEST_CONTEXT("client " << i) {
            BOOST_TEST(runs[i].error.empty(), runs[i].error);
            BOOST_TEST(runs[i].caught_up);
            StreamChecker& c = runs[i].check;
            c.expect_exactly(final_head, "client " + std::to_string(i));
            BOOST_TEST(c.resyncs.empty());
            for (const auto& e : c.errors) BOOST_TEST_ERROR(e);
            BOOST_TEST(!c.updates.empty());
            // The last totals each client saw are the store's.
            for (const auto& row :
                 query(feed.db(), "SELECT id, output_tokens FROM usage_events WHERE update_seq > 0")) {
                const std::int64_t id = std::stoll(row[0]);
                if (id <= c.base().usage) continue;
                BOOST_TEST(c.output_of[id] == std::stoll(row[1]), "usage " << id);
            }
        }
    }
    // Every client saw the same sequence of row frames.
    for (int i = 1; i < kClients; ++i) {
        BOOST_TEST(runs[i].check.events == runs[0].check.events);
        BOOST_TEST(runs[i].check.updates == runs[0].check.updates);
    }

    std::vector<double> lat;
    for (const auto& [id, at] : committed_ms)
        if (auto it = runs[0].check.arrival_ms.find(id); it != runs[0].check.arrival_ms.end())
            lat.push_back(it->second - at);
    LIVE_FIGURE("commit -> client (single-row commits, "
                << lat.size() << " rows, " << kClients << " clients): p50 " << percentile(lat, 50)
                << " ms, p99 " << percentile(lat, 99) << " ms, max " << percentile(lat, 100) << " ms");
    BOOST_TEST(percentile(lat, 50) < 100.0);

    // The snapshot agrees on the watermarks, and one poller served everyone.
    const auto stats = server.stats();
    BOOST_TEST(stats.at("watermarks").at("last_event_id").as_string() == final_head.to_string());
    BOOST_TEST(server.metric("agentpulse_subscribers") == kClients);
}

BOOST_AUTO_TEST_SUITE_END()
