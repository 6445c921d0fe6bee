// CSV (RFC 4180 quoting, "\n" line ends) for exports a spreadsheet may open. A text cell that starts
// with = + - @ (or a tab or carriage return) is prefixed with ' so that no spreadsheet runs it as a
// formula (CSV injection); numbers are written as numbers and never guarded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace agentpulse {

// One text cell, quoted when it holds a comma, a quote, a CR or an LF (quotes doubled), guarded as above.
std::string csv_text(std::string_view cell);

class CsvWriter {
public:
    CsvWriter& text(std::string_view cell);
    CsvWriter& number(double v);  // shortest form that reads back the same value
    CsvWriter& integer(std::int64_t v);
    CsvWriter& boolean(bool v);
    void end_row();

    const std::string& str() const { return out_; }

private:
    void separate();
    std::string out_;
    bool row_open_ = false;
};

}  // namespace agentpulse
