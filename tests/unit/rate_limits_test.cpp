// Plan limit windows: Codex's token_count rate_limits in every variant (windows named by length, not
// position; resets_at and the legacy resets_in_seconds; absent and null windows; a changing limit_id),
// their store (newest snapshot per window, a re-read adds nothing, migrated from the previous schema) and
// the estimate of Claude's 5-hour blocks from usage (core/RateLimits, store/LimitStore).
#include <boost/test/unit_test.hpp>

#include <boost/json.hpp>

#include "ParseLine.hpp"
#include "Transcripts.hpp"
#include "WriterFixture.hpp"
#include "agents/codex/CodexLineParser.hpp"
#include "core/RateLimits.hpp"
#include "store/LimitStore.hpp"

using namespace agentpulse;
using namespace agentpulse::test;
namespace json = boost::json;

namespace {

json::object window(double used, json::value minutes, const char* reset_key, std::int64_t reset) {
    json::object w{{"used_percent", used}, {"window_minutes", minutes}};
    if (reset_key) w[reset_key] = reset;
    return w;
}

// A token_count event with `rate_limits` (and, unless info is null, cumulative totals).
std::string codex_limits(const std::string& ts, json::value rate_limits, std::optional<CodexUsage> total = {}) {
    json::object payload{{"type", "token_count"}, {"rate_limits", std::move(rate_limits)}};
    payload["info"] = total ? json::value(json::object{{"total_token_usage", codex_usage_json(*total)}})
                            : json::value(nullptr);
    return codex_line(ts, "event_msg", std::move(payload));
}

std::vector<Parsed> parse_codex(const std::vector<std::string>& lines) {
    CodexLineParser p(FileContext{});
    std::vector<Parsed> out;
    for (std::size_t i = 0; i < lines.size(); ++i) out.push_back(parse(p, lines[i], static_cast<std::int64_t>(i + 1)));
    return out;
}

const RateLimitRecord* find_window(const ParsedLine& l, const std::string& name) {
    for (const RateLimitRecord& r : l.rate_limits)
        if (r.window == name) return &r;
    return nullptr;
}

constexpr std::int64_t kReset5h = 1'795'620'000;  // Unix seconds
constexpr std::int64_t kResetWeek = 1'796'000'000;

}  // namespace

BOOST_AUTO_TEST_SUITE(rate_limits)

BOOST_AUTO_TEST_CASE(windows_are_named_by_length) {
    BOOST_TEST(limit_window_name(300) == "five_hour");
    BOOST_TEST(limit_window_name(299) == "five_hour");  // as Codex 0.44 wrote it
    BOOST_TEST(limit_window_name(10080) == "weekly");
    BOOST_TEST(limit_window_name(10079) == "weekly");
    BOOST_TEST(limit_window_name(1440) == "1440m");
    BOOST_TEST(limit_window_name(60) == "60m");
}

BOOST_AUTO_TEST_CASE(codex_primary_and_secondary_with_resets_at) {
    const auto got = parse_codex({
        codex_meta(at(0), "cx-1"),
        codex_limits(at(1000),
                     json::object{{"limit_id", "codex"},
                                  {"primary", window(16.0, 300, "resets_at", kReset5h)},
                                  {"secondary", window(20.5, 10080, "resets_at", kResetWeek)},
                                  {"plan_type", "plus"},
                                  {"credits", json::object{{"has_credits", false}}}},
                     CodexUsage{1000, 200, 300, 100}),
    });
    const ParsedLine& l = got[1].line;
    BOOST_TEST((got[1].outcome == LineOutcome::Record));
    BOOST_TEST(l.usage.has_value());
    BOOST_REQUIRE(l.rate_limits.size() == 2u);
    const RateLimitRecord* five = find_window(l, "five_hour");
    const RateLimitRecord* week = find_window(l, "weekly");
    BOOST_REQUIRE(five);
    BOOST_REQUIRE(week);
    BOOST_TEST(five->used_percent == 16.0);
    BOOST_TEST(*five->window_minutes == 300);
    BOOST_TEST(*five->resets_at == kReset5h * 1000);
    BOOST_TEST(five->limit_id == "codex");
    BOOST_TEST(five->plan_type == "plus");
    BOOST_TEST(week->used_percent == 20.5);
    BOOST_TEST(*week->resets_at == kResetWeek * 1000);
}

