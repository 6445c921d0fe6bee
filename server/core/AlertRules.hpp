// Alert rules and notification channels as the configuration writes them (docs/alerts.md), the
// threshold state machine that makes a rule fire once per crossing and re-arm when its condition clears,
// and what a firing says on each channel. Pure: no store, no sockets.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/json/value.hpp>

#include "core/IsoTime.hpp"

namespace agentpulse {

enum class AlertKind : std::uint8_t { Budget, Projection, Limit, Stuck, ErrorRate };
enum class BudgetPeriod : std::uint8_t { Day, Week, Month };

std::string_view alert_kind_name(AlertKind k);
std::string_view budget_period_name(BudgetPeriod p);

// Which usage a budget counts: empty fields match everything.
struct AlertScope {
    std::string agent, project, model;
    bool all() const { return agent.empty() && project.empty() && model.empty(); }
};

struct AlertRule {
    std::string id;  // name=, else made from the kind and its parameters (stable across restarts)
    AlertKind kind = AlertKind::Budget;
    BudgetPeriod period = BudgetPeriod::Month;  // budget; projection is always monthly
    double usd = 0;                             // budget, projection
    AlertScope scope;                           // budget, projection; limit and stuck use scope.agent
    // Ascending. Budget: percent of usd (default 50, 80, 100); projection: percent of usd (100); limit:
    // used percent (80); stuck: minutes (10); error rate: percent of results that are errors (50).
    std::vector<double> thresholds;
    std::string window;   // limit: the window name (five_hour, seven_day, ...); empty = any window
    std::string tool;     // stuck, error rate: one tool; empty = any
    double minutes = 15;  // error rate: the window the rate is measured over
    int min_results = 5;  // error rate: fewer results than this in the window never fire
    std::vector<std::string>
        channels;      // notify=: channel names; empty = every channel; "none" = browser only
    std::string spec;  // as written (empty for the flags' rules)
};

// "KIND key=value ...", e.g. "budget period=day usd=20 project=api at=50,80,100" (docs/alerts.md).
// nullopt and *error set when the text is not a rule.
std::optional<AlertRule> parse_alert_rule(std::string_view spec, std::string* error);
// The rules the flags make: --budget (month + its projected overrun), --budget-daily, --budget-weekly.
std::vector<AlertRule> budget_flag_rules(std::optional<double> monthly, std::optional<double> daily,
                                         std::optional<double> weekly);
// One line describing the rule (for `alerts list` and /api/alerts).
std::string describe_rule(const AlertRule& r);

enum class ChannelKind : std::uint8_t { Webhook, Slack, Discord, Ntfy };
std::string_view channel_kind_name(ChannelKind k);
std::optional<ChannelKind> channel_kind_from(std::string_view name);

struct NotifyChannel {
    std::string name;  // the kind, with -2, -3 ... for a second one of the same kind
    ChannelKind kind = ChannelKind::Webhook;
    std::string url;
};

// "slack:URL", "discord:URL", "ntfy:URL", "webhook:URL", or a bare http(s) URL recognised by its host and
// path (Slack and Discord incoming webhooks, ntfy topics), else the generic webhook.
std::optional<NotifyChannel> parse_channel(std::string_view spec, std::string* error);
// Names the channels (slack, slack-2, ...) in the order given.
std::vector<NotifyChannel> name_channels(std::vector<NotifyChannel> channels);

struct UrlParts {
    bool tls = false;
    std::string host, port, target;  // target includes the query
};
std::optional<UrlParts> split_url(std::string_view url);

// A rule's state for one subject (a budget has one subject, ""; a stuck rule one per running tool call;
// a limit rule one per agent window): how many of its thresholds have fired.
struct ThresholdStep {
    int level = 0;             // thresholds fired after this step
    std::optional<int> fired;  // index of the threshold that fires now (the highest newly crossed)
    bool rearmed = false;      // the value fell back below a fired threshold
};
// Fires when `value` reaches a threshold above `level`; re-arms a fired threshold only once the value is
// below it by `clear_fraction` of it (hysteresis, so a value hovering on the line does not flap).
ThresholdStep step_thresholds(const std::vector<double>& thresholds, int level, double value,
                              double clear_fraction = 0.05);

// What a firing says. Figures and names only (rule, agent, project, model, tool, window): never
// transcript text.
struct AlertMessage {
    std::string rule_id, subject, kind;
    int level = 0;
    double threshold = 0, value = 0;
    std::string unit;      // "%", "min", "USD"
    std::string severity;  // info | warning | critical
    std::string title, text;
    EpochMs fired_ms = 0;
    std::string key;  // idempotency key: the same on every retry and every channel
    bool test = false;
};
std::string idempotency_key(std::string_view rule_id, std::string_view subject, int level, EpochMs fired_ms);

// What a channel is sent: body and headers (the delivery adds Idempotency-Key and the signature).
struct OutgoingBody {
    std::string content_type, body;
    std::vector<std::pair<std::string, std::string>> headers;
};
OutgoingBody channel_payload(ChannelKind kind, const AlertMessage& m);
// The generic webhook's JSON (docs/alerts.md), also the `alert` frame's payload.
std::string alert_json(const AlertMessage& m);

// The rules and channels as /api/alerts and `alerts list --json` show them. A channel shows its kind and
// host, never its URL (a webhook URL is a credential).
boost::json::value alert_rules_json(const std::vector<AlertRule>& rules,
                                    const std::vector<NotifyChannel>& channels);

// Retry n (1 = the first retry) waits base * 2^(n-1), capped, times a jitter factor in [0.5, 1].
std::int64_t retry_delay_ms(int attempt, double jitter01, std::int64_t base_ms, std::int64_t cap_ms);

}  // namespace agentpulse
