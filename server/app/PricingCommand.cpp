// agentpulse pricing check | reprice: which models the price card does not know, and re-pricing the
// stored usage events after the card was extended.
#include <cstdio>

#include "agents/AgentRegistry.hpp"
#include "app/Startup.hpp"
#include "core/IsoTime.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

namespace {

int check(const Config& c, const PriceBook& prices) {
    auto db = open_store_for_reading(c.store);
    Statement s(*db, "SELECT provider, model, count(*), sum(input_tokens + output_tokens + cache_read_tokens + "
                     "cache_create_tokens), min(ts), max(ts) FROM usage_events WHERE cost_source = 'unpriced' "
                     "GROUP BY provider, model ORDER BY count(*) DESC");
    ResetGuard g(s);
    int n = 0, now_known = 0;
    while (s.step()) {
        if (n++ == 0) std::printf("%-8s %-40s %10s %14s  %s\n", "provider", "model", "responses", "tokens", "seen");
        const std::string model = s.column_text(1);
        // The agent's price family, not its name (they differ: Copilot's family is empty, any entry).
        const AgentSource* agent = find_agent(s.column_view(0));
        const std::string_view family = agent ? agent->traits().prices.name : std::string_view();
        const bool known = agent && (prices.find(family, model) != nullptr ||
                                     (model.empty() && prices.unknown_model_estimate(family) != nullptr));
        now_known += known;
        std::printf("%-8s %-40s %10lld %14lld  %s .. %s%s\n", s.column_text(0).c_str(),
                    model.empty() ? "(no model named)" : model.c_str(), static_cast<long long>(s.column_int(2)),
                    static_cast<long long>(s.column_int(3)), s.column_text(4).substr(0, 10).c_str(),
                    s.column_text(5).substr(0, 10).c_str(), known ? "  (priced by the current card: run reprice)" : "");
    }
    Statement est(*db, "SELECT provider, count(*) FROM usage_events WHERE cost_source = ? GROUP BY provider");
    ResetGuard ge(est);
    est.bind(1, kEstimateModelUnknown);
    while (est.step()) {
        const AgentSource* agent = find_agent(est.column_view(0));
        const std::string* as = agent ? prices.unknown_model_estimate(agent->traits().prices.name) : nullptr;
        std::printf("%lld %s responses name no model: their cost is an estimate, priced as %s "
                    "(cost_source %s; the card's unknown_model_estimates)\n",
                    static_cast<long long>(est.column_int(1)), est.column_text(0).c_str(),
                    as ? as->c_str() : "the estimate in force when they were priced",
                    std::string(kEstimateModelUnknown).c_str());
    }
    if (n == 0) std::printf("every usage event in %s is priced\n", c.store.string().c_str());
    else
        std::printf("\n%d unpriced model(s), %d of them priced by the current card. Add the others to the price card "
                    "(%s) and run 'agentpulse pricing reprice'.\n",
                    n, now_known,
                    c.pricing.empty() ? "conf/pricing.json, then rebuild, or pass --pricing FILE" : c.pricing.string().c_str());
    return 0;
}

int reprice(const Config& c, const PriceBook& prices) {
    auto db = open_store_for_writing(c.store);
    Transaction tx(*db);
    Statement seq(*db, "SELECT coalesce(max(update_seq), 0) FROM usage_events");
    std::int64_t next_seq;
    {
        ResetGuard g(seq);
        seq.step();
        next_seq = seq.column_int(0);
    }
    Statement rows(*db, "SELECT id, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_create_tokens, "
                        "cache_create_1h_tokens, reasoning_tokens, cost_usd, cost_source, coalesce(service_tier,'') "
                        "FROM usage_events WHERE cost_source <> 'reported'");  // the agent's own figure stays
    Statement update(*db, "UPDATE usage_events SET cost_usd = ?, cost_source = ?, update_seq = ?, updated_at = ? WHERE id = ?");
    const std::string now = format_iso8601(now_epoch_ms());
    std::int64_t changed = 0, total = 0;
    {
        ResetGuard g(rows);
        while (rows.step()) {
            ++total;
            const TokenCounts t{rows.column_int(3), rows.column_int(4), rows.column_int(5),
                                rows.column_int(6), rows.column_int(7), rows.column_int(8)};
            const AgentSource* agent = find_agent(rows.column_view(1));
            if (!agent) continue;  // written by an agent this build does not know: its price family is unknown
            const Cost cost = prices.cost(agent->traits().prices.name, rows.column_view(2), t,
                                          rows.column_view(11) == "priority");
            if (cost.source == rows.column_view(10) && std::abs(cost.usd - rows.column_double(9)) < 1e-12) continue;
            update.bind(1, cost.usd).bind(2, cost.source).bind(3, ++next_seq).bind(4, now).bind(5, rows.column_int(0)).run();
            ++changed;
        }
    }
    if (changed > 0) rebuild_aggregates(*db);  // the per-slot and per-session sums of the new costs
    tx.commit();
    std::printf("re-priced %lld of %lld usage events\n", static_cast<long long>(changed), static_cast<long long>(total));
    return 0;
}

}  // namespace

int run_pricing(const Config& c) {
    auto prices = load_prices(c);
    return c.args.at(0) == "check" ? check(c, *prices) : reprice(c, *prices);
}

}  // namespace agentpulse
