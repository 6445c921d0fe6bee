// The alerts document of /api/alerts and `agentpulse alerts list --json`: the configured rules with their
// state per subject and last firing, recent firings, the outbox's counts and its dead letters with the
// last error (docs/alerts.md). Channel URLs never appear (they are credentials).
#pragma once

#include <boost/json/value.hpp>

#include "store/Database.hpp"

namespace agentpulse {

// `config`: alert_rules_json() of the rules and channels. Reads the store in the caller's transaction.
boost::json::value alerts_report(Database& db, const boost::json::value& config, int limit = 50);

}  // namespace agentpulse
