// Rule and channel parsing, the threshold state machine and the channels' payloads (docs/alerts.md).
#include "core/AlertRules.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "core/Hash.hpp"

namespace agentpulse {
namespace json = boost::json;

std::string_view alert_kind_name(AlertKind k) {
    switch (k) {
        case AlertKind::Budget:
            return "budget";
        case AlertKind::Projection:
            return "projection";
        case AlertKind::Limit:
            return "limit";
        case AlertKind::Stuck:
            return "stuck";
        case AlertKind::ErrorRate:
            return "errors";
    }
    return "?";
}

std::string_view budget_period_name(BudgetPeriod p) {
    switch (p) {
        case BudgetPeriod::Day:
            return "day";
        case BudgetPeriod::Week:
            return "week";
        case BudgetPeriod::Month:
            return "month";
    }
    return "?";
}

std::string_view channel_kind_name(ChannelKind k) {
    switch (k) {
        case ChannelKind::Webhook:
            return "webhook";
        case ChannelKind::Slack:
            return "slack";
        case ChannelKind::Discord:
            return "discord";
        case ChannelKind::Ntfy:
            return "ntfy";
    }
    return "?";
}

std::optional<ChannelKind> channel_kind_from(std::string_view name) {
    for (const ChannelKind k :
         {ChannelKind::Webhook, ChannelKind::Slack, ChannelKind::Discord, ChannelKind::Ntfy})
        if (channel_kind_name(k) == name) return k;
    return std::nullopt;
}

namespace {

std::string fmt_number(double v) {
    char buf[64];
    if (std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15)
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, std::fabs(v) < 0.01 ? "%.4g" : "%.2f",
                      v);  // a tiny test budget stays readable
    return buf;
}

std::optional<double> number(std::string_view text) {
    if (text.empty() || text.size() > 32) return std::nullopt;
    const std::string s(text);
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v) || v <= 0) return std::nullopt;
    return v;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    std::size_t at = 0;
    while (at <= s.size()) {
        std::size_t next = s.find(sep, at);
        if (next == std::string_view::npos) next = s.size();
        if (next > at) out.push_back(s.substr(at, next - at));
        at = next + 1;
    }
    return out;
}

std::vector<double> default_thresholds(AlertKind k) {
    switch (k) {
        case AlertKind::Budget:
            return {50, 80, 100};
        case AlertKind::Projection:
            return {100};
        case AlertKind::Limit:
            return {80};
        case AlertKind::Stuck:
            return {10};
        case AlertKind::ErrorRate:
            return {50};
    }
    return {};
}

std::string made_id(const AlertRule& r) {
    std::string id(alert_kind_name(r.kind));
    if (r.kind == AlertKind::Budget) id += "-" + std::string(budget_period_name(r.period));
    if (!r.scope.agent.empty()) id += "-agent-" + r.scope.agent;
    if (!r.scope.project.empty()) id += "-project-" + r.scope.project;
    if (!r.scope.model.empty()) id += "-model-" + r.scope.model;
    if (!r.window.empty()) id += "-" + r.window;
    if (!r.tool.empty()) id += "-" + r.tool;
    return id;
}

bool valid_name(std::string_view s) {
    return !s.empty() && s.size() <= 200 && std::none_of(s.begin(), s.end(), [](char c) {
        return static_cast<unsigned char>(c) < 0x20 || c == ' ';
    });
}

}  // namespace

