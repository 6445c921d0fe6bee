// See Startup.hpp.
#include "app/Startup.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <system_error>

#include "store/Migrations.hpp"

namespace agentpulse {
namespace fs = std::filesystem;

void setup_logging(const std::string& level) {
    // Logs go to standard error: standard output carries what scripts read ("listening on ...").
    auto logger = spdlog::stderr_color_mt("agentpulse");
    spdlog::set_default_logger(logger);
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
    spdlog::set_level(spdlog::level::from_str(level));
}

std::shared_ptr<const PriceBook> load_prices(const Config& c) {
    try {
        if (c.pricing.empty()) return std::make_shared<PriceBook>(PriceBook::parse(kBuiltinPricingJson, "built-in pricing.json"));
        return std::make_shared<PriceBook>(PriceBook::load_file(c.pricing));
    } catch (const std::exception& e) {
        throw StartupError(2, std::string("price card: ") + e.what());
    }
}

std::unique_ptr<Database> open_store_for_writing(const fs::path& path) {
    std::error_code ec;
    if (path.has_parent_path()) fs::create_directories(path.parent_path(), ec);
    if (ec)
        throw StartupError(2, "store: cannot create the folder " + path.parent_path().string() + ": " + ec.message() +
                                  " (choose another with --store)");
    try {
        auto db = std::make_unique<Database>(path, Database::Mode::ReadWrite);
        migrate(*db);
        return db;
    } catch (const StoreError& e) {
        throw StartupError(2, std::string("store: ") + e.what() + " (choose another with --store)");
    }
}

std::unique_ptr<Database> open_store_for_reading(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw StartupError(2, "store: " + path.string() + " does not exist (has a writer run against it?)");
    try {
        auto db = std::make_unique<Database>(path, Database::Mode::ReadOnly);
        check_readable_schema(*db);
        return db;
    } catch (const StoreError& e) {
        throw StartupError(2, std::string("store: ") + e.what());
    }
}

}  // namespace agentpulse
