// See Startup.hpp.
#include "agents/AgentRegistry.hpp"
#include "app/Startup.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <system_error>

#include "store/Migrations.hpp"
#include "store/Statement.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

namespace {

// A cheap look at the store's structure before anything writes to it: SQLite checks the header (a file
// that is not a database, or shorter than its header says) on the first read, parsing the schema finds a
// damaged sqlite_master, and reading the first and last row of every table walks both edges of each
// b-tree. Damage deep inside a table is only found when that page is read. A damaged store is refused
// (exit 2) rather than written to, so that the file is left as it was for inspection.
void check_store_structure(Database& db) {
    // Each table with the key its b-tree is ordered by: the rowid, or a WITHOUT ROWID table's primary key.
    std::vector<std::pair<std::string, std::string>> tables;
    {
        Statement s(db, "SELECT m.name, CASE WHEN m.sql LIKE '%WITHOUT ROWID%' THEN (SELECT group_concat(name, ', ') "
                        "FROM (SELECT name FROM pragma_table_info(m.name) WHERE pk > 0 ORDER BY pk)) ELSE 'rowid' END "
                        "FROM sqlite_master m WHERE m.type = 'table' ORDER BY m.name");
        ResetGuard g(s);
        while (s.step()) tables.emplace_back(s.column_text(0), s.column_text(1));
    }
    for (const auto& [t, key] : tables) {
        if (t.starts_with("sqlite_")) continue;
        for (const char* order : {" ASC", " DESC"}) {
            std::string by;
            for (std::size_t at = 0; at <= key.size();) {  // each key column in that direction
                const std::size_t comma = std::min(key.find(", ", at), key.size());
                by += (by.empty() ? "" : ", ") + key.substr(at, comma - at) + order;
                at = comma + 2;
            }
            Statement s(db, "SELECT * FROM \"" + t + "\" ORDER BY " + by + " LIMIT 1");
            ResetGuard g(s);
            s.step();
        }
    }
}

std::string damaged_hint(const StoreError& e) {
    const int code = e.code() & 0xff;
    if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) return {};
    return "; the store is damaged or not an agentpulse store: it was left untouched. Move it aside (a new store "
           "is rebuilt from the transcripts) or point --store at another file";
}

}  // namespace

void setup_logging(const std::string& level) {
    // Logs go to standard error: standard output carries what scripts read ("listening on ...").
    auto logger = spdlog::stderr_color_mt("agentpulse");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(level));
}

std::shared_ptr<const PriceBook> load_prices(const Config& c) {
    try {
        if (c.pricing.empty())
            return std::make_shared<PriceBook>(
                PriceBook::parse(kBuiltinPricingJson, "built-in pricing.json", agent_price_families()));
        return std::make_shared<PriceBook>(PriceBook::load_file(c.pricing, agent_price_families()));
    } catch (const std::exception& e) {
        throw StartupError(2, std::string("price card: ") + e.what());
    }
}

StoreWriter::Origin origin_of(const Config& c) {
    StoreWriter::Origin o = StoreWriter::local_origin();
    if (!c.machine.empty()) o.machine = c.machine;
    if (!c.user.empty()) o.user = c.user;
    return o;
}

std::unique_ptr<Database> open_store_for_writing(const fs::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    if (ec)
        throw StartupError(2, "store: cannot create the folder " + path.parent_path().string() + ": " + ec.message() +
                                  " (choose another with --store)");
    try {
        std::error_code sec;
        const bool existed = fs::exists(path, sec) && fs::file_size(path, sec) > 0;
        auto db = std::make_unique<Database>(path, Database::Mode::ReadWrite);
        if (existed) check_store_structure(*db);
        migrate(*db);
        return db;
    } catch (const StoreError& e) {
        const std::string hint = damaged_hint(e);
        throw StartupError(2, std::string("store: ") + e.what() + (hint.empty() ? " (choose another with --store)" : hint));
    }
}

std::unique_ptr<Database> open_store_for_reading(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw StartupError(2, "store: " + path.string() + " does not exist (has a writer run against it?)");
    try {
        auto db = std::make_unique<Database>(path, Database::Mode::ReadOnly);
        check_store_structure(*db);
        check_readable_schema(*db);
        return db;
    } catch (const StoreError& e) {
        throw StartupError(2, std::string("store: ") + e.what() + damaged_hint(e));
    }
}

}  // namespace agentpulse
