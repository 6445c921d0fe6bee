#include "alerts/AlertEvaluator.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include "core/ZonedCalendar.hpp"
#include "store/AlertStore.hpp"
#include "store/LimitStore.hpp"

namespace agentpulse {

namespace {

std::string money(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, v > 0 && v < 0.01 ? "$%.4f" : "$%.2f",
                  v);  // a tiny test budget stays readable
    return buf;
}
std::string whole(double v) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
}

// One subject's figure and how to say it when it crosses a threshold.
struct Measure {
    std::string subject;
    double value = 0;
    std::string unit;
    std::function<void(AlertMessage&)> describe;
};

std::string scope_words(const AlertScope& s) {
    std::string out;
    if (!s.agent.empty()) out += ", agent " + s.agent;
    if (!s.project.empty()) out += ", project " + s.project;
    if (!s.model.empty()) out += ", model " + s.model;
    return out.empty() ? ", all usage" : out;
}

struct Span {
    EpochMs start = 0, end = 0;
};

std::optional<Span> period_span(BudgetPeriod p, EpochMs now, const std::string& tz) {
    const auto cal = calendar_at(now, tz);
    if (!cal) return std::nullopt;
    switch (p) {
        case BudgetPeriod::Day:
            return Span{cal->day_start, cal->next_day_start};
        case BudgetPeriod::Month:
            return Span{cal->month_start, cal->next_month_start};
        case BudgetPeriod::Week: {
            const auto days = local_days_between(shift_date(cal->local_date, -6), cal->local_date, tz);
            if (!days) return std::nullopt;
            for (const LocalDay& d : days->days)
                if (d.weekday == 0) {
                    const auto week = local_days_between(d.date, shift_date(d.date, 6), tz);
                    if (!week) return std::nullopt;
                    return Span{d.start, week->end};
                }
            return std::nullopt;
        }
    }
    return std::nullopt;
}

// The period's spend in the rule's scope, as a % of its budget.
std::vector<Measure> measure_budget(const AlertRule& r, AlertStore& store, EpochMs now,
                                    const std::string& tz) {
    std::vector<Measure> out;
    const auto span = period_span(r.period, now, tz);
    if (!span) return out;
    const double spent = store.cost_between(span->start, span->end, r.scope);
    const std::string period(budget_period_name(r.period));
    const double usd = r.usd;
    const AlertScope scope = r.scope;
    out.push_back({"", spent / usd * 100, "%", [=](AlertMessage& m) {
                       m.title = "agentpulse: " + period + " budget at " + whole(m.threshold) + "%";
                       m.text = money(spent) + " of the " + money(usd) + " " + period + " budget spent (" +
                                whole(m.value) + "%" + scope_words(scope) + ")";
                   }});
    return out;
}

// This month's spend extrapolated to its end, as a % of the budget.
std::vector<Measure> measure_projection(const AlertRule& r, AlertStore& store, EpochMs now,
                                        const std::string& tz) {
    std::vector<Measure> out;
    const auto cal = calendar_at(now, tz);
    if (!cal || now - cal->month_start < AlertEvaluator::kProjectionMinElapsedMs) return out;
    const double spent = store.cost_between(cal->month_start, cal->next_month_start, r.scope);
    const double projected = spent * static_cast<double>(cal->next_month_start - cal->month_start) /
                             static_cast<double>(now - cal->month_start);
    const double usd = r.usd;
    const AlertScope scope = r.scope;
    out.push_back({"", projected / usd * 100, "%", [=](AlertMessage& m) {
                       m.title = "agentpulse: month-end projection over budget";
                       m.text = "at this month's pace, " + money(projected) + " by month end against a " +
                                money(usd) + " budget (" + whole(m.value) + "%, " + money(spent) + " so far" +
                                scope_words(scope) + ")";
                   }});
    return out;
}

