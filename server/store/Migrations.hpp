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
    // Columns the step adds to existing tables, before its sql runs: ALTER TABLE ... ADD COLUMN has no
    // IF NOT EXISTS, so each is added only when the table lacks it (a step may run twice).
    struct Column {
        std::string_view table, name, type;
    };
    std::vector<Column> add_columns = {};
};

const std::vector<Migration>& schema_migrations();

// One step's changes (its columns, then its sql), without the transaction and version bump migrate() adds.
void apply_step(Database& db, const Migration& m);

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
