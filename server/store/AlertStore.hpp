// The store side of alerts (tables alert_state, alert_firings, alert_outbox; docs/schema.md): rule state
// per subject, firings queued into the outbox in one transaction, the delivery worker's bookkeeping, the
// reads of `alerts list` and /api/alerts, and the figures the rules measure (cost by scope from the
// 15-minute sums, tool calls still running, tool error counts).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/AlertRules.hpp"
#include "store/Database.hpp"

namespace agentpulse {

struct AlertStateRow {
    std::string rule_id, subject;
    int level = 0;
    double value = 0;
    EpochMs changed_ms = 0;
    std::optional<EpochMs> last_fired_ms;
};

struct OutboxJob {
    std::int64_t id = 0, firing_id = 0;
    std::string channel, channel_kind, url, status;
    int attempts = 0;
    EpochMs created_ms = 0, next_ms = 0;
    std::optional<EpochMs> done_ms;
    std::optional<std::int64_t> last_status;
    std::string last_error;
    AlertMessage message;
};

struct OutboxCounts {
    std::int64_t pending = 0, sent = 0, dead = 0;
};

struct OpenToolCall {
    std::string provider, tool_use_id, tool_name, project;
    EpochMs started_ms = 0;
};

struct ToolErrorCount {
    std::string tool;
    std::int64_t results = 0, errors = 0;
};

class AlertStore {
public:
    explicit AlertStore(Database& db) : db_(db) {}

    // False when the store predates the alert tables (a read-only opener of an older store).
    bool has_tables();

    std::vector<AlertStateRow> states();
    void put_state(const AlertStateRow& s);
    void drop_state(std::string_view rule_id, std::string_view subject);
    // The firing and one pending outbox row per channel (none for a browser-only rule); returns the firing's
    // id. The caller holds the transaction that also writes the rule's state.
    std::int64_t add_firing(const AlertMessage& m, const std::vector<NotifyChannel>& channels, EpochMs now);

    // The oldest due pending job of `channel` (next_ms <= now), and when the next one falls due.
    std::optional<OutboxJob> next_due(std::string_view channel, EpochMs now);
    std::optional<EpochMs> next_due_time(std::string_view channel);
    void mark_sent(std::int64_t id, int status, EpochMs now);
    void mark_retry(std::int64_t id, std::optional<int> status, std::string_view error, EpochMs next_ms);
    void mark_dead(std::int64_t id, std::optional<int> status, std::string_view error, EpochMs now);

    std::vector<AlertMessage> recent_firings(int limit);
    // Outbox rows with this status ("dead", "pending", "sent"), newest first.
    std::vector<OutboxJob> outbox(std::string_view status, int limit);
    OutboxCounts counts();

    // Cost of usage in [from, to), both on 15-minute slot bounds (a local day, week or month start is one
    // in every zone), in `scope`. project matches the project's display name or slug.
    double cost_between(EpochMs from, EpochMs to, const AlertScope& scope);
    // Tool calls started in [since, before] without a result yet.
    std::vector<OpenToolCall> open_calls(EpochMs since, EpochMs before, std::string_view agent);
    // Results per tool of calls made since `since`.
    std::vector<ToolErrorCount> tool_errors(EpochMs since, std::string_view agent);

private:
    Database& db_;
};

}  // namespace agentpulse
