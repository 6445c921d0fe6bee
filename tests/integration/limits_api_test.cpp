// Plan limits end to end against the real binary: `serve` ingests a Codex rollout whose token_count carries
// rate_limits and a Claude transcript with usage; /api/limits gives Codex's windows (by length, with their
// source and age) and Claude's estimated 5-hour block; the stream's preamble carries the same as a
// `rate_limits` frame; then `agentpulse statusline` records Claude's reported window in the store and the
// stream sends a new `rate_limits` frame in which the estimate has given way to it.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include <fstream>

#include "Binary.hpp"
#include "SseClient.hpp"
#include "Transcripts.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const json::object* find_limit(const json::value& doc, std::string_view provider, std::string_view window) {
    for (const json::value& l : doc.at("limits").as_array())
        if (l.at("provider").as_string() == provider && l.at("window").as_string() == window) return &l.as_object();
    return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(limits_api)

BOOST_AUTO_TEST_CASE(reported_and_estimated_windows_reach_the_api_and_the_stream) {
    Workspace ws;
    const fs::path store = ws.dir / "store.db";
    const EpochMs now = now_epoch_ms();
    const std::int64_t reset5h = now / 1000 + 7200, reset_week = now / 1000 + 5 * 86400;
    {
        const fs::path rollout = ws.codex() / "2026" / "12" / "07" / "rollout-2026-12-07T10-00-00-cx-limits.jsonl";
        fs::create_directories(rollout.parent_path());
        std::ofstream f(rollout);
        f << codex_meta(format_iso8601(now - 600'000), "cx-limits") << "\n";
        // A weekly-only plan's shape in reverse order: the weekly window first, as primary.
        json::object limits{{"limit_id", "codex"},
                            {"primary", {{"used_percent", 61.0}, {"window_minutes", 10080}, {"resets_at", reset_week}}},
                            {"secondary", {{"used_percent", 12.5}, {"window_minutes", 300}, {"resets_at", reset5h}}}};
        f << codex_line(format_iso8601(now - 300'000), "event_msg",
                        {{"type", "token_count"}, {"info", nullptr}, {"rate_limits", limits}})
          << "\n";
        Assistant a;
        a.uuid = "u-1";
        a.session = "s-claude";
        a.ts = format_iso8601(now - 1'200'000);
        a.usage = Usage{1000, 2000, 0, 0};
        fs::create_directories(ws.claude() / "-home-ana-src-shop");
        std::ofstream(ws.claude() / "-home-ana-src-shop" / "s-claude.jsonl") << claude_assistant(a) << "\n";
    }
    Process server({AGENTPULSE_BINARY, "serve", "--port", "0", "--store", store.string(), "--agents", "claude,codex",
                    "--claude-projects", ws.claude().string(), "--codex-sessions", ws.codex().string(), "--static-dir",
                    (ws.dir / "www").string()},
                   ws.logs(), "limits-serve");
    const unsigned short port = listening_port(server);
    BOOST_REQUIRE_MESSAGE(port != 0, server.err());

    json::value doc;
    const bool ready = eventually(
        [&] {
            const HttpResult r = http_request(port, "/api/limits");
            if (r.status != 200) return false;
            doc = json::parse(r.body);
            return find_limit(doc, "codex", "weekly") && find_limit(doc, "claude", "five_hour");
        },
        20s);
    BOOST_REQUIRE_MESSAGE(ready, json::serialize(doc));
    const json::object& week = *find_limit(doc, "codex", "weekly");
    BOOST_TEST(week.at("used_percent").as_double() == 61.0);
    BOOST_TEST(week.at("window_minutes").as_int64() == 10080);
    BOOST_TEST(week.at("resets_at").as_string() == format_iso8601(reset_week * 1000));
    BOOST_TEST(week.at("source").as_string() == "transcript");
    BOOST_TEST(week.at("estimate").as_bool() == false);
    BOOST_TEST(week.at("age_s").as_int64() >= 299);
    BOOST_TEST(week.at("age_s").as_int64() < 400);
    BOOST_TEST(week.at("session_id").as_string() == "cx-limits");
    const json::object& five = *find_limit(doc, "codex", "five_hour");
    BOOST_TEST(five.at("used_percent").as_double() == 12.5);
    const json::object& block = *find_limit(doc, "claude", "five_hour");
    BOOST_TEST(block.at("estimate").as_bool() == true);
    BOOST_TEST(block.at("source").as_string() == "estimate");
    BOOST_TEST(block.at("used_percent").is_null());
    BOOST_TEST(block.at("started_at").as_string() == format_iso8601(now - 1'200'000));
    BOOST_TEST(block.at("resets_at").as_string() == format_iso8601(now - 1'200'000 + 5 * 3'600'000));

    // The preamble carries the newest frame; windows that changed since reach the stream with the next
    // burn tick (5 s).
    SseClient sse(port, SseOptions{"/api/live/stream?tz=UTC"});
    std::optional<json::value> frame;
    eventually(
        [&] {
            auto e = sse.next_of("rate_limits", 1s);
            if (e) frame = json::parse(e->data).at("payload");
            return frame && find_limit(*frame, "codex", "weekly");
        },
        12s);
    BOOST_REQUIRE(frame.has_value());
    BOOST_REQUIRE(find_limit(*frame, "claude", "five_hour"));
    BOOST_TEST(find_limit(*frame, "claude", "five_hour")->at("estimate").as_bool() == true);

    // Claude Code's status line reports the real window: the next frame shows it instead of the estimate.
    const fs::path input = ws.dir / "statusline.json";
    std::ofstream(input) << R"({"session_id":"s-claude","model":{"display_name":"Opus 4.5"},"cost":{"total_cost_usd":1},)"
                         << R"("rate_limits":{"five_hour":{"used_percentage":37,"resets_at":)" << reset5h << "}}}";
    bool recorded = false;
    for (int attempt = 0; attempt < 5 && !recorded; ++attempt) {  // a write the watcher held off is retried
        ChildOptions child;
        child.stdin_file = input;
        Process line({AGENTPULSE_BINARY, "statusline", "--store", store.string()}, ws.logs(), "statusline", {}, child);
        BOOST_TEST(line.finish(10s).code == 0);
        Database db(store, Database::Mode::ReadOnly);
        recorded = query_int(db, "SELECT count(*) FROM limit_windows WHERE provider = 'claude'") == 1;
    }
    BOOST_REQUIRE(recorded);
    std::optional<json::value> reported;
    eventually(
        [&] {
            auto e = sse.next_of("rate_limits", 1s);
            if (!e) return false;
            json::value p = json::parse(e->data).at("payload");
            const json::object* c = find_limit(p, "claude", "five_hour");
            if (c && !c->at("estimate").as_bool()) reported = p;
            return reported.has_value();
        },
        15s);
    BOOST_REQUIRE(reported.has_value());
    const json::object& claude = *find_limit(*reported, "claude", "five_hour");
    BOOST_TEST(claude.at("source").as_string() == "statusline");
    BOOST_TEST(claude.at("used_percent").as_double() == 37.0);
    BOOST_TEST(claude.at("session_id").as_string() == "s-claude");
    // One row per agent and window: no estimate beside the reported window.
    int claude_rows = 0;
    for (const json::value& l : reported->at("limits").as_array()) claude_rows += l.at("provider").as_string() == "claude";
    BOOST_TEST(claude_rows == 1);
}

BOOST_AUTO_TEST_SUITE_END()
