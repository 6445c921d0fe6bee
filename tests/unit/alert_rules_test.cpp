// core/AlertRules: rules and channels as written, the threshold state machine (once per crossing,
// hysteresis), retry delays, the channels' payloads and the webhook signature.
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>

#include "alerts/WebhookClient.hpp"
#include "core/AlertRules.hpp"

using namespace agentpulse;
namespace json = boost::json;

BOOST_AUTO_TEST_SUITE(alert_rules)

BOOST_AUTO_TEST_CASE(a_scoped_budget_rule) {
    std::string err;
    const auto r = parse_alert_rule("budget period=week usd=40 project=shop at=90,25", &err);
    BOOST_REQUIRE_MESSAGE(r, err);
    BOOST_TEST((r->kind == AlertKind::Budget));
    BOOST_TEST((r->period == BudgetPeriod::Week));
    BOOST_TEST(r->usd == 40.0);
    BOOST_TEST(r->scope.project == "shop");
    BOOST_TEST((r->thresholds == std::vector<double>{25, 90}));  // sorted
    BOOST_TEST(r->id == "budget-week-project-shop");
    const auto named = parse_alert_rule("stuck minutes=12 tool=Bash name=slow-bash notify=slack", &err);
    BOOST_REQUIRE(named);
    BOOST_TEST(named->id == "slow-bash");
    BOOST_TEST((named->thresholds == std::vector<double>{12}));
    BOOST_TEST((named->channels == std::vector<std::string>{"slack"}));
    const auto defaults = parse_alert_rule("budget usd=100", &err);
    BOOST_REQUIRE(defaults);
    BOOST_TEST((defaults->thresholds == std::vector<double>{50, 80, 100}));
    BOOST_TEST((defaults->period == BudgetPeriod::Month));
}

BOOST_AUTO_TEST_CASE(rules_that_are_not_rules) {
    for (const char* bad :
         {"", "budget", "budget usd=-3", "budget usd=inf", "budget usd=5 period=year", "wobble usd=5",
          "budget usd=5 colour=red", "limit percent=abc", "stuck minutes", "budget usd=5 project="}) {
        std::string err;
        BOOST_TEST(!parse_alert_rule(bad, &err), bad);
        BOOST_TEST(!err.empty(), bad);
    }
}

BOOST_AUTO_TEST_CASE(budget_flags_make_rules) {
    const auto rules = budget_flag_rules(300.0, 20.0, std::nullopt);
    BOOST_REQUIRE(rules.size() == 3u);
    BOOST_TEST(rules[0].id == "budget-day");
    BOOST_TEST(rules[1].id == "budget-month");
    BOOST_TEST(rules[2].id == "projection");
    BOOST_TEST(budget_flag_rules(std::nullopt, std::nullopt, std::nullopt).empty());
}

BOOST_AUTO_TEST_CASE(channels_recognised_from_the_url_or_a_prefix) {
    std::string err;
    const auto kind = [&](const char* spec) {
        const auto c = parse_channel(spec, &err);
        BOOST_REQUIRE_MESSAGE(c, err);
        return std::string(channel_kind_name(c->kind));
    };
    BOOST_TEST(kind("https://hooks.slack.com/services/T0/B0/xyz") == "slack");
    BOOST_TEST(kind("https://discord.com/api/webhooks/1/abc") == "discord");
    BOOST_TEST(kind("https://ntfy.sh/my-topic") == "ntfy");
    BOOST_TEST(kind("https://example.org/hook") == "webhook");
    BOOST_TEST(kind("slack:http://127.0.0.1:9000/x") == "slack");
    BOOST_TEST(kind("ntfy:https://push.example.org/t") == "ntfy");
    BOOST_TEST(kind("webhook:https://hooks.slack.com/services/x") == "webhook");
    BOOST_TEST(parse_channel("https://ntfy.sh/t", &err)->url == "https://ntfy.sh/t");
    BOOST_TEST(parse_channel("slack:https://x.org/a", &err)->url == "https://x.org/a");
    for (const char* bad : {"ftp://x", "slack:", "http://", "http://user@host/", "hooks.slack.com/x"})
        BOOST_TEST(!parse_channel(bad, &err), bad);
    const auto named =
        name_channels({*parse_channel("slack:http://a/", &err), *parse_channel("http://b/", &err),
                       *parse_channel("slack:http://c/", &err)});
    BOOST_TEST(named[0].name == "slack");
    BOOST_TEST(named[1].name == "webhook");
    BOOST_TEST(named[2].name == "slack-2");
}

BOOST_AUTO_TEST_CASE(urls) {
    const auto u = split_url("https://example.org/a/b?c=1");
    BOOST_REQUIRE(u);
    BOOST_TEST(u->tls);
    BOOST_TEST(u->host == "example.org");
    BOOST_TEST(u->port == "443");
    BOOST_TEST(u->target == "/a/b?c=1");
    const auto p = split_url("http://127.0.0.1:8080");
    BOOST_REQUIRE(p);
    BOOST_TEST(p->port == "8080");
    BOOST_TEST(p->target == "/");
    const auto v6 = split_url("http://[::1]:81/x");
    BOOST_REQUIRE(v6);
    BOOST_TEST(v6->host == "::1");
    BOOST_TEST(v6->port == "81");
    BOOST_TEST(!split_url("http://h:99999999/"));
    BOOST_TEST(!split_url("http://h/a b"));
}

// Fires counts the firings of a sequence of values through the state machine.
int firings(const std::vector<double>& thresholds, const std::vector<double>& values,
            int* level_out = nullptr) {
    int level = 0, fired = 0;
    for (double v : values) {
        const ThresholdStep s = step_thresholds(thresholds, level, v);
        if (s.fired) ++fired;
        level = s.level;
    }
    if (level_out) *level_out = level;
    return fired;
}