BOOST_AUTO_TEST_CASE(legacy_relative_resets_count_from_the_event_time) {
    const auto got = parse_codex({
        codex_meta(at(0), "cx-1"),
        codex_limits(at(5000), json::object{{"primary", window(0.0, 299, "resets_in_seconds", 8239)},
                                            {"secondary", window(4.0, 10079, "resets_in_seconds", 73362)}}),
    });
    const ParsedLine& l = got[1].line;
    // Rate limits only (info null): still a record, with no usage.
    BOOST_TEST((got[1].outcome == LineOutcome::Record));
    BOOST_TEST(!l.usage.has_value());
    const RateLimitRecord* five = find_window(l, "five_hour");
    const RateLimitRecord* week = find_window(l, "weekly");
    BOOST_REQUIRE(five);
    BOOST_REQUIRE(week);
    BOOST_TEST(*five->resets_at == at_ms(5000) + 8239 * 1000LL);
    BOOST_TEST(*week->resets_at == at_ms(5000) + 73362 * 1000LL);
    BOOST_TEST(*five->window_minutes == 299);
}

BOOST_AUTO_TEST_CASE(a_weekly_only_plan_reports_its_weekly_window_as_primary) {
    const auto got = parse_codex({
        codex_meta(at(0), "cx-1"),
        codex_limits(at(1000), json::object{{"limit_id", "codex"},
                                            {"primary", window(42.0, 10080, "resets_at", kResetWeek)},
                                            {"secondary", nullptr}}),
    });
    const ParsedLine& l = got[1].line;
    BOOST_REQUIRE(l.rate_limits.size() == 1u);
    BOOST_TEST(l.rate_limits[0].window == "weekly");
    BOOST_TEST(l.rate_limits[0].used_percent == 42.0);
    BOOST_TEST(!find_window(l, "five_hour"));
}

BOOST_AUTO_TEST_CASE(absent_null_and_unidentifiable_windows_give_nothing) {
    const auto got = parse_codex({
        codex_meta(at(0), "cx-1"),
        codex_limits(at(1000), nullptr),                                                     // rate_limits null
        codex_limits(at(2000), json::object{{"primary", nullptr}, {"secondary", nullptr}}),  // both windows null
        codex_limits(at(3000), json::object{}),                                               // no windows at all
        codex_limits(at(4000), json::object{{"primary", window(10.0, nullptr, "resets_at", kReset5h)}}),  // no length
        codex_limits(at(5000), json::object{{"primary", json::object{{"window_minutes", 300}}}}),  // no figure
        codex_tokens(at(6000), {1000, 200, 300, 100}),                                        // no rate_limits key
    });
    for (std::size_t i = 1; i < got.size(); ++i) {
        BOOST_TEST_CONTEXT("line " << i + 1) {
            BOOST_TEST(got[i].line.rate_limits.empty());
            BOOST_TEST((got[i].issue == LineIssue::None));
        }
    }
    // Without windows or usage the event is nothing to store; with usage it is the usage.
    BOOST_TEST((got[1].outcome == LineOutcome::Ignored));
    BOOST_TEST((got[6].outcome == LineOutcome::Record));
}

BOOST_AUTO_TEST_CASE(a_changing_limit_id_keeps_the_windows_apart_by_length) {
    const auto got = parse_codex({
        codex_meta(at(0), "cx-1"),
        codex_limits(at(1000), json::object{{"limit_id", "codex"},
                                            {"primary", window(30.0, 300, "resets_at", kReset5h)},
                                            {"secondary", window(50.0, 10080, "resets_at", kResetWeek)}}),
        // Within a second: switched to another limit with both windows null, then back with figures.
        codex_limits(at(1400), json::object{{"limit_id", "premium"}, {"primary", nullptr}, {"secondary", nullptr}}),
        codex_limits(at(1900), json::object{{"limit_id", "premium"},
                                            {"primary", window(5.0, 10080, "resets_at", kResetWeek)},
                                            {"secondary", nullptr}}),
    });
    BOOST_TEST(got[1].line.rate_limits.size() == 2u);
    BOOST_TEST(got[2].line.rate_limits.empty());
    BOOST_REQUIRE(got[3].line.rate_limits.size() == 1u);
    BOOST_TEST(got[3].line.rate_limits[0].window == "weekly");
    BOOST_TEST(got[3].line.rate_limits[0].limit_id == "premium");
}

