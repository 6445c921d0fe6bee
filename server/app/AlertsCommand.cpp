// agentpulse alerts list | test [RULE]: the configured rules with their state, last firing and the outbox
// (dead letters with their last error); or a test notification through the configured channels, queued
// in the outbox like a real firing and sent once at once (a failure stays queued for the server to retry).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <cstdio>

#include "alerts/AlertEvaluator.hpp"
#include "alerts/WebhookClient.hpp"
#include "app/Startup.hpp"
#include "report/AlertsReport.hpp"
#include "store/AlertStore.hpp"

namespace agentpulse {
namespace net = boost::asio;
namespace json = boost::json;

namespace {

std::string str(const json::value& v) {
    if (v.is_string()) return std::string(v.as_string());
    if (v.is_null()) return "-";
    return json::serialize(v);
}

int list(const Config& c) {
    auto db = open_store_for_reading(c.store);
    const json::value doc = alerts_report(*db, alert_rules_json(c.alert_rules, c.channels), 20);
    if (c.alert_rules.empty())
        std::printf("no alert rules configured (--budget, --budget-daily, --alert; docs/alerts.md)\n");
    for (const json::value& r : doc.at("rules").as_array()) {
        std::printf("%-32s %-6s last fired %-25s %s\n", str(r.at("id")).c_str(), str(r.at("status")).c_str(),
                    str(r.at("last_fired_at")).c_str(), str(r.at("description")).c_str());
        for (const json::value& s : r.at("state").as_array())
            std::printf("    %s level %s, value %.1f, since %s\n",
                        s.at("subject").as_string().empty() ? "(all)" : str(s.at("subject")).c_str(),
                        str(s.at("level")).c_str(), s.at("value").to_number<double>(),
                        str(s.at("since")).c_str());
    }
    std::printf("channels:");
    for (const json::value& ch : doc.at("channels").as_array())
        std::printf(" %s (%s)", str(ch.at("name")).c_str(), str(ch.at("host")).c_str());
    std::printf("%s\n", doc.at("channels").as_array().empty() ? " none (--notify URL)" : "");
    const json::value& o = doc.at("outbox");
    std::printf("outbox: %s pending, %s sent, %s dead\n", str(o.at("pending")).c_str(),
                str(o.at("sent")).c_str(), str(o.at("dead")).c_str());
    if (!doc.at("firings").as_array().empty()) std::printf("recent firings:\n");
    for (const json::value& f : doc.at("firings").as_array())
        std::printf("  %s  %-28s %s\n", str(f.at("fired_at")).c_str(), str(f.at("rule")).c_str(),
                    str(f.at("text")).c_str());
    if (!doc.at("dead_letters").as_array().empty()) std::printf("dead letters:\n");
    for (const json::value& d : doc.at("dead_letters").as_array())
        std::printf("  %s  %s -> %s after %s attempt(s): %s\n", str(d.at("done_at")).c_str(),
                    str(d.at("alert").at("rule")).c_str(), str(d.at("channel")).c_str(),
                    str(d.at("attempts")).c_str(), str(d.at("last_error")).c_str());
    return 0;
}

int test(const Config& c) {
    if (c.channels.empty())
        throw StartupError(
            2, "no channel to test: give --notify URL (or a notify key in the configuration file)");
    const std::string rule = c.args.size() > 1 ? c.args[1] : "";
    auto db = open_store_for_writing(c.store);
    AlertEvaluator evaluator(c.alert_rules, c.channels, c.alert_tz);
    const auto msg = evaluator.queue_test(*db, rule, now_epoch_ms());
    if (!msg)
        throw StartupError(2, "no alert rule is called '" + rule + "' (agentpulse alerts list shows them)");
    net::io_context io;
    net::ssl::context tls = make_client_tls(c.notify_ca);
    AlertStore store(*db);
    int failed = 0;
    for (const OutboxJob& job : store.outbox("pending", 1000)) {
        if (job.message.key != msg->key) continue;
        const auto kind = channel_kind_from(job.channel_kind);
        WebhookRequest req{*split_url(job.url), channel_payload(*kind, job.message), {}};
        req.headers.emplace_back("Idempotency-Key", job.message.key);
        if (*kind == ChannelKind::Webhook && !c.notify_secret.empty())
            req.headers.emplace_back("X-Agentpulse-Signature",
                                     "sha256=" + hmac_sha256_hex(c.notify_secret, req.body.body));
        auto fut = net::co_spawn(io, post_webhook(io.get_executor(), tls, req, std::chrono::seconds(10)),
                                 net::use_future);
        io.restart();
        io.run();
        const PostResult r = fut.get();
        const EpochMs now = now_epoch_ms();
        if (r.ok()) {
            store.mark_sent(job.id, *r.status, now);
            std::printf("%s: delivered (HTTP %d)\n", job.channel.c_str(), *r.status);
        } else {
            ++failed;
            if (r.gone())
                store.mark_dead(job.id, r.status, r.error, now);
            else
                store.mark_retry(job.id, r.status, r.error, now + 10'000);
            std::printf("%s: failed: %s%s\n", job.channel.c_str(), r.error.c_str(),
                        r.gone() ? " (dead letter)" : " (left in the outbox: a running server retries it)");
        }
    }
    return failed ? 1 : 0;
}

}  // namespace

int run_alerts(const Config& c) {
    return c.args.at(0) == "list" ? list(c) : test(c);
}

}  // namespace agentpulse
