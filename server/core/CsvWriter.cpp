// See CsvWriter.hpp.
#include "core/CsvWriter.hpp"

#include <charconv>
#include <cmath>

namespace agentpulse {

std::string csv_text(std::string_view cell) {
    std::string s;
    if (!cell.empty() && (cell[0] == '=' || cell[0] == '+' || cell[0] == '-' || cell[0] == '@' ||
                          cell[0] == '\t' || cell[0] == '\r'))
        s += '\'';
    s += cell;
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string q = "\"";
    for (const char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + '"';
}

void CsvWriter::separate() {
    if (row_open_) out_ += ',';
    row_open_ = true;
}

CsvWriter& CsvWriter::text(std::string_view cell) {
    separate();
    out_ += csv_text(cell);
    return *this;
}

CsvWriter& CsvWriter::number(double v) {
    separate();
    if (!std::isfinite(v)) return *this;  // an empty cell, never "inf" or "nan"
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
    return *this;
}

CsvWriter& CsvWriter::integer(std::int64_t v) {
    separate();
    out_ += std::to_string(v);
    return *this;
}

CsvWriter& CsvWriter::boolean(bool v) {
    separate();
    out_ += v ? "true" : "false";
    return *this;
}

void CsvWriter::end_row() {
    out_ += '\n';
    row_open_ = false;
}

}  // namespace agentpulse
