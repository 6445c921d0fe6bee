// Running the agentpulse binary from the integration tests: argument lists for a store and transcript
// roots inside one temporary folder, and read-only looks at the store while a writer runs.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "Process.hpp"
#include "StoreQueries.hpp"
#include "TempDir.hpp"
#include "store/Migrations.hpp"

namespace agentpulse::test {

struct Workspace {
    TempDir dir;
    std::filesystem::path claude() const { return dir / "claude-projects"; }
    std::filesystem::path codex() const { return dir / "codex-sessions"; }
    std::filesystem::path logs() const { return dir / "logs"; }

    // agentpulse ingest --store STORE --claude-projects ... --codex-sessions ... --no-progress [extra...]
    std::vector<std::string> ingest(const std::filesystem::path& store,
                                    std::vector<std::string> extra = {}) const {
        std::vector<std::string> a = {
            AGENTPULSE_BINARY, "ingest",           "--store",        store.string(), "--claude-projects",
            claude().string(), "--codex-sessions", codex().string(), "--no-progress"};
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    }
};

// A read-only connection once the store exists and has its schema (nullptr until then).
inline std::unique_ptr<Database> open_when_ready(const std::filesystem::path& store) {
    std::error_code ec;
    if (!std::filesystem::exists(store, ec)) return nullptr;
    try {
        auto db = std::make_unique<Database>(store, Database::Mode::ReadOnly, 1000);
        if (schema_version(*db) < current_schema_version()) return nullptr;
        return db;
    } catch (const StoreError&) {
        return nullptr;
    }
}

}  // namespace agentpulse::test
