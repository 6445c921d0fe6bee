// Fuzz target: transcript bytes through the whole ingest path, as the watcher runs it. The input is a
// transcript file's contents; it is ingested as a session (or, for odd sizes, a sub-agent) file of every
// agent in the registry by the real TranscriptTailer (line splitting, CR/LF, partial last lines, over-long
// lines, batches, parser state saved and restored) into a migrated in-memory store through the StoreWriter
// (JsonLineReader, every agent's parser, FieldCleaning, Utf8, IsoTime, PriceBook, SQL).
//
// It also checks the ingest guarantee (docs/ingest.md): a file read in two calls, the first ending at an
// arbitrary byte (a partial line, as when the agent is mid-write), gives exactly the rows of one read.
#include <sys/stat.h>
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
#include <vector>

#include "agents/AgentRegistry.hpp"
#include "app/Startup.hpp"
#include "model/IngestStats.hpp"
#include "ingest/TranscriptTailer.hpp"
#include "store/Migrations.hpp"
#include "store/Statement.hpp"
#include "store/StoreWriter.hpp"

using namespace agentpulse;
namespace fs = std::filesystem;

namespace {

std::shared_ptr<const PriceBook> g_prices;
fs::path g_dir;
Database* g_template = nullptr;  // a migrated empty store, copied into each input's stores (faster than migrating)

void write_file(const fs::path& p, std::string_view data, bool append) {
    std::ofstream out(p, std::ios::binary | (append ? std::ios::app : std::ios::trunc));
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) std::abort();
}

// Everything a clean run stores, in a canonical order and without row ids: two stores hold the same
// rows exactly when their digests are equal.
std::string digest(Database& db) {
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

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "transcript_fuzz: invariant broken: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    spdlog::set_level(spdlog::level::off);
    g_prices = std::make_shared<const PriceBook>(PriceBook::parse(kBuiltinPricingJson, "builtin"));
    g_template = new Database(":memory:", Database::Mode::ReadWrite);
    migrate(*g_template);
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    g_dir = base / ("agentpulse-fuzz-transcript-" + std::to_string(::getpid()));
    fs::create_directories(g_dir);
    std::atexit([] {
        delete g_template;
        std::error_code ec;
        fs::remove_all(g_dir, ec);
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 256 * 1024) return -1;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    // Where the first read stops: anywhere, a partial line included.
    const std::size_t split = size == 0 ? 0 : (static_cast<std::size_t>(data[size - 1]) * 131 + size / 2) % (size + 1);
    const std::string kind = (size & 1) ? "subagent" : "session";
    // The same bytes as a file of every registered agent that reads lines (a database is not fuzzed here).
    static const std::vector<const AgentSource*> sources = [] {
        std::vector<const AgentSource*> out;
        for (const AgentSource* s : agent_sources())
            if (s->traits().read_mode == ReadMode::AppendOnlyLines) out.push_back(s);
        return out;
    }();
    std::vector<fs::path> paths;
    for (const AgentSource* source : sources)
        paths.push_back(g_dir / (std::string(source->name()) + (kind == "subagent" ? "-agent-a1b2c3.jsonl" : "-sess-1.jsonl")));
    const auto write_all = [&](std::string_view data, bool append) {
        for (const fs::path& p : paths) write_file(p, data, append);
    };
    const auto register_all = [&](Store& store) {
        std::vector<FileRecord> files;
        for (std::size_t i = 0; i < paths.size(); ++i) files.push_back(store.file(paths[i], sources[i]->name(), kind));
        return files;
    };

    // One read of the whole file.
    Store whole;
    write_all(bytes, false);
    std::vector<FileRecord> wf = register_all(whole);
    for (FileRecord& f : wf) check(whole.tailer->ingest(f) != TailStatus::StoreFailed, "a batch was refused by the store");
    // Every complete line is consumed; a partial last line is not.
    const std::size_t last_nl = bytes.rfind('\n');
    const std::int64_t complete = last_nl == std::string_view::npos ? 0 : static_cast<std::int64_t>(last_nl + 1);
    for (const FileRecord& f : wf) check(f.offset == complete, "offset is not at the end of the last complete line");
    // Nothing new: nothing read, nothing written.
    const std::string d_whole = digest(whole.db);
    check(whole.tailer->ingest(wf.front()) == TailStatus::UpToDate, "a second read of an unchanged file progressed");
    check(digest(whole.db) == d_whole, "a second read of an unchanged file changed the store");

    // Two reads: the first stops at `split`, the second gets the rest (a new parser from the saved state).
    Store parts;
    write_all(bytes.substr(0, split), false);
    std::vector<FileRecord> pf = register_all(parts);
    for (FileRecord& f : pf) parts.tailer->ingest(f);
    write_all(bytes.substr(split), true);
    for (FileRecord& f : pf) parts.tailer->ingest(f);
    for (const FileRecord& f : pf) check(f.offset == complete, "offset after two reads is not at the last complete line");
    if (digest(parts.db) != d_whole) {
        std::fprintf(stderr, "split at byte %zu\n--- one read:\n%s--- two reads:\n%s", split, d_whole.c_str(),
                     digest(parts.db).c_str());
        check(false, "reading the file in two parts stored other rows than one read");
    }
    return 0;
}
