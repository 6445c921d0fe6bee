// Reading a store from tests: single values and whole result sets as text (NULL shown as "NULL").
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "store/Database.hpp"
#include "store/Statement.hpp"

namespace agentpulse::test {

using Row = std::vector<std::string>;

inline std::vector<Row> query(Database& db, const std::string& sql) {
    Statement s(db, sql);
    ResetGuard g(s);
    std::vector<Row> rows;
    const int n = sqlite3_column_count(s.handle());
    while (s.step()) {
        Row r;
        for (int i = 0; i < n; ++i) {
            if (s.column_is_null(i))
                r.emplace_back("NULL");
            else if (sqlite3_column_type(s.handle(), i) == SQLITE_FLOAT) {
                char buf[40];
                std::snprintf(buf, sizeof buf, "%.17g", s.column_double(i));  // exact: compared as text
                r.emplace_back(buf);
            } else
                r.push_back(s.column_text(i));
        }
        rows.push_back(std::move(r));
    }
    return rows;
}

// Rows as "a|b|c" strings: comparable element by element with readable failures.
inline std::vector<std::string> flat(const std::vector<Row>& rows) {
    std::vector<std::string> out;
    for (const Row& r : rows) {
        std::string line;
        for (std::size_t i = 0; i < r.size(); ++i) line += (i ? "|" : "") + r[i];
        out.push_back(std::move(line));
    }
    return out;
}

inline std::int64_t query_int(Database& db, const std::string& sql) {
    Statement s(db, sql);
    ResetGuard g(s);
    if (!s.step()) throw std::runtime_error("no row: " + sql);
    return s.column_int(0);
}

inline double query_double(Database& db, const std::string& sql) {
    Statement s(db, sql);
    ResetGuard g(s);
    if (!s.step()) throw std::runtime_error("no row: " + sql);
    return s.column_double(0);
}

inline std::string query_text(Database& db, const std::string& sql) {
    Statement s(db, sql);
    ResetGuard g(s);
    if (!s.step()) throw std::runtime_error("no row: " + sql);
    return s.column_is_null(0) ? "NULL" : s.column_text(0);
}

}  // namespace agentpulse::test