namespace {

// One key=value of a rule into `r` (`name` receives name=); the reason when it is not valid.
std::optional<std::string> apply_rule_key(AlertRule& r, std::string& name, std::string_view key,
                                          std::string_view value) {
    if (key == "usd") {
        const auto v = number(value);
        if (!v) return std::string("usd must be a positive amount");
        r.usd = *v;
    } else if (key == "period") {
        if (value == "day")
            r.period = BudgetPeriod::Day;
        else if (value == "week")
            r.period = BudgetPeriod::Week;
        else if (value == "month")
            r.period = BudgetPeriod::Month;
        else
            return std::string("period must be day, week or month");
    } else if (key == "at" || key == "percent") {
        r.thresholds.clear();
        for (std::string_view t : split(value, ',')) {
            const auto v = number(t);
            if (!v) return std::string("thresholds must be positive numbers");
            r.thresholds.push_back(*v);
        }
    } else if (key == "minutes") {
        const auto v = number(value);
        if (!v) return std::string("minutes must be a positive number");
        // stuck: the threshold itself; errors: the window the rate is measured over
        if (r.kind == AlertKind::Stuck)
            r.thresholds = {*v};
        else
            r.minutes = *v;
    } else if (key == "min") {
        const auto v = number(value);
        if (!v) return std::string("min must be a positive count");
        r.min_results = static_cast<int>(*v);
    } else if (key == "agent" || key == "project" || key == "model" || key == "window" || key == "tool" ||
               key == "name") {
        if (!valid_name(value)) return std::string(std::string(key) + " is not a name");
        std::string v(value);
        if (key == "agent")
            r.scope.agent = v;
        else if (key == "project")
            r.scope.project = v;
        else if (key == "model")
            r.scope.model = v;
        else if (key == "window")
            r.window = v;
        else if (key == "tool")
            r.tool = v;
        else
            name = v;
    } else if (key == "notify") {
        for (std::string_view c : split(value, ',')) r.channels.emplace_back(c);
    } else {
        return std::string("unknown key '" + std::string(key) + "'");
    }
    return std::nullopt;
}

}  // namespace

std::optional<AlertRule> parse_alert_rule(std::string_view spec, std::string* error) {
    const auto fail = [&](std::string why) -> std::optional<AlertRule> {
        if (error) *error = "alert rule '" + std::string(spec) + "': " + why;
        return std::nullopt;
    };
    const std::vector<std::string_view> words = split(spec, ' ');
    if (words.empty()) return fail("empty");
    AlertRule r;
    r.spec = std::string(spec);
    static const std::map<std::string_view, AlertKind> kinds = {{"budget", AlertKind::Budget},
                                                                {"projection", AlertKind::Projection},
                                                                {"limit", AlertKind::Limit},
                                                                {"stuck", AlertKind::Stuck},
                                                                {"errors", AlertKind::ErrorRate}};
    const auto kind = kinds.find(words[0]);
    if (kind == kinds.end()) return fail("the kind must be budget, projection, limit, stuck or errors");
    r.kind = kind->second;
    std::string name;
    for (std::size_t i = 1; i < words.size(); ++i) {
        const std::size_t eq = words[i].find('=');
        if (eq == std::string_view::npos) return fail("'" + std::string(words[i]) + "' is not key=value");
        const std::string_view key = words[i].substr(0, eq), value = words[i].substr(eq + 1);
        if (value.empty()) return fail("'" + std::string(key) + "' has no value");
        if (auto why = apply_rule_key(r, name, key, value)) return fail(*why);
    }
    if ((r.kind == AlertKind::Budget || r.kind == AlertKind::Projection) && r.usd <= 0)
        return fail("usd= is required");
    if (r.thresholds.empty()) r.thresholds = default_thresholds(r.kind);
    std::sort(r.thresholds.begin(), r.thresholds.end());
    r.thresholds.erase(std::unique(r.thresholds.begin(), r.thresholds.end()), r.thresholds.end());
    if (r.thresholds.size() > 10) return fail("at most 10 thresholds");
    r.id = name.empty() ? made_id(r) : name;
    return r;
}

std::vector<AlertRule> budget_flag_rules(std::optional<double> monthly, std::optional<double> daily,
                                         std::optional<double> weekly) {
    std::vector<AlertRule> out;
    const auto add = [&](AlertKind kind, BudgetPeriod p, double usd) {
        AlertRule r;
        r.kind = kind;
        r.period = p;
        r.usd = usd;
        r.thresholds = default_thresholds(kind);
        r.id = made_id(r);
        out.push_back(std::move(r));
    };
    if (daily) add(AlertKind::Budget, BudgetPeriod::Day, *daily);
    if (weekly) add(AlertKind::Budget, BudgetPeriod::Week, *weekly);
    if (monthly) {
        add(AlertKind::Budget, BudgetPeriod::Month, *monthly);
        add(AlertKind::Projection, BudgetPeriod::Month, *monthly);
    }
    return out;
}

