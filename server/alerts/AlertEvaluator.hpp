// One evaluation pass over the alert rules: measures each rule's figure per subject from the store,
// steps its threshold state (core/AlertRules) and, in the same transaction, writes the new state and
// queues each firing into the outbox. A restart therefore neither repeats a firing (its state says it
// fired) nor loses one that fell due while the server was down (the first pass after start finds it).
#pragma once

#include <string>
#include <vector>

#include "core/AlertRules.hpp"
#include "store/Database.hpp"

namespace agentpulse {

class AlertEvaluator {
public:
    // `tz`: the zone of budget days, weeks (from Monday) and months.
    AlertEvaluator(std::vector<AlertRule> rules, std::vector<NotifyChannel> channels, std::string tz);

    // On a read-write connection; one IMMEDIATE transaction. Returns what fired.
    std::vector<AlertMessage> evaluate(Database& db, EpochMs now);
    // A test firing of `rule_id` (empty: a generic test), queued like a real one to the rule's channels.
    // nullopt when no rule has that id.
    std::optional<AlertMessage> queue_test(Database& db, const std::string& rule_id, EpochMs now);

    const std::vector<AlertRule>& rules() const { return rules_; }
    const std::vector<NotifyChannel>& channels() const { return channels_; }
    // The channels a rule's firings go to (notify=, default every channel).
    std::vector<NotifyChannel> channels_for(const AlertRule& r) const;
    const std::string& tz() const { return tz_; }

    // Below this share of the month elapsed the projection is not evaluated (it is noise on day one).
    static constexpr EpochMs kProjectionMinElapsedMs = 24 * 3'600'000LL;
    // A tool call open for longer than this is taken as abandoned, not running.
    static constexpr EpochMs kStuckLookbackMs = 24 * 3'600'000LL;

private:
    std::vector<AlertRule> rules_;
    std::vector<NotifyChannel> channels_;
    std::string tz_;
};

}  // namespace agentpulse