BOOST_AUTO_TEST_CASE(a_sub_agents_copied_history_gives_no_windows) {
    const auto got = parse_codex({
        codex_meta(at(60'000), "cx-child", "/home/ana/src/api", codex_spawned_by("cx-parent")),
        codex_meta(at(60'000), "cx-parent"),
        // The parent's old figures, re-stamped at the copy: not the current state.
        codex_limits(at(60'002), json::object{{"primary", window(90.0, 300, "resets_at", kReset5h)}},
                     CodexUsage{1000, 200, 300, 100}),
        codex_limits(at(65'000), json::object{{"primary", window(12.0, 300, "resets_at", kReset5h)}},
                     CodexUsage{2000, 200, 400, 100}),
    });
    BOOST_TEST(got[2].line.rate_limits.empty());
    BOOST_REQUIRE(got[3].line.rate_limits.size() == 1u);
    BOOST_TEST(got[3].line.rate_limits[0].used_percent == 12.0);
}

BOOST_AUTO_TEST_CASE(the_store_keeps_each_windows_newest_snapshot_and_a_re_read_adds_nothing) {
    WriterFixture fx;
    FileRecord older = fx.codex_file("rollout-old.jsonl");
    FileRecord newer = fx.codex_file("rollout-new.jsonl");
    const json::object first{{"limit_id", "codex"},
                             {"primary", window(10.0, 300, "resets_at", kReset5h)},
                             {"secondary", window(20.0, 10080, "resets_at", kResetWeek)}};
    const json::object second{{"limit_id", "codex"},
                              {"primary", window(35.0, 300, "resets_at", kReset5h)},
                              {"secondary", window(22.0, 10080, "resets_at", kResetWeek)}};
    // The newer rollout is read first; the older one, read later, must not overwrite it.
    BatchResult r = fx.feed(newer, {codex_meta(at(50'000), "cx-new"), codex_limits(at(60'000), second)});
    BOOST_TEST(r.limit_windows == 2);
    r = fx.feed(older, {codex_meta(at(0), "cx-old"), codex_limits(at(1000), first)});
    BOOST_TEST(r.limit_windows == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM limit_windows") == 2);
    BOOST_TEST(query_double(fx.db(), "SELECT used_percent FROM limit_windows WHERE window_name = 'five_hour'") == 35.0);
    BOOST_TEST(query_text(fx.db(), "SELECT session_id FROM limit_windows WHERE window_name = 'weekly'") == "cx-new");
    BOOST_TEST(query_text(fx.db(), "SELECT source FROM limit_windows WHERE window_name = 'weekly'") == "transcript");
    BOOST_TEST(query_int(fx.db(), "SELECT resets_at_ms FROM limit_windows WHERE window_name = 'weekly'") ==
               kResetWeek * 1000);

    // After a restart, re-reading the newer file from the start changes nothing.
    fx.restart();
    FileRecord again = newer;
    again.offset = again.line_no = 0;
    again.parser_state.clear();
    r = fx.feed(again, {codex_meta(at(50'000), "cx-new"), codex_limits(at(60'000), second)});
    BOOST_TEST(r.limit_windows == 0);
    BOOST_TEST(query_int(fx.db(), "SELECT count(*) FROM limit_windows") == 2);

    // Several snapshots in one batch (a rollout repeats its windows with every token_count): the newest
    // is stored, whatever the order of the lines.
    FileRecord busy = fx.codex_file("rollout-busy.jsonl");
    const auto five = [&](double used) {
        return json::object{{"primary", window(used, 300, "resets_at", kReset5h)}};
    };
    r = fx.feed(busy, {codex_meta(at(70'000), "cx-busy"), codex_limits(at(71'000), five(40.0)),
                       codex_limits(at(73'000), five(44.0)), codex_limits(at(72'000), five(42.0))});
    BOOST_TEST(r.limit_windows == 1);
    BOOST_TEST(query_double(fx.db(), "SELECT used_percent FROM limit_windows WHERE window_name = 'five_hour'") == 44.0);
    BOOST_TEST(query_int(fx.db(), "SELECT observed_ms FROM limit_windows WHERE window_name = 'five_hour'") ==
               at_ms(73'000));
    fx.db().exec("UPDATE limit_windows SET used_percent = 35.0, observed_ms = " + std::to_string(at_ms(60'000)) +
                 ", session_id = 'cx-new' WHERE window_name = 'five_hour'");

    LimitReader reader(fx.db());
    const auto stored = reader.stored();
    BOOST_REQUIRE(stored.size() == 2u);
    BOOST_TEST(stored[0].window == "five_hour");  // shorter window first
    BOOST_TEST(stored[1].window == "weekly");
    BOOST_TEST(stored[0].observed_at == at_ms(60'000));
    BOOST_TEST(*stored[0].used_percent == 35.0);
}

BOOST_AUTO_TEST_CASE(a_version_3_store_gains_the_table_and_keeps_its_rows) {
    TempDir dir;
    {
        Database db(dir / "store.db", Database::Mode::ReadWrite);
        for (const Migration& m : schema_migrations())
            if (m.version <= 3) db.exec(m.sql);
        db.exec("PRAGMA user_version=3");
        db.exec("INSERT INTO projects(provider, slug, display_name) VALUES ('codex', 'p', 'P')");
    }
    Database db(dir / "store.db", Database::Mode::ReadWrite);
    BOOST_TEST(query_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'limit_windows'") == 0);
    migrate(db);
    BOOST_TEST(schema_version(db) == current_schema_version());
    BOOST_TEST(query_int(db, "SELECT count(*) FROM projects") == 1);
    LimitWriter w(db);
    RateLimitRecord rec;
    rec.window = "five_hour";
    rec.window_minutes = 300;
    rec.used_percent = 12.5;
    BOOST_TEST(w.upsert("claude", rec, at_ms(0), kLimitSourceStatusline, "s-1"));
    BOOST_TEST(!w.upsert("claude", rec, at_ms(0), kLimitSourceStatusline, "s-1"));  // the same again: no change
    rec.used_percent = 13.0;
    BOOST_TEST(!w.upsert("claude", rec, at_ms(-1000), kLimitSourceStatusline, "s-1"));  // older: ignored
    BOOST_TEST(w.upsert("claude", rec, at_ms(1000), kLimitSourceStatusline, "s-1"));
    BOOST_TEST(query_double(db, "SELECT used_percent FROM limit_windows") == 13.0);
    BOOST_TEST(query_int(db, "SELECT resets_at_ms IS NULL FROM limit_windows") == 1);
}

BOOST_AUTO_TEST_CASE(a_reader_on_an_older_store_finds_the_table_once_a_writer_adds_it) {
    TempDir dir;
    {
        Database db(dir / "store.db", Database::Mode::ReadWrite);
        for (const Migration& m : schema_migrations())
            if (m.version <= 3) db.exec(m.sql);
        db.exec("PRAGMA user_version=3");
    }
    Database ro(dir / "store.db", Database::Mode::ReadOnly);
    LimitReader reader(ro);  // a --no-watcher server's poller, started before the writer migrated
    BOOST_TEST(reader.stored().empty());
    {
        Database rw(dir / "store.db", Database::Mode::ReadWrite);
        migrate(rw);
        RateLimitRecord rec;
        rec.window = "weekly";
        rec.window_minutes = 10080;
        rec.used_percent = 3.0;
        LimitWriter(rw).upsert("codex", rec, at_ms(0), kLimitSourceTranscript, "cx-1");
    }
    const auto rows = reader.stored();
    BOOST_REQUIRE(rows.size() == 1u);
    BOOST_TEST(rows[0].window == "weekly");
}

BOOST_AUTO_TEST_CASE(usage_blocks_start_at_the_first_activity_and_last_five_hours) {
    const EpochMs h = 3'600'000;
    const EpochMs t0 = at_ms(0);
    // Two blocks: 0h..5h (activity at 0, 1h, 4h), then one starting at 6h (activity at 6h, 7h).
    const std::vector<UsageActivity> acts{{t0, 1.0}, {t0 + h, 2.0}, {t0 + 4 * h, 0.5}, {t0 + 6 * h, 3.0},
                                          {t0 + 7 * h, 0.25}};
    const auto b = current_usage_block("claude", acts, t0 + 8 * h);
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(*b->started_at == t0 + 6 * h);
    BOOST_TEST(*b->resets_at == t0 + 11 * h);
    BOOST_TEST(b->cost_usd == 3.25);
    BOOST_TEST(b->events == 2);
    BOOST_TEST(b->estimate());
    BOOST_TEST(!b->used_percent.has_value());
    BOOST_TEST(b->observed_at == t0 + 7 * h);
    // Once the block has ended there is no current block; with no activity neither.
    BOOST_TEST(!current_usage_block("claude", acts, t0 + 11 * h).has_value());
    BOOST_TEST(!current_usage_block("claude", {}, t0).has_value());
    // An activity exactly five hours after the start opens the next block.
    const auto edge = current_usage_block("claude", {{t0, 1.0}, {t0 + 5 * h, 1.0}}, t0 + 5 * h + 1);
    BOOST_REQUIRE(edge.has_value());
    BOOST_TEST(*edge->started_at == t0 + 5 * h);
}

BOOST_AUTO_TEST_CASE(the_tracker_ignores_older_activity_and_a_reported_window_replaces_the_estimate) {
    const EpochMs h = 3'600'000;
    const EpochMs t0 = at_ms(0);
    UsageBlockTracker t;
    t.add(t0, 1.0);
    t.add(t0 + h, 2.0);
    t.add(t0 + h / 2, 100.0);  // older than the newest: ignored
    const auto b = t.current("claude", t0 + 2 * h);
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(b->cost_usd == 3.0);
    BOOST_TEST(b->events == 2);

    LimitState reported;
    reported.provider = "claude";
    reported.window = "five_hour";
    reported.used_percent = 20.0;
    reported.resets_at = t0 + 4 * h;
    reported.observed_at = t0 + h;
    reported.source = std::string(kLimitSourceStatusline);
    // Still running: the reported window, no estimate beside it.
    BOOST_TEST(with_estimate({reported}, b, t0 + 2 * h).size() == 1u);
    // Its reset passed and nothing was reported since the block began: the estimate is listed too.
    reported.observed_at = t0 - h;
    const auto both = with_estimate({reported}, b, t0 + 5 * h - 1);
    BOOST_REQUIRE(both.size() == 2u);
    BOOST_TEST(both[1].estimate());
    // Another agent's window does not hide Claude's estimate.
    reported.provider = "codex";
    reported.resets_at = t0 + 10 * h;
    BOOST_TEST(with_estimate({reported}, b, t0 + 2 * h).size() == 2u);
}

BOOST_AUTO_TEST_CASE(json_shows_age_reset_and_the_estimate_flag) {
    LimitState s;
    s.provider = "codex";
    s.window = "five_hour";
    s.window_minutes = 300;
    s.used_percent = 40.0;
    s.resets_at = at_ms(3'600'000);
    s.observed_at = at_ms(-90'000);
    s.source = std::string(kLimitSourceTranscript);
    const json::object o = limit_state_json(s, at_ms(0));
    BOOST_TEST(o.at("age_s").as_int64() == 90);
    BOOST_TEST(o.at("resets_in_s").as_int64() == 3600);
    BOOST_TEST(o.at("expired").as_bool() == false);
    BOOST_TEST(o.at("estimate").as_bool() == false);
    BOOST_TEST(o.at("used_percent").as_double() == 40.0);
    BOOST_TEST(!o.contains("cost_usd"));
    const json::object later = limit_state_json(s, at_ms(3'600'000));
    BOOST_TEST(later.at("expired").as_bool() == true);
}

BOOST_AUTO_TEST_SUITE_END()
