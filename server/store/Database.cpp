// SQLite connection setup: WAL, NORMAL sync (durable across process crashes; see docs/schema.md), busy timeout.
#include "store/Database.hpp"

namespace agentpulse {

namespace {
// SQLite's memory statistics take a global mutex on every allocation (thousands per ingest batch) and
// nothing here reads them. Must run before SQLite initialises, hence at static initialisation.
[[maybe_unused]] const int kNoMemoryStatistics = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}  // namespace

bool StoreError::transient() const {
    switch (code_ & 0xff) {
        case SQLITE_FULL:
        case SQLITE_IOERR:
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
        case SQLITE_READONLY:
        case SQLITE_CANTOPEN:
        case SQLITE_PERM:
            return true;
        default:
            return false;
    }
}

Database::Database(const std::filesystem::path& path, Mode mode, int busy_timeout_ms) : path_(path), mode_(mode) {
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                             : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        const std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
        sqlite3_close(db_);
        db_ = nullptr;
        throw StoreError(rc, path.string() + ": cannot open store: " + msg);
    }
    sqlite3_extended_result_codes(db_, 1);
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    try {
        if (mode == Mode::ReadWrite) {
            exec("PRAGMA journal_mode=WAL");
            exec("PRAGMA synchronous=NORMAL");
            exec("PRAGMA foreign_keys=ON");
            // Keep the WAL from growing without bound during a long backfill: a large WAL slows every reader.
            exec("PRAGMA wal_autocheckpoint=4000");
            exec("PRAGMA journal_size_limit=67108864");
        }
        exec("PRAGMA temp_store=MEMORY");
    } catch (...) {
        // A constructor that throws gets no destructor: close the connection here (a damaged or foreign
        // file fails the first PRAGMA; found by LeakSanitizer in the corrupt-store fault test).
        sqlite3_close_v2(db_);
        db_ = nullptr;
        throw;
    }
}

Database::~Database() {
    if (db_) sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
    char* err = nullptr;
    const std::string s(sql);
    const int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw StoreError(rc, path_.string() + ": " + msg + " (in: " + s.substr(0, 80) + ")");
    }
}

void Database::throw_error(int code, std::string_view context) const {
    throw StoreError(code, path_.string() + ": " + std::string(context) + ": " + sqlite3_errmsg(db_));
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
    if (!done_) {
        // Best effort: if the connection is already out of its transaction (e.g. SQLITE_FULL rolled
        // it back), ROLLBACK fails harmlessly.
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

void Transaction::commit() {
    db_.exec("COMMIT");
    done_ = true;
}

}  // namespace agentpulse
