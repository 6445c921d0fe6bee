// What the ingest fuzz targets share (transcript_fuzz, database_fuzz): a migrated empty store copied into
// each input's stores, the builtin price card, a scratch folder in /dev/shm, a canonical digest of what a
// store holds (two stores hold the same rows exactly when their digests are equal) and the abort that
// reports a broken invariant.
#pragma once

#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "app/Startup.hpp"
#include "ingest/TranscriptTailer.hpp"
#include "model/IngestStats.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse::fuzz {
namespace fs = std::filesystem;

inline std::shared_ptr<const PriceBook> g_prices;
inline fs::path g_dir;
inline Database* g_template = nullptr;  // a migrated empty store, copied into each input's stores (faster than migrating)

// Once per process: logging off, the price card, the template store and the scratch folder `name`-<pid>.
inline void init(const std::string& name) {
    spdlog::set_level(spdlog::level::off);
    g_prices = std::make_shared<const PriceBook>(PriceBook::parse(kBuiltinPricingJson, "builtin"));
    g_template = new Database(":memory:", Database::Mode::ReadWrite);
    migrate(*g_template);
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    g_dir = base / ("agentpulse-fuzz-" + name + "-" + std::to_string(::getpid()));
    fs::create_directories(g_dir);
    std::atexit([] {
        delete g_template;
        std::error_code ec;
        fs::remove_all(g_dir, ec);
    });
}

inline void write_file(const fs::path& p, std::string_view data, bool append) {
    std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) std::abort();
}

// Everything a clean run stores, in a canonical order and without row ids: two stores hold the same
// rows exactly when their digests are equal.
inline std::string digest(Database& db) {
    static const char* const kQueries[] = {
        "SELECT count(*) || ':' || ifnull(group_concat(r, '|'), '') FROM (SELECT provider || ',' || line_key || ',' || "
        "ifnull(parent_key,'') || ',' || ts || ',' || kind || ',' || ifnull(role,'') || ',' || ifnull(model,'') || ',' || "
        "ifnull(api_message_id,'') || ',' || ifnull(request_id,'') || ',' || input_tokens || ',' || output_tokens || ',' "
        "|| cache_read_tokens || ',' || cache_create_tokens || ',' || is_sidechain || ',' || ifnull(agent_id,'') AS r "
        "FROM messages ORDER BY r)",
        "SELECT count(*) || ':' || ifnull(group_concat(r, '|'), '') FROM (SELECT provider || ',' || dedup_key || ',' || "
        "ts || ',' || model || ',' || input_tokens || ',' || output_tokens || ',' || cache_read_tokens || ',' || "
        "cache_create_tokens || ',' || cache_create_1h_tokens || ',' || reasoning_tokens || ',' || "
        "printf('%.9f', cost_usd) || ',' || cost_source || ',' || ifnull(service_tier,'') AS r FROM usage_events "
        "ORDER BY r)",
        "SELECT count(*) || ':' || ifnull(group_concat(r, '|'), '') FROM (SELECT provider || ',' || tool_use_id || ',' "
        "|| ts || ',' || tool_name || ',' || ifnull(file_path,'') || ',' || ifnull(byte_count,'') || ',' || call_index "
        "|| ',' || ifnull(result_ts,'') || ',' || ifnull(latency_ms,'') || ',' || ifnull(is_error,'') || ',' || "
        "ifnull(result_bytes,'') AS r FROM message_tool_mart ORDER BY r)",
        ("SELECT count(*) || ':' || ifnull(group_concat(r, '|'), '') FROM (SELECT provider || ',' || tool_use_id || ',' "
         "|| ts || ',' || is_error || ',' || result_bytes AS r FROM pending_tool_results ORDER BY r)"),
        "SELECT count(*) FROM sessions",
        "SELECT count(*) FROM projects",
    };
    std::string out;
    for (const char* q : kQueries) {
        Statement st(db, q);
        if (st.step()) out += st.column_text(0);
        out += '\n';
    }
    return out;
}

// A store for one input, with small batches so that every input spans several.
struct Store {
    Database db{":memory:", Database::Mode::ReadWrite};
    std::unique_ptr<StoreWriter> writer;
    IngestStats stats;
    std::unique_ptr<TranscriptTailer> tailer;
    Store() {
        sqlite3_backup* b = sqlite3_backup_init(db.handle(), "main", g_template->handle(), "main");
        if (!b || sqlite3_backup_step(b, -1) != SQLITE_DONE || sqlite3_backup_finish(b) != SQLITE_OK) std::abort();
        writer = std::make_unique<StoreWriter>(db, g_prices);
        TailerOptions opts;
        opts.max_line_bytes = 8 * 1024;  // small, so that the fuzzer reaches the over-long line paths
        opts.batch_lines = 3;            // several batches per input
        opts.batch_bytes = 4 * 1024;
        tailer = std::make_unique<TranscriptTailer>(*writer, stats, opts);
    }
    // The input as a file of agent `agent`, of the kind `kind` (a sub-agent file has a parent session).
    FileRecord file(const fs::path& path, std::string_view agent, const std::string& kind) {
        FileRecord f;
        f.path = path.string();
        f.provider = std::string(agent);
        f.kind = kind;
        f.project_slug = "-home-ana-src-shop";
        if (kind == "subagent") f.parent_session = "sess-parent";
        return writer->ensure_file(f);
    }
};

inline void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
        std::abort();
    }
}

}  // namespace agentpulse::fuzz
