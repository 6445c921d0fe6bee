// What every command does before its real work: logging, the price card, the store. Failures throw
// StartupError with the exit code and a message that says what to fix.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

#include "app/Config.hpp"
#include "core/PriceBook.hpp"
#include "store/Database.hpp"

namespace agentpulse {

struct StartupError : std::runtime_error {
    StartupError(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
    int exit_code;
};

void setup_logging(const std::string& level);
std::shared_ptr<const PriceBook> load_prices(const Config& c);
// Creates the folder and the file if needed and migrates the schema.
std::unique_ptr<Database> open_store_for_writing(const std::filesystem::path& path);
// Read-only: the file must exist and hold a schema this build can read.
std::unique_ptr<Database> open_store_for_reading(const std::filesystem::path& path);

// Commands (one file each).
int run_ingest(const Config& c);
int run_serve(const Config& c);
int run_pricing(const Config& c);
int run_status(const Config& c);
int run_statusline(const Config& c);

// The price card compiled into the binary (conf/pricing.json at build time).
extern const char* const kBuiltinPricingJson;

}  // namespace agentpulse