// Each reported window the rule watches, % used.
std::vector<Measure> measure_limit(const AlertRule& r, LimitReader& limits, EpochMs now) {
    std::vector<Measure> out;
    for (const LimitState& l : limits.current(now)) {
        if (!l.used_percent || l.estimate()) continue;
        if (!r.scope.agent.empty() && l.provider != r.scope.agent) continue;
        if (!r.window.empty() && l.window != r.window) continue;
        // A window whose reset has passed is empty until the agent reports it again.
        const double used = l.resets_at && *l.resets_at <= now ? 0.0 : *l.used_percent;
        const std::string provider = l.provider, window = l.window;
        const std::string resets = l.resets_at ? " (resets " + format_iso8601(*l.resets_at) + ")" : "";
        out.push_back({provider + "/" + window, used, "%", [=](AlertMessage& m) {
                           m.title =
                               "agentpulse: " + provider + " " + window + " limit at " + whole(used) + "%";
                           m.text =
                               provider + "'s " + window + " window is " + whole(used) + "% used" + resets;
                       }});
    }
    return out;
}

// Each open tool call, minutes since it started.
std::vector<Measure> measure_stuck(const AlertRule& r, AlertStore& store, EpochMs now) {
    std::vector<Measure> out;
    for (const OpenToolCall& c :
         store.open_calls(now - AlertEvaluator::kStuckLookbackMs, now, r.scope.agent)) {
        if (!r.tool.empty() && c.tool_name != r.tool) continue;
        const double minutes = static_cast<double>(now - c.started_ms) / 60'000.0;
        out.push_back({c.provider + "/" + c.tool_use_id, minutes, "min", [=](AlertMessage& m) {
                           m.title = "agentpulse: " + c.tool_name + " running for " + whole(minutes) + " min";
                           m.text = c.tool_name + " has been running for " + whole(minutes) + " min (" +
                                    c.provider + ", project " + c.project + ", started " +
                                    format_iso8601(c.started_ms) + ")";
                       }});
    }
    return out;
}

// Each tool's share of error results over the window (0 below min_results).
std::vector<Measure> measure_errors(const AlertRule& r, AlertStore& store, EpochMs now) {
    std::vector<Measure> out;
    const EpochMs since = now - static_cast<EpochMs>(r.minutes * 60'000);
    const double window = r.minutes;
    for (const ToolErrorCount& t : store.tool_errors(since, r.scope.agent)) {
        if (!r.tool.empty() && t.tool != r.tool) continue;
        const double pct = t.results >= r.min_results
                               ? 100.0 * static_cast<double>(t.errors) / static_cast<double>(t.results)
                               : 0.0;
        out.push_back({t.tool, pct, "%", [=](AlertMessage& m) {
                           m.title = "agentpulse: " + t.tool + " failing (" + whole(pct) + "% errors)";
                           m.text = std::to_string(t.errors) + " of " + std::to_string(t.results) + " " +
                                    t.tool + " results were errors in the last " + whole(window) + " min";
                       }});
    }
    return out;
}

std::vector<Measure> measure(const AlertRule& r, AlertStore& store, LimitReader& limits, EpochMs now,
                             const std::string& tz) {
    switch (r.kind) {
        case AlertKind::Budget:
            return measure_budget(r, store, now, tz);
        case AlertKind::Projection:
            return measure_projection(r, store, now, tz);
        case AlertKind::Limit:
            return measure_limit(r, limits, now);
        case AlertKind::Stuck:
            return measure_stuck(r, store, now);
        case AlertKind::ErrorRate:
            return measure_errors(r, store, now);
    }
    return {};
}

std::string severity(const AlertRule& r, int index) {
    const double t = r.thresholds[static_cast<std::size_t>(index)];
    switch (r.kind) {
        case AlertKind::Budget:
            return t >= 100 ? "critical" : t >= 80 ? "warning" : "info";
        case AlertKind::Projection:
            return "warning";
        case AlertKind::Limit:
            return t >= 90 ? "critical" : "warning";
        case AlertKind::Stuck:
            return "warning";
        case AlertKind::ErrorRate:
            return "warning";
    }
    return "info";
}

}  // namespace

AlertEvaluator::AlertEvaluator(std::vector<AlertRule> rules, std::vector<NotifyChannel> channels,
                               std::string tz)
    : rules_(std::move(rules)), channels_(std::move(channels)), tz_(std::move(tz)) {}

