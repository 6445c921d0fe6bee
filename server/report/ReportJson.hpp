// The JSON documents of the Overview and Sessions tabs and of /api/config, shaped from ReportQueries
// results. Pure: no store, no Asio, so every field and sum is tested directly. Field names are the
// contract in docs/live-api.md ("Dashboard endpoints").
#pragma once

#include <boost/json/value.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agents/AgentRegistry.hpp"
#include "core/BurnMath.hpp"
#include "core/PriceBook.hpp"
#include "core/ZonedCalendar.hpp"
#include "report/ReportQueries.hpp"

namespace agentpulse {

struct OverviewInputs {
    std::string tz;
    std::vector<EpochMs> day_starts;      // local midnights, oldest first
    std::vector<std::string> day_labels;  // their local dates, "YYYY-MM-DD"
    EpochMs end = 0;                      // the end of the last day
    std::vector<UsageSlice> slices;
    std::map<std::int64_t, std::string> projects;  // id -> display name
    const PriceBook* prices = nullptr;             // for the money cache saved; null = not computed
    BurnBlock burn;
    CalendarSpan calendar;
    EpochMs now = 0;
    bool has_activity = false;  // the whole store's, whatever the filter (the empty state is about the store)
    std::string provider;       // the agent the slices and the burn block were restricted to; empty = all
    std::string machine;        // the machine they were restricted to; empty = all
};

// What money cache reads saved: what they would have cost at the model's input rate minus what they cost
// at its cache-read rate. Tokens of models the price card lacks are counted apart, never guessed.
struct CacheSavings {
    double saved_usd = 0, at_input_rate_usd = 0, at_cache_rate_usd = 0;
    std::int64_t cache_read_tokens = 0, unpriced_cache_read_tokens = 0;
};
CacheSavings cache_savings(const std::vector<UsageSlice>& slices, const PriceBook& prices);

boost::json::value overview_payload(const OverviewInputs& in);

boost::json::value session_summary_payload(const SessionSummary& s);
boost::json::value session_page_payload(const SessionPage& page, const SessionQuery& q,
                                        const std::vector<std::string>& projects,
                                        const std::vector<std::string>& models,
                                        const std::vector<std::string>& machines = {});

// One session: its summary, tool calls in time order (with latencies), per-tool latency sums, and the
// cumulative cost after each usage event (at most `max_points`, evenly thinned, the last always kept).
boost::json::value session_detail_payload(const SessionSummary& s, const std::vector<SessionToolCall>& calls,
                                          std::int64_t calls_total, const std::vector<SessionCostPoint>& costs,
                                          std::size_t max_points = 400);

// What the server watches and where the store is: the dashboard's empty states tell a new user this.
struct ServeInfo {
    bool demo = false;
    bool embedded_watcher = true;
    AgentRoots roots;  // the folder watched for each agent
    std::string store, demo_folder;
    std::optional<double> budget;
    bool token_required = false;
    std::string machine;  // this server's machine (--machine, else the host name): rows from others are labelled
    std::string forward;  // where it forwards its rows (--forward), or empty
};
boost::json::value config_payload(const ServeInfo& info, const std::vector<TranscriptFileCount>& files,
                                  bool has_activity);

}  // namespace agentpulse
