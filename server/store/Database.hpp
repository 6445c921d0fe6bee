// RAII owner of one SQLite connection, opened read-write (creating the file, WAL mode) or read-only.
// Errors throw StoreError carrying the SQLite result code and the database path.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace agentpulse {

class StoreError : public std::runtime_error {
public:
    StoreError(int code, const std::string& what) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }
    // Disk full, I/O error, read-only or locked: worth retrying later rather than fatal.
    bool transient() const;

private:
    int code_;
};

class Database {
public:
    enum class Mode { ReadWrite, ReadOnly };

    Database(const std::filesystem::path& path, Mode mode, int busy_timeout_ms = 5000);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    void exec(std::string_view sql);
    sqlite3* handle() const { return db_; }
    const std::filesystem::path& path() const { return path_; }
    Mode mode() const { return mode_; }
    std::int64_t changes() const { return sqlite3_changes64(db_); }
    std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

    [[noreturn]] void throw_error(int code, std::string_view context) const;

private:
    sqlite3* db_ = nullptr;
    std::filesystem::path path_;
    Mode mode_;
};

// BEGIN IMMEDIATE ... COMMIT, rolled back by the destructor unless commit() ran.
class Transaction {
public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

private:
    Database& db_;
    bool done_ = false;
};

}  // namespace agentpulse
