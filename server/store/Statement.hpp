// RAII prepared statement. Every execution path resets it (ResetGuard / step_done), so no statement
// keeps a read snapshot open between uses (an un-reset statement keeps its snapshot: its reader sees stale
// data and the WAL cannot be checkpointed past it, so it grows).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/Database.hpp"

namespace agentpulse {

class Statement {
public:
    Statement(Database& db, std::string_view sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    Statement(Statement&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }

    // Binding by 1-based position. Strings are copied (SQLITE_TRANSIENT).
    Statement& bind(int i, std::int64_t v);
    Statement& bind(int i, int v) { return bind(i, static_cast<std::int64_t>(v)); }
    Statement& bind(int i, double v);
    Statement& bind(int i, std::string_view v);
    Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
    Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
    Statement& bind_null(int i);
    template <class T>
    Statement& bind(int i, const std::optional<T>& v) {
        return v ? bind(i, *v) : bind_null(i);
    }

    // True while a row is available. Throws StoreError on failure (after resetting).
    bool step();
    // Runs to completion (INSERT/UPDATE/DELETE) and resets; returns sqlite3_changes.
    std::int64_t run();
    void reset();

    std::int64_t column_int(int i) const { return sqlite3_column_int64(stmt_, i); }
    double column_double(int i) const { return sqlite3_column_double(stmt_, i); }
    std::string column_text(int i) const;
    std::string_view column_view(int i) const;
    bool column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
    std::optional<std::int64_t> column_opt_int(int i) const {
        return column_is_null(i) ? std::nullopt : std::optional<std::int64_t>(column_int(i));
    }

    sqlite3_stmt* handle() const { return stmt_; }

private:
    Database* db_;
    sqlite3_stmt* stmt_ = nullptr;
};

// Resets a statement when the scope ends, whatever path leaves it.
class ResetGuard {
public:
    explicit ResetGuard(Statement& s) : s_(s) {}
    ~ResetGuard() { s_.reset(); }
    ResetGuard(const ResetGuard&) = delete;
    ResetGuard& operator=(const ResetGuard&) = delete;

private:
    Statement& s_;
};

}  // namespace agentpulse