BOOST_AUTO_TEST_CASE(once_per_crossing_with_hysteresis) {
    // cross, stay, clear, cross again: two firings.
    BOOST_TEST(firings({80}, {10, 85, 90, 95, 50, 85}) == 2);
    // Hovering on the line (within 5% below it) does not re-arm.
    BOOST_TEST(firings({80}, {81, 79, 80.5, 77, 82}) == 1);
    // Clearing needs the value 5% below the threshold: 75.9 < 76.
    BOOST_TEST(firings({80}, {81, 75.9, 81}) == 2);
    int level = 0;
    // A jump past two thresholds fires once (the highest), then the next one fires on its own.
    BOOST_TEST(firings({50, 80, 100}, {0, 85, 90, 101}, &level) == 2);
    BOOST_TEST(level == 3);
    const ThresholdStep jump = step_thresholds({50, 80, 100}, 0, 85);
    BOOST_REQUIRE(jump.fired);
    BOOST_TEST(*jump.fired == 1);
    BOOST_TEST(jump.level == 2);
    // A new period (spend back to 0) re-arms every threshold.
    const ThresholdStep reset = step_thresholds({50, 80, 100}, 3, 0);
    BOOST_TEST(reset.level == 0);
    BOOST_TEST(reset.rearmed);
    BOOST_TEST(!reset.fired);
    // Falling between thresholds re-arms only those above.
    BOOST_TEST(step_thresholds({50, 80, 100}, 3, 60).level == 1);
}

BOOST_AUTO_TEST_CASE(retry_delays_double_with_jitter_and_a_cap) {
    BOOST_TEST(retry_delay_ms(1, 1.0, 10'000, 600'000) == 10'000);
    BOOST_TEST(retry_delay_ms(1, 0.0, 10'000, 600'000) == 5'000);
    BOOST_TEST(retry_delay_ms(2, 1.0, 10'000, 600'000) == 20'000);
    BOOST_TEST(retry_delay_ms(4, 1.0, 10'000, 600'000) == 80'000);
    BOOST_TEST(retry_delay_ms(30, 1.0, 10'000, 600'000) == 600'000);
    BOOST_TEST(retry_delay_ms(30, 0.5, 10'000, 600'000) == 450'000);
    // The sum of the delays before giving up at an hour: about a dozen attempts, not thousands.
    std::int64_t total = 0;
    int n = 0;
    while (total < 3'600'000) total += retry_delay_ms(++n, 1.0, 10'000, 600'000);
    BOOST_TEST(n < 15);
}

AlertMessage sample() {
    AlertMessage m;
    m.rule_id = "budget-day";
    m.kind = "budget";
    m.level = 2;
    m.threshold = 80;
    m.value = 82.5;
    m.unit = "%";
    m.severity = "warning";
    m.title = "agentpulse: day budget at 80%";
    m.text = "$16.50 of the $20.00 day budget spent";
    m.fired_ms = 1'795'608'000'000;
    m.key = idempotency_key(m.rule_id, "", 2, m.fired_ms);
    return m;
}

BOOST_AUTO_TEST_CASE(payloads_per_channel) {
    const AlertMessage m = sample();
    const json::value generic = json::parse(channel_payload(ChannelKind::Webhook, m).body);
    BOOST_TEST(generic.at("idempotency_key").as_string() == m.key);
    BOOST_TEST(generic.at("rule").as_string() == "budget-day");
    BOOST_TEST(generic.at("value").to_number<double>() == 82.5);
    BOOST_TEST(generic.at("fired_at").as_string() == "2026-11-25T12:00:00.000Z");
    const json::value slack = json::parse(channel_payload(ChannelKind::Slack, m).body);
    BOOST_TEST(slack.at("text").as_string() == m.title + ": " + m.text);
    BOOST_TEST(slack.at("idempotency_key").as_string() == m.key);
    const json::value discord = json::parse(channel_payload(ChannelKind::Discord, m).body);
    BOOST_TEST(discord.at("content").as_string() == m.title + ": " + m.text);
    const OutgoingBody ntfy = channel_payload(ChannelKind::Ntfy, m);
    BOOST_TEST(ntfy.body == m.text);
    BOOST_TEST(ntfy.content_type.starts_with("text/plain"));
    BOOST_REQUIRE(ntfy.headers.size() == 3u);
    BOOST_TEST(ntfy.headers[0].first == "Title");
    BOOST_TEST(ntfy.headers[0].second == m.title);
    BOOST_TEST(ntfy.headers[1].second == "default");
    // Keys differ per crossing (another time or level) and repeat for the same one.
    BOOST_TEST(idempotency_key("r", "", 1, 5) == idempotency_key("r", "", 1, 5));
    BOOST_TEST(idempotency_key("r", "", 1, 5) != idempotency_key("r", "", 1, 6));
    BOOST_TEST(idempotency_key("r", "", 1, 5) != idempotency_key("r", "", 2, 5));
}

BOOST_AUTO_TEST_CASE(hmac_signature_is_rfc_4231s) {
    // RFC 4231, test case 2.
    BOOST_TEST(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(rules_json_hides_channel_urls) {
    std::string err;
    const auto ch = name_channels({*parse_channel("https://hooks.slack.com/services/SECRET", &err)});
    const json::value v = alert_rules_json(budget_flag_rules(100.0, std::nullopt, std::nullopt), ch);
    const std::string text = json::serialize(v);
    BOOST_TEST(text.find("SECRET") == std::string::npos);
    BOOST_TEST(v.at("channels").at(0).at("host").as_string() == "hooks.slack.com");
    BOOST_TEST(v.at("rules").as_array().size() == 2u);
}

BOOST_AUTO_TEST_SUITE_END()
