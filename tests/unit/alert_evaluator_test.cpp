// alerts/AlertEvaluator over a real store: budget figures against an independent sum of the rows, scopes,
// once per crossing across restarts (a new connection and evaluator over the same file), a firing that
// fell due while the server was down, hysteresis on a limit window, stuck tool calls.
#include <boost/test/unit_test.hpp>

#include "Transcripts.hpp"
#include "WriterFixture.hpp"
#include "alerts/AlertEvaluator.hpp"
#include "store/AlertStore.hpp"
#include "store/LimitStore.hpp"
#include "store/Statement.hpp"

using namespace agentpulse;
using namespace agentpulse::test;

namespace {

// 2026-11-25 (a Wednesday) 12:00 UTC = at(0). Its week began Monday 2026-11-23, its month on the 1st.
constexpr EpochMs kHour = 3'600'000;

AlertRule rule(const std::string& spec) {
    std::string err;
    auto r = parse_alert_rule(spec, &err);
    BOOST_REQUIRE_MESSAGE(r, err);
    return *r;
}

// The sum of the rows' costs in [from, to), straight from usage_events (not the 15-minute sums the rules
// read).
double row_sum(Database& db, EpochMs from, EpochMs to, const std::string& project = "") {
    Statement st(
        db,
        "SELECT coalesce(sum(u.cost_usd), 0) FROM usage_events u JOIN projects p ON p.id = u.project_id "
        "WHERE u.ts >= ? AND u.ts < ? AND (? = '' OR p.display_name = ?)");
    st.bind(1, format_iso8601(from)).bind(2, format_iso8601(to)).bind(3, project).bind(4, project);
    st.step();
    return st.column_double(0);
}

struct Feeder {
    WriterFixture& w;
    int n = 0;
    // One assistant response of `input` tokens at `ts` in the project of `cwd`.
    void usage(EpochMs ts, std::int64_t input, const std::string& cwd = "/home/ana/src/shop",
               const std::string& slug = "-home-ana-src-shop") {
        FileRecord f = w.claude_file("s-" + slug + ".jsonl", slug);
        Assistant a;
        ++n;
        a.uuid = "u" + std::to_string(n);
        a.msg_id = "msg_" + std::to_string(n);
        a.request_id = "req_" + std::to_string(n);
        a.session = "sess-" + slug;
        a.cwd = cwd;
        a.ts = format_iso8601(ts);
        a.usage = Usage{input, 1000, 0, 0};
        w.feed(f, {claude_assistant(a)});
    }
};

std::int64_t count(Database& db, const char* sql) {
    Statement st(db, sql);
    st.step();
    return st.column_int(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(alert_evaluator)

BOOST_AUTO_TEST_CASE(budget_figures_match_an_independent_sum) {
    WriterFixture w;
    Feeder feed{w};
    feed.usage(at_ms(-40 * 24 * kHour), 900'000);   // October: outside every period
    feed.usage(at_ms(-3 * 24 * kHour), 1'000'000);  // Sunday 22nd: this month, last week
    feed.usage(at_ms(-47 * kHour), 2'000'000);      // Monday 23rd 13:00: this week
    feed.usage(at_ms(-2 * kHour), 3'000'000);       // today
    feed.usage(at_ms(-kHour), 500'000, "/home/ana/src/api", "-home-ana-src-api");  // today, another project
    const EpochMs now = at_ms(0);
    const EpochMs day = at_ms(-12 * kHour), week = at_ms(-(2 * 24 + 12) * kHour);
    const EpochMs month = at_ms(-(24 * 24 + 12) * kHour), next_month = at_ms((5 * 24 + 12) * kHour);
    const double today = row_sum(w.db(), day, now + kHour), this_week = row_sum(w.db(), week, now + kHour);
    const double this_month = row_sum(w.db(), month, next_month),
                 shop_today = row_sum(w.db(), day, now + kHour, "shop");
    BOOST_TEST_REQUIRE(today > 0);
    BOOST_TEST_REQUIRE(this_week > today);
    BOOST_TEST_REQUIRE(this_month > this_week);
    BOOST_TEST_REQUIRE(shop_today < today);
    // Budgets of 100 x the expected spend, with a threshold at 1%: each fires once, and its value is the
    // spend as a percentage of the budget.
    AlertEvaluator ev(
        {rule("budget period=day usd=" + std::to_string(today * 100) + " at=1"),
         rule("budget period=week usd=" + std::to_string(this_week * 100) + " at=1"),
         rule("budget period=month usd=" + std::to_string(this_month * 100) + " at=1"),
         rule("budget period=day project=shop usd=" + std::to_string(shop_today * 100) + " at=1"),
         rule("budget period=day model=gpt-5 usd=0.01 at=1")},
        {}, "UTC");
    const auto fired = ev.evaluate(w.db(), now);
    BOOST_REQUIRE(fired.size() == 4u);  // not the gpt-5 one: no such usage
    for (const AlertMessage& m : fired) {
        BOOST_TEST_CONTEXT(m.rule_id) {
            BOOST_TEST(m.value == 1.0, boost::test_tools::tolerance(1e-6));
            BOOST_TEST(m.level == 1);
            BOOST_TEST(m.text.find("1%") != std::string::npos);
        }
    }
    // A budget just above the spend does not fire at 100%; one just below does.
    AlertEvaluator edge(
        {rule("budget period=day usd=" + std::to_string(today * 1.001) + " at=100 name=above"),
         rule("budget period=day usd=" + std::to_string(today * 0.999) + " at=100 name=below")},
        {}, "UTC");
    const auto e = edge.evaluate(w.db(), now);
    BOOST_REQUIRE(e.size() == 1u);
    BOOST_TEST(e[0].rule_id == "below");
    BOOST_TEST(e[0].severity == "critical");
}

BOOST_AUTO_TEST_CASE(once_per_crossing_across_restarts_and_due_while_down) {
    WriterFixture w;
    Feeder feed{w};
    feed.usage(at_ms(-2 * kHour), 1'000'000);
    const double spent = row_sum(w.db(), at_ms(-12 * kHour), at_ms(kHour));
    const std::string spec = "budget period=day usd=" + std::to_string(spent * 1.5);  // 67%: the 50% line
    std::string err;
    const std::vector<NotifyChannel> channels = {*parse_channel("http://127.0.0.1:9/hook", &err)};
    {
        AlertEvaluator ev({rule(spec)}, channels, "UTC");
        const auto first = ev.evaluate(w.db(), at_ms(0));
        BOOST_REQUIRE(first.size() == 1u);
        BOOST_TEST(first[0].threshold == 50.0);
        BOOST_TEST(ev.evaluate(w.db(), at_ms(5000)).empty());  // stays: no repeat
    }
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_outbox WHERE status = 'pending'") == 1);
    // "Restart": a new connection and evaluator over the same file.
    w.restart();
    {
        AlertEvaluator ev({rule(spec)}, channels, "UTC");
        BOOST_TEST(ev.evaluate(w.db(), at_ms(10'000)).empty());
    }
    // While "down", usage passes the 80% line; the first pass after the start fires it, once.
    feed.usage(at_ms(-kHour), 300'000);  // 67% -> 87%
    w.restart();
    AlertEvaluator ev({rule(spec)}, channels, "UTC");
    const auto due = ev.evaluate(w.db(), at_ms(20'000));
    BOOST_REQUIRE(due.size() == 1u);
    BOOST_TEST(due[0].threshold == 80.0);
    BOOST_TEST(ev.evaluate(w.db(), at_ms(25'000)).empty());
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_firings") == 2);
    BOOST_TEST(count(w.db(),
                     "SELECT count(DISTINCT idem_key) FROM alert_outbox o JOIN alert_firings f ON f.id = "
                     "o.firing_id") == 2);
    // The next day the spend is 0: the rule re-arms (its state row goes), and fires again on a new crossing.
    BOOST_TEST(ev.evaluate(w.db(), at_ms(24 * kHour)).empty());
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_state") == 0);
    feed.usage(at_ms(24 * kHour + 1000), 1'000'000);
    BOOST_TEST(ev.evaluate(w.db(), at_ms(24 * kHour + 2000)).size() == 1u);
}

BOOST_AUTO_TEST_CASE(limit_window_hysteresis) {
    WriterFixture w;
    LimitWriter limits(w.db());
    AlertEvaluator ev({rule("limit window=five_hour percent=80")}, {}, "UTC");
    int fired = 0;
    EpochMs t = at_ms(0);
    // cross, stay, clear, cross again: two firings.
    for (double used : {40.0, 85.0, 90.0, 50.0, 86.0}) {
        t += 60'000;
        RateLimitRecord r;
        r.window = "five_hour";
        r.window_minutes = 300;
        r.used_percent = used;
        r.resets_at = t + 2 * kHour;
        limits.upsert("codex", r, t, "transcript", "s1");
        const auto f = ev.evaluate(w.db(), t);
        fired += static_cast<int>(f.size());
        if (!f.empty()) BOOST_TEST(f[0].subject == "codex/five_hour");
    }
    BOOST_TEST(fired == 2);
    // A window whose reset has passed counts as empty: it re-arms.
    ev.evaluate(w.db(), t + 3 * kHour);
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_state") == 0);
}

BOOST_AUTO_TEST_CASE(stuck_tool_calls_fire_per_call_and_clear_with_their_result) {
    WriterFixture w;
    FileRecord f = w.claude_file("s.jsonl");
    Assistant a;
    a.uuid = "a1";
    a.ts = at(0);
    a.tools = {ToolUse{"toolu_1", "Bash", {}}};
    w.feed(f, {claude_assistant(a)});
    AlertEvaluator ev({rule("stuck minutes=10")}, {}, "UTC");
    BOOST_TEST(ev.evaluate(w.db(), at_ms(9 * 60'000)).empty());
    const auto f1 = ev.evaluate(w.db(), at_ms(11 * 60'000));
    BOOST_REQUIRE(f1.size() == 1u);
    BOOST_TEST(f1[0].subject == "claude/toolu_1");
    BOOST_TEST(f1[0].text.find("Bash has been running for 11 min") == 0u, f1[0].text);
    BOOST_TEST(ev.evaluate(w.db(), at_ms(20 * 60'000)).empty());  // still running: once
    w.feed(f, {claude_result("r1", "sess-1", at(21 * 60'000), "toolu_1", "done")});
    BOOST_TEST(ev.evaluate(w.db(), at_ms(22 * 60'000)).empty());
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_state") == 0);
    // A second call that hangs fires on its own.
    Assistant b = a;
    b.uuid = "a2";
    b.msg_id = "msg_2";
    b.request_id = "req_2";
    b.ts = at(23 * 60'000);
    b.tools = {ToolUse{"toolu_2", "Read", {}}};
    w.feed(f, {claude_assistant(b)});
    const auto f2 = ev.evaluate(w.db(), at_ms(34 * 60'000));
    BOOST_REQUIRE(f2.size() == 1u);
    BOOST_TEST(f2[0].subject == "claude/toolu_2");
}

BOOST_AUTO_TEST_CASE(test_firings_go_to_the_rules_channels) {
    WriterFixture w;
    std::string err;
    const auto channels = name_channels(
        {*parse_channel("slack:http://127.0.0.1:9/a", &err), *parse_channel("http://127.0.0.1:9/b", &err)});
    AlertEvaluator ev({rule("stuck minutes=5 notify=webhook")}, channels, "UTC");
    BOOST_TEST(!ev.queue_test(w.db(), "nope", at_ms(0)));
    const auto m = ev.queue_test(w.db(), "stuck", at_ms(0));
    BOOST_REQUIRE(m);
    BOOST_TEST(m->test);
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_outbox WHERE channel = 'webhook'") == 1);
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_outbox WHERE channel = 'slack'") == 0);
    ev.queue_test(w.db(), "", at_ms(1));
    BOOST_TEST(count(w.db(), "SELECT count(*) FROM alert_outbox") == 3);
}

BOOST_AUTO_TEST_SUITE_END()
