// What every command does before its real work: logging, the price card, the store. Failures throw
// StartupError with the exit code and a message that says what to fix.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

#include "app/Config.hpp"
#include "core/PriceBook.hpp"
#include "store/Database.hpp"
#include "store/StoreWriter.hpp"

namespace agentpulse {

struct IngestStats;

struct StartupError : std::runtime_error {
    StartupError(int code, const std::string& what) : std::runtime_error(what), exit_code(code) {}
    int exit_code;
};

void setup_logging(const std::string& level);
std::shared_ptr<const PriceBook> load_prices(const Config& c);
// Creates the folder and the file if needed and migrates the schema.
std::unique_ptr<Database> open_store_for_writing(const std::filesystem::path& path);

// The machine and user of rows read from this machine's transcripts: --machine/--user, else the host
// name and the OS user.
StoreWriter::Origin origin_of(const Config& c);
// Read-only: the file must exist and hold a schema this build can read.
std::unique_ptr<Database> open_store_for_reading(const std::filesystem::path& path);

// The one-shot backfill of `ingest` (without --follow), shared with `report --refresh`: reads every
// transcript into the store (a progress bar on a terminal's standard error) and writes the summary line
// to `summary`. `cancel` stops it at its next batch.
struct OneShotIngest {
    std::int64_t failed_files = 0;
};
OneShotIngest ingest_once(const Config& c, std::shared_ptr<const PriceBook> prices, IngestStats& stats,
                          std::atomic<bool>* cancel, std::FILE* summary);

// Commands (one file each).
int run_ingest(const Config& c);
int run_serve(const Config& c);
int run_pricing(const Config& c);
int run_status(const Config& c);
int run_report(const Config& c);
int run_statusline(const Config& c);
int run_search(const Config& c);
int run_alerts(const Config& c);

// The price card compiled into the binary (conf/pricing.json at build time).
extern const char* const kBuiltinPricingJson;

}  // namespace agentpulse
