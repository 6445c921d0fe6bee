// The content of a store by natural keys, without row ids, sequence numbers or times of ingest: two
// stores that hold the same data dump the same, whatever order (or how many runs) wrote them.
#pragma once

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "StoreQueries.hpp"

namespace agentpulse::test {

using StoreDump = std::map<std::string, std::vector<std::string>>;

inline StoreDump dump_store(const std::filesystem::path& path) {
    Database db(path, Database::Mode::ReadOnly);
    const std::map<std::string, std::string> queries = {
        {"projects",
         "SELECT provider, slug, display_name, cwd, first_seen, last_seen FROM projects ORDER BY 1, 2"},
        {"sessions",
         "SELECT s.provider, s.session_id, p.slug, s.started_at, s.last_at, s.cwd, s.git_branch, "
         "s.cli_version, s.model "
         "FROM sessions s JOIN projects p ON p.id = s.project_id ORDER BY 1, 2"},
        {"messages",
         "SELECT m.line_key, m.provider, p.slug, s.session_id, f.path, m.line_no, m.parent_key, m.ts, m.day, "
         "m.kind, "
         "m.role, m.model, m.api_message_id, m.request_id, m.input_tokens, m.output_tokens, "
         "m.cache_read_tokens, "
         "m.cache_create_tokens, m.is_sidechain, m.agent_id FROM messages m JOIN projects p ON p.id = "
         "m.project_id "
         "JOIN sessions s ON s.id = m.session_id LEFT JOIN transcript_files f ON f.id = m.file_id ORDER BY "
         "1"},
        {"usage_events",
         "SELECT u.dedup_key, u.provider, p.slug, s.session_id, m.line_key, u.ts, u.day, u.model, "
         "u.input_tokens, "
         "u.output_tokens, u.cache_read_tokens, u.cache_create_tokens, u.cache_create_1h_tokens, "
         "u.reasoning_tokens, "
         "u.cost_usd, u.cost_source, u.service_tier FROM usage_events u JOIN projects p ON p.id = "
         "u.project_id "
         "JOIN sessions s ON s.id = u.session_id LEFT JOIN messages m ON m.id = u.message_id ORDER BY 1"},
        {"message_tool_mart",
         "SELECT t.provider, t.tool_use_id, m.line_key, p.slug, s.session_id, t.ts, t.ts_ms, t.day, "
         "t.tool_name, "
         "t.file_path, t.byte_count, t.call_index, t.result_ts, t.latency_ms, t.is_error, t.result_bytes "
         "FROM message_tool_mart t JOIN projects p ON p.id = t.project_id JOIN sessions s ON s.id = "
         "t.session_id "
         "LEFT JOIN messages m ON m.id = t.message_id ORDER BY 1, 2"},
        {"pending_tool_results",
         "SELECT provider, tool_use_id, ts, ts_ms, is_error, result_bytes FROM pending_tool_results ORDER BY "
         "1, 2"},
        {"transcript_files",
         "SELECT path, provider, kind, project_slug, parent_session, device, inode, size, offset, line_no, "
         "head_len, "
         "head_hash, parser_state, rewrites FROM transcript_files ORDER BY 1"},
        {"ingest_errors", "SELECT path, line_no, kind, message FROM ingest_errors ORDER BY 1, 2, 3, 4"},
    };
    StoreDump dump;
    for (const auto& [table, sql] : queries) dump[table] = flat(query(db, sql));
    return dump;
}

// "" when equal; otherwise which tables differ, with their first differing rows.
inline std::string compare_dumps(const StoreDump& a, const StoreDump& b, const std::string& name_a = "A",
                                 const std::string& name_b = "B") {
    std::ostringstream out;
    for (const auto& [table, rows_a] : a) {
        const auto it = b.find(table);
        const std::vector<std::string> empty;
        const auto& rows_b = it == b.end() ? empty : it->second;
        if (rows_a == rows_b) continue;
        out << table << ": " << rows_a.size() << " rows in " << name_a << ", " << rows_b.size() << " in "
            << name_b << "\n";
        std::size_t shown = 0;
        for (std::size_t i = 0; i < std::max(rows_a.size(), rows_b.size()) && shown < 3; ++i) {
            const std::string ra = i < rows_a.size() ? rows_a[i] : "(none)";
            const std::string rb = i < rows_b.size() ? rows_b[i] : "(none)";
            if (ra == rb) continue;
            out << "  row " << i << "\n    " << name_a << ": " << ra << "\n    " << name_b << ": " << rb
                << "\n";
            ++shown;
        }
    }
    return out.str();
}

}  // namespace agentpulse::test
