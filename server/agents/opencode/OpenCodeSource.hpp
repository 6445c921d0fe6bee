// OpenCode as an agent source: the SQLite database in its data folder (opencode.db, opencode-<channel>.db,
// or $OPENCODE_DB), read by OpenCodeDatabaseParser, and the legacy storage/ JSON tree of versions before 1.2,
// read file by file by OpenCodeJsonParser. docs/formats.md, "OpenCode", has what we rely on.
#pragma once

#include "agents/AgentSource.hpp"

namespace agentpulse {

const AgentSource& opencode_source();

}  // namespace agentpulse