std::vector<NotifyChannel> AlertEvaluator::channels_for(const AlertRule& r) const {
    if (r.channels.empty()) return channels_;
    std::vector<NotifyChannel> out;
    for (const NotifyChannel& c : channels_)
        if (std::find(r.channels.begin(), r.channels.end(), c.name) != r.channels.end()) out.push_back(c);
    return out;
}

std::vector<AlertMessage> AlertEvaluator::evaluate(Database& db, EpochMs now) {
    std::vector<AlertMessage> fired;
    if (rules_.empty()) return fired;
    Transaction tx(db);
    AlertStore store(db);
    LimitReader limits(db);
    std::map<std::pair<std::string, std::string>, AlertStateRow> states;
    for (AlertStateRow& s : store.states()) states.emplace(std::pair{s.rule_id, s.subject}, std::move(s));
    for (const AlertRule& r : rules_) {
        std::vector<Measure> measures = measure(r, store, limits, now, tz_);
        // Subjects that were armed but are no longer measured (a tool call that ended) count as 0: they
        // clear.
        for (const auto& entry : states) {
            const std::string& subject = entry.first.second;  // (not a structured binding: clang 14 cannot capture one)
            if (entry.first.first == r.id && std::none_of(measures.begin(), measures.end(),
                                                          [&](const Measure& m) { return m.subject == subject; }))
                measures.push_back({subject, 0.0, "", {}});
        }
        for (const Measure& m : measures) {
            const auto it = states.find({r.id, m.subject});
            const int level = it == states.end() ? 0 : it->second.level;
            const ThresholdStep step = step_thresholds(r.thresholds, level, m.value);
            if (step.fired) {
                AlertMessage msg;
                msg.rule_id = r.id;
                msg.subject = m.subject;
                msg.kind = std::string(alert_kind_name(r.kind));
                msg.level = *step.fired + 1;
                msg.threshold = r.thresholds[static_cast<std::size_t>(*step.fired)];
                msg.value = m.value;
                msg.unit = m.unit;
                msg.severity = severity(r, *step.fired);
                msg.fired_ms = now;
                msg.key = idempotency_key(r.id, m.subject, msg.level, now);
                m.describe(msg);
                store.add_firing(msg, channels_for(r), now);
                fired.push_back(msg);
            }
            if (step.level == 0 && it != states.end()) {
                store.drop_state(r.id, m.subject);
            } else if (step.level > 0 && (step.fired || step.rearmed || it == states.end())) {
                AlertStateRow row{r.id,
                                  m.subject,
                                  step.level,
                                  m.value,
                                  now,
                                  step.fired
                                      ? std::optional<EpochMs>(now)
                                      : (it == states.end() ? std::nullopt : it->second.last_fired_ms)};
                store.put_state(row);
            }
        }
    }
    tx.commit();
    return fired;
}

std::optional<AlertMessage> AlertEvaluator::queue_test(Database& db, const std::string& rule_id,
                                                       EpochMs now) {
    AlertMessage msg;
    std::vector<NotifyChannel> to = channels_;
    msg.rule_id = rule_id.empty() ? "test" : rule_id;
    if (!rule_id.empty()) {
        const auto r =
            std::find_if(rules_.begin(), rules_.end(), [&](const AlertRule& x) { return x.id == rule_id; });
        if (r == rules_.end()) return std::nullopt;
        to = channels_for(*r);
        msg.kind = std::string(alert_kind_name(r->kind));
        msg.threshold = r->thresholds.back();
        msg.text = "test notification for rule " + r->id + ": " + describe_rule(*r);
    } else {
        msg.kind = "test";
        msg.text = "test notification: alerts reach this channel";
    }
    msg.title = "agentpulse test";
    msg.subject = "test";
    msg.severity = "info";
    msg.fired_ms = now;
    msg.test = true;
    msg.key = idempotency_key(msg.rule_id, "test", 0, now);
    Transaction tx(db);
    AlertStore(db).add_firing(msg, to, now);
    tx.commit();
    return msg;
}

}  // namespace agentpulse
