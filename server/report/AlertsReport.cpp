#include "report/AlertsReport.hpp"

#include <boost/json.hpp>

#include "store/AlertStore.hpp"

namespace agentpulse {
namespace json = boost::json;

namespace {

json::object firing_json(const AlertMessage& m) {
    return json::object{{"rule", m.rule_id},
                        {"kind", m.kind},
                        {"subject", m.subject},
                        {"level", m.level},
                        {"threshold", m.threshold},
                        {"value", m.value},
                        {"unit", m.unit},
                        {"severity", m.severity},
                        {"title", m.title},
                        {"text", m.text},
                        {"fired_at", format_iso8601(m.fired_ms)},
                        {"idempotency_key", m.key},
                        {"test", m.test}};
}

json::object job_json(const OutboxJob& j) {
    json::object o{{"id", j.id},
                   {"channel", j.channel},
                   {"channel_kind", j.channel_kind},
                   {"status", j.status},
                   {"attempts", j.attempts},
                   {"queued_at", format_iso8601(j.created_ms)},
                   {"last_error", j.last_error},
                   {"alert", firing_json(j.message)}};
    o["last_status"] = j.last_status ? json::value(*j.last_status) : json::value(nullptr);
    o["next_attempt_at"] =
        j.status == "pending" ? json::value(format_iso8601(j.next_ms)) : json::value(nullptr);
    o["done_at"] = j.done_ms ? json::value(format_iso8601(*j.done_ms)) : json::value(nullptr);
    return o;
}

}  // namespace

json::value alerts_report(Database& db, const json::value& config, int limit) {
    json::object out;
    json::array rules = config.is_object() && config.as_object().contains("rules")
                            ? config.at("rules").as_array()
                            : json::array{};
    json::array channels = config.is_object() && config.as_object().contains("channels")
                               ? config.at("channels").as_array()
                               : json::array{};
    AlertStore store(db);
    if (!store.has_tables()) {
        for (json::value& r : rules) r.as_object()["state"] = json::array{};
        out["rules"] = std::move(rules);
        out["channels"] = std::move(channels);
        out["firings"] = json::array{};
        out["pending"] = json::array{};
        out["dead_letters"] = json::array{};
        out["outbox"] = json::object{{"pending", 0}, {"sent", 0}, {"dead", 0}};
        return out;
    }
    const std::vector<AlertStateRow> states = store.states();
    const std::vector<AlertMessage> firings = store.recent_firings(limit);
    for (json::value& rv : rules) {
        json::object& r = rv.as_object();
        const std::string id(r.at("id").as_string());
        json::array st;
        for (const AlertStateRow& s : states)
            if (s.rule_id == id) {
                json::object o{{"subject", s.subject},
                               {"level", s.level},
                               {"value", s.value},
                               {"since", format_iso8601(s.changed_ms)}};
                o["last_fired_at"] =
                    s.last_fired_ms ? json::value(format_iso8601(*s.last_fired_ms)) : json::value(nullptr);
                st.push_back(std::move(o));
            }
        r["state"] = std::move(st);
        r["status"] = r.at("state").as_array().empty() ? "armed" : "fired";
        r["last_fired_at"] = nullptr;
        for (const AlertMessage& m : firings)
            if (m.rule_id == id && !m.test) {
                r["last_fired_at"] = format_iso8601(m.fired_ms);
                break;
            }
    }
    json::array fs, dead, pending;
    for (const AlertMessage& m : firings) fs.push_back(firing_json(m));
    for (const OutboxJob& j : store.outbox("dead", limit)) dead.push_back(job_json(j));
    for (const OutboxJob& j : store.outbox("pending", limit)) pending.push_back(job_json(j));
    const OutboxCounts c = store.counts();
    out["rules"] = std::move(rules);
    out["channels"] = std::move(channels);
    out["firings"] = std::move(fs);
    out["pending"] = std::move(pending);
    out["dead_letters"] = std::move(dead);
    out["outbox"] = json::object{{"pending", c.pending}, {"sent", c.sent}, {"dead", c.dead}};
    return out;
}

}  // namespace agentpulse
