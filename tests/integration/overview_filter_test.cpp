// /api/overview?provider= against the real binary: a store holding three agents' usage (written in SQL,
// spread over the last days and the last minutes), served with `serve --no-watcher`. Each agent's
// figures equal the sums of its rows alone (computed here from the store), the unfiltered ones equal
// the sum over the agents, and an unknown name is a 400 naming the agents.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <cstdlib>

#include "Binary.hpp"
#include "SseClient.hpp"
#include "app/Startup.hpp"
#include "core/IsoTime.hpp"
#include "store/Migrations.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

double num(const json::value& v) { return v.to_number<double>(); }

}  // namespace

BOOST_AUTO_TEST_SUITE(overview_filter)

BOOST_AUTO_TEST_CASE(each_agents_overview_sums_its_rows_alone) {
    Workspace ws;
    const fs::path store = ws.dir / "s.db";
    const EpochMs now = now_epoch_ms();
    {
        auto db = open_store_for_writing(store);
        db->exec("INSERT INTO projects (id, provider, slug, display_name) VALUES (1, 'claude', 'a', 'shop'), "
                 "(2, 'codex', 'b', 'infra'), (3, 'gemini', 'c', 'web')");
        db->exec("INSERT INTO sessions (id, project_id, provider, session_id) VALUES (1, 1, 'claude', 's1'), "
                 "(2, 2, 'codex', 's2'), (3, 3, 'gemini', 's3')");
        // Rows 2 s, 3 h, 2 days and 9 days ago for each agent, at agent-specific costs and token counts.
        const char* agents[] = {"claude", "codex", "gemini"};
        const EpochMs ago[] = {2'000, 3 * 3'600'000LL, 2 * 86'400'000LL, 9 * 86'400'000LL};
        int key = 0;
        for (int a = 0; a < 3; ++a)
            for (int i = 0; i < 4; ++i) {
                const double cost = (a + 1) * 1.5 + i * 0.25;
                const int tokens = (a + 1) * 1000 + i;
                db->exec("INSERT INTO usage_events (provider, project_id, session_id, ts, day, model, input_tokens, "
                         "output_tokens, cache_read_tokens, cost_usd, cost_source, dedup_key) VALUES ('" +
                         std::string(agents[a]) + "', " + std::to_string(a + 1) + ", " + std::to_string(a + 1) + ", '" +
                         format_iso8601(now - ago[i]) + "', '', 'model-" + agents[a] + "', " + std::to_string(tokens) +
                         ", 7, " + std::to_string(a * 100) + ", " + std::to_string(cost) + ", 'rate_card', 'k" +
                         std::to_string(++key) + "')");
            }
        rebuild_aggregates(*db);  // rows written here by SQL: the sums StoreWriter would keep
    }
    Process server({AGENTPULSE_BINARY, "serve", "--port", "0", "--store", store.string(), "--claude-projects",
                    ws.claude().string(), "--codex-sessions", ws.codex().string(), "--static-dir",
                    (ws.dir / "www").string(), "--no-watcher"},
                   ws.logs(), "overview-filter");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, server.err());
    auto overview = [&](const std::string& query) {
        const HttpResult r = http_request(port, "/api/overview?tz=UTC" + query);
        BOOST_REQUIRE_MESSAGE(r.status == 200, r.status_line << r.body);
        return json::parse(r.body).as_object();
    };

    Database db(store, Database::Mode::ReadOnly);
    const json::object all = overview("");
    double sum_totals = 0, sum_window = 0, sum_month = 0;
    for (const std::string agent : {"claude", "codex", "gemini"}) {
        const json::object o = overview("&provider=" + agent);
        const std::string mine = " FROM usage_events WHERE provider = '" + agent + "'";
        BOOST_TEST(o.at("provider").as_string() == agent);
        BOOST_TEST(num(o.at("totals").at("cost_usd")) == query_double(db, "SELECT sum(cost_usd)" + mine),
                   boost::test_tools::tolerance(1e-9));
        BOOST_TEST(o.at("totals").at("events").as_int64() == query_int(db, "SELECT count(*)" + mine));
        BOOST_TEST(o.at("token_mix").at("input").as_int64() == query_int(db, "SELECT sum(input_tokens)" + mine));
        BOOST_TEST(o.at("token_mix").at("cache_read").as_int64() == query_int(db, "SELECT sum(cache_read_tokens)" + mine));
        const auto& burn = o.at("burn");
        const double window = query_double(db, "SELECT coalesce(sum(cost_usd),0)" + mine + " AND ts >= '" +
                                                   format_iso8601(now - 300'000) + "'");
        BOOST_TEST(num(burn.at("window_cost_usd")) == window, boost::test_tools::tolerance(1e-9));
        const double month = query_double(db, "SELECT coalesce(sum(cost_usd),0)" + mine + " AND ts >= '" +
                                                  burn.at("month_start").as_string().c_str() + "'");
        BOOST_TEST(num(burn.at("month_to_date_usd")) == month, boost::test_tools::tolerance(1e-9));
        const double today = query_double(db, "SELECT coalesce(sum(cost_usd),0)" + mine + " AND ts >= '" +
                                                  burn.at("day_start").as_string().c_str() + "'");
        BOOST_TEST(num(burn.at("today_usd")) == today, boost::test_tools::tolerance(1e-9));
        for (const auto& m : o.at("models").as_array()) BOOST_TEST(m.at("model").as_string() == "model-" + agent);
        BOOST_REQUIRE_EQUAL(o.at("projects").as_array().size(), 1u);
        BOOST_REQUIRE_EQUAL(o.at("agents").as_array().size(), 1u);
        BOOST_TEST(o.at("agents").as_array()[0].at("provider").as_string() == agent);
        sum_totals += num(o.at("totals").at("cost_usd"));
        sum_window += window;
        sum_month += month;
    }
    BOOST_TEST(num(all.at("totals").at("cost_usd")) == sum_totals, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(num(all.at("burn").at("window_cost_usd")) == sum_window, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(num(all.at("burn").at("month_to_date_usd")) == sum_month, boost::test_tools::tolerance(1e-9));
    BOOST_TEST(all.at("agents").as_array().size() == 3u);
    BOOST_TEST(all.at("agents").as_array()[0].at("provider").as_string() == "gemini");  // costliest first

    const json::object qwen = overview("&provider=qwen");  // an agent with no rows: zeros, not the empty state
    BOOST_TEST(num(qwen.at("totals").at("cost_usd")) == 0.0);
    BOOST_TEST(qwen.at("empty").as_bool() == false);

    const HttpResult bad = http_request(port, "/api/overview?provider=amp");
    BOOST_TEST(bad.status == 400);
    BOOST_TEST(bad.body.find("provider must be one of claude, codex") != std::string::npos, bad.body);
    server.signal(SIGTERM);
    BOOST_TEST(server.finish(10s).code == 0);
}

BOOST_AUTO_TEST_SUITE_END()
