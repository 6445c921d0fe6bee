// The content of a store by natural keys, without row ids, sequence numbers or times of ingest: two
// stores that hold the same data dump the same, whatever order (or how many runs) wrote them.
#pragma once

#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "StoreQueries.hpp"

namespace agentpulse::test {

using StoreDump = std::map<std::string, std::vector<std::string>>;

inline StoreDump dump_store(Database& db) {
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
        {"usage_slots",
         "SELECT a.slot, a.provider, p.slug, a.model, a.machine, a.cost_nusd, a.input_tokens, a.output_tokens, "
         "a.cache_read_tokens, a.cache_create_tokens, a.cache_create_1h_tokens, a.reasoning_tokens, a.events, "
         "a.unpriced_events, a.estimated_events FROM usage_slots a JOIN projects p ON p.id = a.project_id "
         "ORDER BY 1, 2, 3, 4, 5"},
        {"session_totals",
         "SELECT s.provider, s.session_id, a.cost_nusd, a.input_tokens, a.output_tokens, a.cache_read_tokens, "
         "a.cache_create_tokens, a.cache_create_1h_tokens, a.reasoning_tokens, a.events, a.unpriced_events, "
         "a.estimated_events, a.tool_calls, a.tool_errors FROM session_totals a JOIN sessions s ON s.id = "
         "a.session_id ORDER BY 1, 2"},
    };
    StoreDump dump;
    for (const auto& [table, sql] : queries) dump[table] = flat(query(db, sql));
    return dump;
}

inline StoreDump dump_store(const std::filesystem::path& path) {
    Database db(path, Database::Mode::ReadOnly);
    return dump_store(db);
}

// The aggregates the store's triggers keep (usage_slots, session_totals) against the same sums computed
// from the rows: "" when they agree, else the rows that differ (stored, then recomputed; rows whose sums
// are all zero count as absent).
inline std::string aggregate_drift(Database& db) {
    const std::string usage_sums =
        "sum(CAST(round(cost_usd * 1e9) AS INTEGER)) AS c0, sum(input_tokens) AS c1, sum(output_tokens) AS c2, "
        "sum(cache_read_tokens) AS c3, sum(cache_create_tokens) AS c4, sum(cache_create_1h_tokens) AS c5, "
        "sum(reasoning_tokens) AS c6, count(*) AS c7, sum(cost_source = 'unpriced') AS c8, "
        "sum(cost_source = 'estimate_model_unknown') AS c9";
    const std::string sum_cols =
        "cost_nusd, input_tokens, output_tokens, cache_read_tokens, cache_create_tokens, cache_create_1h_tokens, "
        "reasoning_tokens, events, unpriced_events, estimated_events";
    const std::string slots_stored = "SELECT slot, provider, project_id, model, machine, " + sum_cols +
                                     " FROM usage_slots WHERE events <> 0 OR cost_nusd <> 0";
    const std::string slots_rows = "SELECT unixepoch(ts) / 900, provider, project_id, model, machine, " + usage_sums +
                                   " FROM usage_events GROUP BY 1, 2, 3, 4, 5";
    const std::string totals_stored = "SELECT session_id, " + sum_cols +
                                      ", tool_calls, tool_errors FROM session_totals "
                                      "WHERE events <> 0 OR cost_nusd <> 0 OR tool_calls <> 0";
    const std::string totals_rows =
        "SELECT s.id, coalesce(u.c0, 0), coalesce(u.c1, 0), coalesce(u.c2, 0), coalesce(u.c3, 0), "
        "coalesce(u.c4, 0), coalesce(u.c5, 0), coalesce(u.c6, 0), coalesce(u.c7, 0), coalesce(u.c8, 0), "
        "coalesce(u.c9, 0), coalesce(t.calls, 0), coalesce(t.errors, 0) FROM sessions s "
        "LEFT JOIN (SELECT session_id, " + usage_sums +
        " FROM usage_events GROUP BY session_id) u "
        "ON u.session_id = s.id LEFT JOIN (SELECT session_id, count(*) AS calls, sum(coalesce(is_error, 0)) AS errors "
        "FROM message_tool_mart GROUP BY session_id) t ON t.session_id = s.id "
        "WHERE u.session_id IS NOT NULL OR t.session_id IS NOT NULL";
    std::ostringstream out;
    for (const auto& [name, stored, rows] : {std::tuple{"usage_slots", slots_stored, slots_rows},
                                             std::tuple{"session_totals", totals_stored, totals_rows}}) {
        for (const auto& [label, sql] :
             {std::pair{"stored, not in the rows", stored + " EXCEPT " + rows},
              std::pair{"in the rows, not stored", rows + " EXCEPT " + stored}}) {
            const auto diff = flat(query(db, sql + " LIMIT 3"));
            for (const std::string& r : diff) out << name << " " << label << ": " << r << "\n";
        }
    }
    return out.str();
}

inline std::string aggregate_drift(const std::filesystem::path& path) {
    Database db(path, Database::Mode::ReadOnly);
    return aggregate_drift(db);
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