std::string describe_rule(const AlertRule& r) {
    std::string scope;
    if (!r.scope.agent.empty()) scope += " agent " + r.scope.agent;
    if (!r.scope.project.empty()) scope += " project " + r.scope.project;
    if (!r.scope.model.empty()) scope += " model " + r.scope.model;
    std::string at;
    for (double t : r.thresholds) at += (at.empty() ? "" : "/") + fmt_number(t);
    switch (r.kind) {
        case AlertKind::Budget:
            return std::string(budget_period_name(r.period)) + " budget $" + fmt_number(r.usd) +
                   (scope.empty() ? " (all usage)" : " (" + scope.substr(1) + ")") + " at " + at + "%";
        case AlertKind::Projection:
            return "month-end projection over $" + fmt_number(r.usd) +
                   (scope.empty() ? "" : " (" + scope.substr(1) + ")");
        case AlertKind::Limit:
            return "limit window " + (r.window.empty() ? std::string("any") : r.window) +
                   (r.scope.agent.empty() ? "" : " of " + r.scope.agent) + " at " + at + "% used";
        case AlertKind::Stuck:
            return (r.tool.empty() ? std::string("a tool") : r.tool) + " running longer than " + at + " min" +
                   (r.scope.agent.empty() ? "" : " (" + r.scope.agent + ")");
        case AlertKind::ErrorRate:
            return (r.tool.empty() ? std::string("a tool's") : r.tool + "'s") + " error rate at " + at +
                   "% over " + fmt_number(r.minutes) + " min (at least " + std::to_string(r.min_results) +
                   " results)";
    }
    return r.id;
}

std::optional<UrlParts> split_url(std::string_view url) {
    UrlParts u;
    std::string_view rest;
    if (url.starts_with("https://")) {
        u.tls = true;
        rest = url.substr(8);
    } else if (url.starts_with("http://")) {
        rest = url.substr(7);
    } else {
        return std::nullopt;
    }
    const std::size_t slash = rest.find_first_of("/?");
    std::string_view authority = rest.substr(0, slash);
    u.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!u.target.empty() && u.target[0] == '?') u.target = "/" + u.target;
    if (authority.find('@') != std::string_view::npos || authority.empty()) return std::nullopt;
    if (authority.starts_with("[")) {
        const std::size_t close = authority.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        u.host = std::string(authority.substr(1, close - 1));
        authority = authority.substr(close + 1);
        if (authority.starts_with(":")) u.port = std::string(authority.substr(1));
    } else {
        const std::size_t colon = authority.rfind(':');
        u.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
    }
    if (u.port.empty()) u.port = u.tls ? "443" : "80";
    if (u.host.empty() || u.port.size() > 5 || u.port.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    for (char c : u.target)
        if (static_cast<unsigned char>(c) <= 0x20) return std::nullopt;
    return u;
}

std::optional<NotifyChannel> parse_channel(std::string_view spec, std::string* error) {
    NotifyChannel c;
    std::string_view url = spec;
    bool named = false;
    for (const ChannelKind k :
         {ChannelKind::Webhook, ChannelKind::Slack, ChannelKind::Discord, ChannelKind::Ntfy}) {
        const std::string prefix = std::string(channel_kind_name(k)) + ":";
        if (spec.starts_with(prefix) && !spec.starts_with(prefix + "//")) {
            c.kind = k;
            url = spec.substr(prefix.size());
            named = true;
        }
    }
    const auto parts = split_url(url);
    if (!parts) {
        if (error) *error = "--notify '" + std::string(spec) + "': not an http:// or https:// URL";
        return std::nullopt;
    }
    if (!named) {
        const std::string& h = parts->host;
        const std::string& t = parts->target;
        if (h == "hooks.slack.com")
            c.kind = ChannelKind::Slack;
        else if ((h == "discord.com" || h == "discordapp.com" || h.ends_with(".discord.com")) &&
                 t.starts_with("/api/webhooks/"))
            c.kind = ChannelKind::Discord;
        else if (h == "ntfy.sh" || h.starts_with("ntfy."))
            c.kind = ChannelKind::Ntfy;
    }
    c.url = std::string(url);
    c.name = std::string(channel_kind_name(c.kind));
    return c;
}

std::vector<NotifyChannel> name_channels(std::vector<NotifyChannel> channels) {
    std::map<std::string, int> seen;
    for (NotifyChannel& c : channels) {
        const std::string base(channel_kind_name(c.kind));
        const int n = ++seen[base];
        c.name = n == 1 ? base : base + "-" + std::to_string(n);
    }
    return channels;
}

