// The store's schema, as an ordered list of migrations keyed on PRAGMA user_version.
// docs/schema.md documents every table and column; keep the two in step.
#pragma once

#include <string_view>
#include <vector>

#include "store/Database.hpp"

namespace agentpulse {

struct Migration {
    int version;             // user_version after this step
    std::string_view what;   // one line for the log
    std::string_view sql;
};

const std::vector<Migration>& schema_migrations();

// Recomputes usage_slots and session_totals from the rows (after a reprice rewrote costs in place); the
// caller holds the transaction.
void rebuild_aggregates(Database& db);
int current_schema_version();

// Brings a read-write store up to the current version, each step in its own transaction.
// Throws StoreError when the file was written by a newer agentpulse (its version is higher than ours).
void migrate(Database& db);

// For read-only openers: the store's version, checked to be one this build can read.
int check_readable_schema(Database& db);

int schema_version(Database& db);

}  // namespace agentpulse
