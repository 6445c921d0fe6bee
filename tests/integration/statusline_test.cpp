// `agentpulse statusline` as Claude Code runs it: the real binary, a recorded stdin payload of several
// Claude Code versions (tests/data/statusline/), with and without rate_limits. It records the windows in
// the store (creating the store when there is none), shows what the store adds (today's cost, the running
// tool, a stored window another session reported, the estimated 5-hour block) and prints its line with no
// server, with a store that is locked or newer than this build.
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ctime>
#include <fstream>

#include "Binary.hpp"
#include "Transcripts.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace fs = std::filesystem;

namespace {

const fs::path kPayloads = fs::path(AGENTPULSE_TEST_DATA) / "statusline";

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    return s;
}

struct Run {
    ExitStatus status;
    std::string out, err;
    std::chrono::milliseconds took{};
};

// Runs the status line with `payload` (its RESET_* filled in) on stdin.
Run run_line(Workspace& ws, const fs::path& store, const std::string& payload, std::int64_t reset5h,
               std::int64_t reset7d, std::vector<std::string> extra = {}) {
    const fs::path input = ws.dir / ("in-" + payload);
    {
        std::ofstream f(input);
        f << replace_all(replace_all(slurp(kPayloads / payload), "RESET_5H", std::to_string(reset5h)), "RESET_7D",
                         std::to_string(reset7d));
    }
    std::vector<std::string> args = {AGENTPULSE_BINARY, "statusline", "--store", store.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    ChildOptions child;
    child.stdin_file = input;
    const auto t0 = std::chrono::steady_clock::now();
    Process p(args, ws.logs(), "statusline", {{"TZ", "UTC"}}, child);
    Run r;
    r.status = p.finish(std::chrono::seconds(20));
    r.took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
    r.out = p.out();
    r.err = p.err();
    return r;
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

std::int64_t now_s() { return now_epoch_ms() / 1000; }

}  // namespace

BOOST_AUTO_TEST_SUITE(statusline)

BOOST_AUTO_TEST_CASE(records_both_windows_into_a_store_that_did_not_exist) {
    Workspace ws;
    const fs::path store = ws.dir / "not" / "yet" / "store.db";
    const std::int64_t r5 = now_s() + 3600, r7 = now_s() + 3 * 86400;
    const Run r = run_line(ws, store, "v2.1.80.json", r5, r7);
    BOOST_TEST(r.status.exited);
    BOOST_TEST(r.status.code == 0);
    BOOST_TEST_MESSAGE("line: " << r.out);
    BOOST_TEST(contains(r.out, "Opus 4.5"));
    BOOST_TEST(contains(r.out, "$3.50 session"));
    BOOST_TEST(contains(r.out, "$0.00 today"));
    BOOST_TEST(contains(r.out, "5h 24%"));  // 23.5 %, rounded
    BOOST_TEST(!contains(r.out, "est."));  // a reported window: no estimate
    BOOST_TEST(std::count(r.out.begin(), r.out.end(), '\n') == 1);
    Database db(store, Database::Mode::ReadOnly);
    BOOST_TEST(schema_version(db) == current_schema_version());
    const auto rows = query(db, "SELECT provider, window_name, used_percent, resets_at_ms, source, session_id "
                                "FROM limit_windows ORDER BY window_minutes");
    BOOST_REQUIRE(rows.size() == 2u);
    BOOST_TEST(rows[0] == (Row{"claude", "five_hour", "23.5", std::to_string(r5 * 1000), "statusline", "sl-s-2180"}),
               boost::test_tools::per_element());
    BOOST_TEST(rows[1].at(1) == "weekly");
    BOOST_TEST(query_double(db, "SELECT used_percent FROM limit_windows WHERE window_name = 'weekly'") == 41.0);
}

BOOST_AUTO_TEST_CASE(a_payload_without_windows_keeps_the_stored_ones_and_shows_them) {
    Workspace ws;
    const fs::path store = ws.dir / "store.db";
    const std::int64_t r5 = now_s() + 3600, r7 = now_s() + 3 * 86400;
    BOOST_TEST(run_line(ws, store, "v2.1.80.json", r5, r7).status.code == 0);
    // A version (or a moment) without rate_limits: unknown, not 0%: the stored window stands and shows.
    const Run r = run_line(ws, store, "v2.1.96-no-limits.json", r5, r7);
    BOOST_TEST(r.status.code == 0);
    BOOST_TEST_MESSAGE("line: " << r.out);
    BOOST_TEST(contains(r.out, "Sonnet 4.5"));
    BOOST_TEST(contains(r.out, "5h 24%"));
    Database db(store, Database::Mode::ReadOnly);
    BOOST_TEST(query_double(db, "SELECT used_percent FROM limit_windows WHERE window_name = 'five_hour'") == 23.5);
    // Only five_hour in the next payload: the weekly window is left as it was.
    BOOST_TEST(run_line(ws, store, "v2.1.138-five-hour-only.json", r5, r7).status.code == 0);
    BOOST_TEST(query_double(db, "SELECT used_percent FROM limit_windows WHERE window_name = 'five_hour'") == 88.0);
    BOOST_TEST(query_double(db, "SELECT used_percent FROM limit_windows WHERE window_name = 'weekly'") == 41.0);
}

BOOST_AUTO_TEST_CASE(store_figures_running_tool_and_the_estimated_block) {
    Workspace ws;
    const fs::path store = ws.dir / "store.db";
    // A Claude session with usage half an hour ago (or, just after midnight, earlier today: "today" is the
    // machine's day) and a tool call still running, read by the real ingest.
    const EpochMs now = now_epoch_ms();
    const std::time_t secs = now / 1000;
    std::tm local{};
    localtime_r(&secs, &local);
    const EpochMs since_midnight = ((local.tm_hour * 60LL + local.tm_min) * 60 + local.tm_sec) * 1000;
    const EpochMs start = now - std::min<EpochMs>(1'800'000, since_midnight / 2);
    Assistant a;
    a.uuid = "u-1";
    a.session = "sl-old-1";
    a.ts = format_iso8601(start);
    a.model = "claude-sonnet-4-5-20250929";
    a.usage = Usage{1000, 2000, 0, 0};
    a.tools = {{"toolu_1", "Bash", {{"command", "make test"}}}};
    fs::create_directories(ws.claude() / "-home-ana-src-shop");
    std::ofstream(ws.claude() / "-home-ana-src-shop" / "sl-old-1.jsonl") << claude_assistant(a) << "\n";
    BOOST_REQUIRE(run_to_end(ws.ingest(store), ws.logs(), "ingest").code == 0);

    const Run r = run_line(ws, store, "v1.0.88.json", 0, 0);
    BOOST_TEST(r.status.code == 0);
    BOOST_TEST_MESSAGE("line: " << r.out);
    BOOST_TEST(contains(r.out, "Sonnet 4 · $0.42 session"));
    const double cost = (1000 * 3.0 + 2000 * 15.0) / 1e6;  // Sonnet 4.5 list price
    char today[64];
    std::snprintf(today, sizeof today, "$%.2f today", cost);
    BOOST_TEST(contains(r.out, today));
    BOOST_TEST(contains(r.out, "▶ Bash"));
    // No window reported by anyone: the block started at the first activity, labelled as an estimate.
    BOOST_TEST(contains(r.out, "5h block ~$0.03 (est.) ↺" + format_iso8601(start + 5 * 3'600'000).substr(11, 5)));
    BOOST_TEST(!contains(r.out, "5h block ~$0.03 (est.) ↺ "));

    // A custom template.
    const Run custom = run_line(ws, store, "v1.0.88.json", 0, 0, {"--format", "{model}|{tool}[|{five_hour}]|{block_cost}"});
    BOOST_TEST(custom.out == "Sonnet 4|Bash|$0.03\n");
}

BOOST_AUTO_TEST_CASE(a_newer_or_locked_store_still_gives_a_line_quickly) {
    Workspace ws;
    const fs::path store = ws.dir / "store.db";
    const std::int64_t r5 = now_s() + 3600, r7 = now_s() + 86400;
    {
        Database db(store, Database::Mode::ReadWrite);
        db.exec("PRAGMA user_version=999");
    }
    Run r = run_line(ws, store, "v2.1.80.json", r5, r7);
    BOOST_TEST(r.status.code == 0);
    BOOST_TEST(contains(r.out, "Opus 4.5 · $3.50 session"));
    BOOST_TEST(contains(r.out, "5h 24%"));

    const fs::path locked = ws.dir / "locked.db";
    {
        Database db(locked, Database::Mode::ReadWrite);
        migrate(db);
    }
    Database writer(locked, Database::Mode::ReadWrite);
    writer.exec("BEGIN IMMEDIATE");  // another writer's long transaction: reads go on, the write waits
    r = run_line(ws, locked, "v2.1.80.json", r5, r7);
    writer.exec("ROLLBACK");
    BOOST_TEST(r.status.code == 0);
    BOOST_TEST(contains(r.out, "5h 24%"));
    BOOST_TEST(contains(r.out, "$0.00 today"));  // the store was still read
    BOOST_TEST(r.took.count() < 2000);
    BOOST_TEST(query_int(writer, "SELECT count(*) FROM limit_windows") == 0);  // recorded at a later refresh
    r = run_line(ws, locked, "v2.1.80.json", r5, r7);
    BOOST_TEST(query_int(writer, "SELECT count(*) FROM limit_windows") == 2);
}

BOOST_AUTO_TEST_CASE(garbage_on_stdin_still_prints_a_line) {
    Workspace ws;
    fs::create_directories(kPayloads.parent_path());
    const fs::path store = ws.dir / "store.db";
    std::ofstream(ws.dir / "in-garbage") << "not json at all";
    ChildOptions child;
    child.stdin_file = ws.dir / "in-garbage";
    Process p({AGENTPULSE_BINARY, "statusline", "--store", store.string()}, ws.logs(), "garbage", {}, child);
    const ExitStatus s = p.finish(std::chrono::seconds(20));
    BOOST_TEST(s.code == 0);
    BOOST_TEST(contains(p.out(), "$0.00 today"));
}

BOOST_AUTO_TEST_SUITE_END()