ThresholdStep step_thresholds(const std::vector<double>& thresholds, int level, double value,
                              double clear_fraction) {
    ThresholdStep s;
    const int n = static_cast<int>(thresholds.size());
    level = std::clamp(level, 0, n);
    int reached = 0;
    while (reached < n && value >= thresholds[static_cast<std::size_t>(reached)]) ++reached;
    if (reached > level) {
        s.level = reached;
        s.fired = reached - 1;
        return s;
    }
    s.level = level;
    while (s.level > 0 && value < thresholds[static_cast<std::size_t>(s.level - 1)] * (1 - clear_fraction)) {
        --s.level;
        s.rearmed = true;
    }
    return s;
}

std::string idempotency_key(std::string_view rule_id, std::string_view subject, int level, EpochMs fired_ms) {
    const std::string basis = std::string(rule_id) + '\x1f' + std::string(subject) + '\x1f' +
                              std::to_string(level) + '\x1f' + std::to_string(fired_ms);
    return "ap-" + hex64(fnv1a64(basis)) + "-" + std::to_string(fired_ms);
}

std::string alert_json(const AlertMessage& m) {
    json::object o;
    o["type"] = "agentpulse.alert";
    o["version"] = 1;
    o["idempotency_key"] = m.key;
    o["rule"] = m.rule_id;
    o["kind"] = m.kind;
    o["subject"] = m.subject;
    o["level"] = m.level;
    o["threshold"] = m.threshold;
    o["value"] = m.value;
    o["unit"] = m.unit;
    o["severity"] = m.severity;
    o["title"] = m.title;
    o["text"] = m.text;
    o["fired_at"] = format_iso8601(m.fired_ms);
    o["test"] = m.test;
    return json::serialize(o);
}

OutgoingBody channel_payload(ChannelKind kind, const AlertMessage& m) {
    OutgoingBody out;
    const std::string line = m.title + ": " + m.text;
    switch (kind) {
        case ChannelKind::Webhook:
            out.content_type = "application/json";
            out.body = alert_json(m);
            break;
        case ChannelKind::Slack: {
            out.content_type = "application/json";
            out.body = json::serialize(json::object{{"text", line}, {"idempotency_key", m.key}});
            break;
        }
        case ChannelKind::Discord: {
            out.content_type = "application/json";
            out.body = json::serialize(json::object{{"content", line}, {"idempotency_key", m.key}});
            break;
        }
        case ChannelKind::Ntfy: {
            out.content_type = "text/plain; charset=utf-8";
            out.body = m.text;
            out.headers.emplace_back("Title", m.title);
            out.headers.emplace_back("Priority", m.severity == "critical" ? "high" : "default");
            out.headers.emplace_back("Tags", m.test ? "agentpulse,test" : "agentpulse," + m.kind);
            break;
        }
    }
    return out;
}

json::value alert_rules_json(const std::vector<AlertRule>& rules,
                             const std::vector<NotifyChannel>& channels) {
    json::object out;
    json::array rs, cs;
    for (const AlertRule& r : rules) {
        json::array at, to;
        for (double t : r.thresholds) at.push_back(t);
        if (r.channels.empty())
            for (const NotifyChannel& c : channels) to.push_back(json::string(c.name));
        else
            for (const std::string& c : r.channels)
                if (c != "none") to.push_back(json::string(c));
        rs.push_back(json::object{{"id", r.id},
                                  {"kind", alert_kind_name(r.kind)},
                                  {"description", describe_rule(r)},
                                  {"thresholds", std::move(at)},
                                  {"channels", std::move(to)}});
    }
    for (const NotifyChannel& c : channels) {
        const auto u = split_url(c.url);
        cs.push_back(
            json::object{{"name", c.name}, {"kind", channel_kind_name(c.kind)}, {"host", u ? u->host : ""}});
    }
    out["rules"] = std::move(rs);
    out["channels"] = std::move(cs);
    return out;
}

std::int64_t retry_delay_ms(int attempt, double jitter01, std::int64_t base_ms, std::int64_t cap_ms) {
    const int shift = std::clamp(attempt - 1, 0, 30);
    const double full =
        std::min(static_cast<double>(cap_ms), static_cast<double>(base_ms) * std::pow(2.0, shift));
    return static_cast<std::int64_t>(full * (0.5 + 0.5 * std::clamp(jitter01, 0.0, 1.0)));
}

}  // namespace agentpulse
