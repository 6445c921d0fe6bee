// The store reads behind `agentpulse statusline`, each one indexed query: what was spent since a time
// (today's cost, the burn rate) and the tool a session is running now. Kept apart from LiveQueries, which
// prepares the poller's dozens of statements: a status line runs as a fresh process every refresh.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/IsoTime.hpp"
#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse {

class StatusLineQueries {
public:
    explicit StatusLineQueries(Database& db);
    // Every agent's cost of the usage stamped in [from, until].
    double cost_between(EpochMs from, EpochMs until);
    // The newest call without a result that `provider`'s session `session_id` started since `since`.
    std::optional<std::string> running_tool(std::string_view provider, std::string_view session_id, EpochMs since);

private:
    Statement cost_, tool_;
};

}  // namespace agentpulse
